"""The period report's «difficulties by direction» drafted from the latest finished campaign."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.utils import timezone
from docx import Document

from marshrut.diagnostics.models import Campaign, Deficit, Result
from marshrut.events.models import PeriodReport
from marshrut.events.queries import difficulties_draft
from tests.conftest import World
from tests.diagnostics.factories import campaign_for, submission_for

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


def closed(campaign: Campaign, days_ago: int = 1) -> Campaign:
    Campaign.objects.filter(pk=campaign.pk).update(
        opens_on=TODAY - dt.timedelta(days=days_ago + 30),
        closes_on=TODAY - dt.timedelta(days=days_ago),
    )
    campaign.refresh_from_db()
    return campaign


def hand_made(world: World) -> Campaign:
    """Three schools scored in «Знание»: two below basic; ZN.01 missed by two, ZN.02 by one."""
    campaign = campaign_for(world)
    subs = {s.school_id: s for s in campaign.submissions.all()}
    levels = {world.s1: "below_basic", world.s2: "basic", world.s3: "below_basic"}
    Result.objects.bulk_create(
        Result(
            submission=subs[school.pk],
            campaign=campaign,
            school=school,
            scope=scope,
            points=1,
            max_points=10,
            level=level if scope == "znanie" else "basic",
        )
        for school, level in levels.items()
        for scope in ("znanie", "zdorovie", "overall")
    )
    Deficit.objects.bulk_create(
        Deficit(
            submission=subs[school.pk],
            campaign=campaign,
            school=school,
            code=code,
            direction="znanie",
            kind="zero",
            points=0,
            max_points=1,
        )
        for school, code in [(world.s1, "ZN.01"), (world.s3, "ZN.01"), (world.s1, "ZN.02")]
    )
    return closed(campaign)


def test_draft_gives_below_basic_shares_and_frequent_deficits_per_direction(
    world: World, django_assert_max_num_queries: object
) -> None:
    campaign = hand_made(world)
    with django_assert_max_num_queries(3):  # campaign with criteria, results, deficits
        draft = difficulties_draft(world.region, TODAY)
    assert draft.campaign == campaign
    assert draft.text.splitlines() == [
        f"По результатам самодиагностики «Самодиагностика 2024» (приём ответов закрыт "
        f"{campaign.closes_on:%d.%m.%Y}):",
        "по направлению «Знание» — ниже базового уровня 2 школы из 3 (67%); чаще всего дефициты: "
        "«Реализация федеральных основных общеобразовательных программ (ФООП) на всех уровнях "
        "общего образования, реализуемых школой» — 2 школы (67%); "
        "«Реализация федеральных рабочих программ по учебным предметам» — 1 школа (33%);",
        "по направлению «Здоровье» — ниже базового уровня 0 школ из 3 (0%).",
    ]


def test_draft_from_scored_submissions_names_every_direction_scored(world: World) -> None:
    for school in (world.s1, world.s2, world.s3):
        submission_for(world, school, submitted=True, strength=0.3)
    campaign = closed(campaign_for(world))
    text = difficulties_draft(world.region, TODAY).text
    names = [d.name for d in campaign.criteria.catalogue.directions]
    assert all(f"по направлению «{name}»" in text for name in names)
    below = Result.objects.filter(campaign=campaign, scope="znanie", level="below_basic").count()
    assert f"«Знание» — ниже базового уровня {below} " in text


def test_no_finished_campaign_means_no_draft(world: World) -> None:
    assert difficulties_draft(world.region, TODAY).campaign is None
    campaign_for(world)  # open until TODAY + 5: not finished
    draft = difficulties_draft(world.region, TODAY)
    assert draft.campaign is None and draft.text == ""


def test_a_campaign_closed_after_the_period_is_not_used(world: World) -> None:
    hand_made(world)
    report = PeriodReport.objects.create(
        region=world.region, starts_on=dt.date(2022, 9, 1), ends_on=dt.date(2022, 12, 31)
    )
    html = world.client("operator").get(f"/events/reports/{report.pk}/edit/").content.decode()
    assert "завершённой кампании самодиагностики нет" in html
    assert 'data-testid="fill-difficulties"' not in html


def _report(world: World) -> PeriodReport:
    return PeriodReport.objects.create(
        region=world.region, starts_on=TODAY - dt.timedelta(days=60), ends_on=TODAY
    )


def test_form_is_prefilled_and_what_is_saved_goes_into_the_docx(world: World) -> None:
    hand_made(world)
    report = _report(world)
    client = world.client("operator")
    url = f"/events/reports/{report.pk}/edit/"
    form = client.get(url).context["form"]
    draft = form.initial["difficulties"]
    assert draft.startswith("По результатам самодиагностики «Самодиагностика 2024»")
    edited = draft.replace("чаще всего дефициты", "дефициты") + "\nи ещё наше наблюдение"
    assert client.post(url, {"difficulties": edited}).status_code == 302
    report.refresh_from_db()
    assert report.difficulties == edited
    # The saved text, not a new draft, is what the form shows and the DOCX prints.
    assert client.get(url).context["form"].initial["difficulties"] == report.difficulties
    body = client.get(f"/events/reports/{report.pk}/report.docx").content
    text = "\n".join(p.text for p in Document(io.BytesIO(body)).paragraphs)
    assert "и ещё наше наблюдение" in text and "чаще всего дефициты" not in text


def test_fill_button_puts_the_draft_in_without_saving(world: World) -> None:
    hand_made(world)
    report = _report(world)
    report.difficulties = "написано вручную"
    report.save()
    client = world.client("operator")
    url = f"/events/reports/{report.pk}/edit/"
    html = client.get(url).content.decode()
    assert "написано вручную" in html and 'data-testid="fill-difficulties"' in html
    response = client.post(
        url, {"goal": "моя цель", "difficulties": "написано вручную", "fill_difficulties": "1"}
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert form["difficulties"].value().startswith("По результатам самодиагностики")
    assert form["goal"].value() == "моя цель"
    report.refresh_from_db()
    assert report.difficulties == "написано вручную" and report.goal == ""


def test_only_a_regional_manager_may_fill_the_draft(world: World) -> None:
    hand_made(world)
    report = _report(world)
    url = f"/events/reports/{report.pk}/edit/"
    assert world.client("department").post(url, {"fill_difficulties": "1"}).status_code == 403
    assert world.client("coordinator").post(url, {"fill_difficulties": "1"}).status_code == 404
