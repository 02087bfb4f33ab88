"""Dashboard figures against hand-made results, computed independently; drill-down; query counts."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import openpyxl
import pytest
from django.urls import reverse

from marshrut.analytics import queries
from marshrut.analytics.queries import Filters
from marshrut.diagnostics.models import Campaign, Deficit, Result, Status, Submission
from marshrut.kernels.criteria import LEVELS
from tests.conftest import World, make_school
from tests.diagnostics.factories import criteria


def _campaign(world: World, year: int, previous: Campaign | None = None) -> Campaign:
    version = criteria(2024)
    campaign = Campaign.objects.create(
        region=world.region,
        criteria=version,
        title=f"Кампания {year}",
        year=year,
        opens_on=dt.date(year, 11, 1),
        closes_on=dt.date(year, 11, 15),
        previous=previous,
    )
    return campaign


def _scored(
    campaign: Campaign,
    school: Any,
    status: str,
    results: dict[str, tuple[str, float, float]],
    deficits: list[tuple[str, str, str]] = (),
) -> Submission:
    sub = Submission.objects.create(campaign=campaign, school=school, status=status)
    for scope, (level, points, maximum) in results.items():
        Result.objects.create(
            submission=sub,
            campaign=campaign,
            school=school,
            scope=scope,
            level=level,
            points=points,
            max_points=maximum,
        )
    for code, direction, kind in deficits:
        Deficit.objects.create(
            submission=sub,
            campaign=campaign,
            school=school,
            code=code,
            direction=direction,
            kind=kind,
            points=0,
            max_points=1,
        )
    return sub


@pytest.fixture
def data(world: World) -> dict[str, Any]:
    before = _campaign(world, 2023)
    _scored(before, world.s1, Status.VERIFIED, {"overall": ("basic", 50, 100)})
    _scored(before, world.s2, Status.VERIFIED, {"overall": ("below_basic", 20, 100)})
    _scored(before, world.s3, Status.VERIFIED, {"overall": ("high", 95, 100)})
    now = _campaign(world, 2024, previous=before)
    _scored(
        now,
        world.s1,
        Status.SUBMITTED,
        {"overall": ("below_basic", 30, 100), "znanie": ("below_basic", 2, 10)},
        [("ZN.01", "znanie", "critical"), ("ZN.02", "znanie", "zero")],
    )
    _scored(
        now,
        world.s2,
        Status.VERIFIED,
        {"overall": ("medium", 70, 100), "znanie": ("basic", 5, 10)},
        [("ZN.02", "znanie", "zero")],
    )
    _scored(
        now, world.s3, Status.SUBMITTED, {"overall": ("high", 90, 100), "znanie": ("high", 9, 10)}
    )
    return {"now": now, "before": before}


def test_aggregates_match_hand_computed_figures(world: World, data: dict[str, Any]) -> None:
    now, f = data["now"], Filters()
    p = queries.participation(now, f)
    assert (p.schools, p.done) == (3, 3)
    dist = queries.level_distribution(now, f)
    assert dist["overall"] == {"below_basic": 1, "basic": 0, "medium": 1, "high": 1}
    assert dist["znanie"] == {"below_basic": 1, "basic": 1, "medium": 0, "high": 1}
    heat = queries.heatmap(now, f)
    m1 = heat[(world.m1.pk, "overall")]
    assert (m1.schools, m1.below_basic) == (2, 1) and m1.mean_share == pytest.approx(
        (0.3 + 0.9) / 2
    )
    assert heat[(world.m2.pk, "overall")].mean_share == pytest.approx(0.7)
    top = queries.frequent_deficits(now, f)
    assert [(d.code, d.schools, d.critical) for d in top] == [("ZN.02", 2, 0), ("ZN.01", 1, 1)]
    dyn = queries.dynamics(now, f)
    assert (dyn.rose, dyn.fell, dyn.stayed) == ([world.s2.pk], [world.s1.pk], [world.s3.pk])
    risk = queries.risk_zone(now, f, dyn)
    assert [(r.school, r.reason) for r in risk] == [
        (world.s1, "ниже базового; снижение: базовый → ниже базового")
    ]
    assert queries.level_distribution_of(heat) == dist
    means = queries.mean_shares_of(heat)
    assert means["overall"] == pytest.approx((0.3 + 0.7 + 0.9) / 3)
    assert means["znanie"] == pytest.approx((0.2 + 0.5 + 0.9) / 3)


def test_risk_zone_reads_one_query_and_carries_the_result_link(
    world: World, data: dict[str, Any], django_assert_num_queries: Any
) -> None:
    now, f = data["now"], Filters()
    dyn = queries.dynamics(now, f)
    with django_assert_num_queries(1):
        (risk,) = queries.risk_zone(now, f, dyn)
        shown = (risk.school.short_name, risk.school.municipality.name, risk.level)
    assert shown == (world.s1.short_name, world.m1.name, "below_basic")
    assert risk.submission_id == Submission.objects.get(campaign=now, school=world.s1).pk


def test_risk_zone_counts_every_fall_and_only_falls(world: World) -> None:
    before = _campaign(world, 2023)
    now = _campaign(world, 2024, previous=before)
    pairs = [(b, a) for b in LEVELS for a in LEVELS]  # (before, now), one school per pair
    for n, (was, level) in enumerate(pairs):
        school = make_school(world.m1, 100 + n, short_name=f"Школа {n:02d}")
        _scored(before, school, Status.VERIFIED, {"overall": (was, 1, 1)})
        _scored(now, school, Status.VERIFIED, {"overall": (level, 1, 1)})
    risk = {r.school.short_name: r.reason for r in queries.risk_zone(now, Filters())}
    expected = {
        f"Школа {n:02d}"
        for n, (was, level) in enumerate(pairs)
        if level == "below_basic" or LEVELS.index(level) < LEVELS.index(was)
    }
    assert set(risk) == expected
    assert risk["Школа 12"] == "ниже базового; снижение: высокий → ниже базового"
    assert risk["Школа 14"] == "снижение: высокий → средний"


def test_filters_narrow_every_aggregate(world: World, data: dict[str, Any]) -> None:
    rural = Filters(settlement="rural")  # only s2
    assert queries.participation(data["now"], rural).schools == 1
    assert queries.level_distribution(data["now"], rural)["overall"]["medium"] == 1
    assert queries.risk_zone(data["now"], rural) == []
    m1 = Filters(municipality_id=world.m1.pk)
    assert queries.mean_shares(data["now"], m1)["overall"] == pytest.approx(0.6)


def test_region_page_tables_and_export(world: World, data: dict[str, Any]) -> None:
    client = world.client("operator")
    response = client.get(reverse("analytics:dashboard"), {"campaign": data["now"].pk})
    assert response.status_code == 200
    levels = response.context["tables_by_name"]["levels"]
    overall = next(r for r in levels.rows if r["scope"] == "Итого")
    assert (overall["below_basic"], overall["medium"], overall["high"], overall["mean"]) == (
        1,
        1,
        1,
        pytest.approx(63.3),
    )
    export = client.get(
        reverse("analytics:dashboard"),
        {"campaign": data["now"].pk, "export": "xlsx", "table": "risk"},
    )
    book = openpyxl.load_workbook(io.BytesIO(export.content))
    rows = list(book.active.iter_rows(min_row=4, values_only=True))
    assert rows == [
        (
            world.s1.short_name,
            "город Первогорск",
            "ниже базового; снижение: базовый → ниже базового",
        )
    ]


def test_coordinator_gets_the_municipality_with_regional_comparison(
    world: World, data: dict[str, Any]
) -> None:
    response = world.client("coordinator").get(
        reverse("analytics:dashboard"), {"campaign": data["now"].pk}
    )
    assert response.context["municipality"] == world.m1
    schools = [r["school"] for r in response.context["tables_by_name"]["schools"].rows]
    assert schools == [world.s1.short_name, world.s3.short_name]
    assert "heatmap" not in response.context["tables_by_name"]  # no other municipalities' breakdown
    overall = next(
        r for r in response.context["tables_by_name"]["levels"].rows if r["scope"] == "Итого"
    )
    assert overall["mean"] == pytest.approx(60.0) and overall["region_mean"] == pytest.approx(63.3)
    other = world.client("coordinator").get(
        reverse("analytics:dashboard"), {"campaign": data["now"].pk, "municipality": world.m2.pk}
    )
    assert other.status_code == 404


def test_school_team_is_sent_to_its_result_page(world: World, data: dict[str, Any]) -> None:
    response = world.client("head").get(
        reverse("analytics:dashboard"), {"campaign": data["now"].pk}
    )
    sub = Submission.objects.get(campaign=data["now"], school=world.s1)
    assert response["Location"] == reverse("diagnostics:result", kwargs={"pk": sub.pk})


@pytest.mark.parametrize("persona", ["operator", "coordinator"])
def test_dashboard_query_count_is_pinned(
    world: World, data: dict[str, Any], persona: str, django_assert_num_queries: Any
) -> None:
    # One query per aggregate, the same for 3 schools or 40,000. Both: user, the
    # generations (the user's roles and regions come from the frame cache filled by the home
    # page), campaigns with their region, participation, heatmap cells (levels and
    # means come from them), previous-campaign results, risk zone (with the result links),
    # deficits (2), the municipality choices of the filter. The region adds participation by
    # municipality and the names; a municipality adds the regional means, three scope look-ups
    # and the school table.
    client = world.client(persona)
    url = reverse("analytics:dashboard")
    client.get(reverse("home"))  # the session and the language settle outside the count
    with django_assert_num_queries(PINNED[persona]):
        client.get(url, {"campaign": data["now"].pk})
    # Nothing changed: the figures come from the cache, only who is asking is read again.
    with django_assert_num_queries(CACHED[persona]):
        client.get(url, {"campaign": data["now"].pk})


# The session comes from the cache (SESSION_ENGINE cached_db), filled by the home page.
PINNED = {"operator": 12, "coordinator": 15}
# User, generations (the campaigns list is cached by them and the scope); the coordinator's
# municipality is looked up and checked against the grant (2).
CACHED = {"operator": 2, "coordinator": 4}
