"""The region's overview of programme statuses by municipality, with a pinned query count."""

from __future__ import annotations

import datetime as dt

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from marshrut.programmes.models import Programme
from tests.conftest import World, make_school


def _programmes(world: World, n: int) -> None:
    schools = [make_school(world.m1 if i % 2 else world.m2, 500 + i) for i in range(n)]
    statuses = ["draft", "submitted", "returned", "approved"]
    Programme.objects.bulk_create(
        [
            Programme(
                region=world.region,
                school=s,
                title=f"Программа {s.short_name}",
                starts_year=2025,
                ends_year=2028,
                status=statuses[i % 4],
                submit_by=dt.date(2000, 4, 1),
                agreed_on=dt.date(2000, 5, 1) if statuses[i % 4] == "approved" else None,
            )
            for i, s in enumerate(schools)
        ]
    )


def _queries(client, url: str) -> int:
    """Queries of the page once the frame has seen the data (the cached menu and regions are
    read again after a write: the first page after a change is not what is pinned here)."""
    client.get(url)
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx)


def test_the_overview_counts_by_municipality(world: World) -> None:
    _programmes(world, 8)
    response = world.client("operator").get(reverse("programmes:programme_overview"))
    rows = {r["municipality"].pk: r for r in response.context["rows"]}
    m1 = rows[world.m1.pk]
    assert (m1["total"], m1["draft"], m1["submitted"], m1["returned"], m1["approved"]) == (
        4,
        0,
        2,
        0,
        2,
    )
    m2 = rows[world.m2.pk]
    assert (m2["draft"], m2["returned"], m2["overdue"]) == (2, 2, 4)
    assert m2["deadline"] == dt.date(2000, 4, 1)
    assert response.context["totals"]["total"] == 8


def test_the_overview_query_count_does_not_grow_with_programmes(world: World) -> None:
    client = world.client("operator")
    url = reverse("programmes:programme_overview")
    _programmes(world, 4)
    few = _queries(client, url)
    _programmes_more(world)
    assert _queries(client, url) == few <= 10


def _programmes_more(world: World) -> None:
    schools = [make_school(world.m1, 900 + i) for i in range(40)]
    Programme.objects.bulk_create(
        [
            Programme(region=world.region, school=s, title="П", starts_year=2025, ends_year=2028)
            for s in schools
        ]
    )


def test_the_coordinator_sees_only_their_municipality(world: World) -> None:
    _programmes(world, 4)
    response = world.client("coordinator").get(reverse("programmes:programme_overview"))
    assert [r["municipality"] for r in response.context["rows"]] == [world.m1]
    assert world.client("head").get(reverse("programmes:programme_overview")).status_code == 403
