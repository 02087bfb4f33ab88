"""Every area of the API sees what the pages show: another region's rows are invisible in lists,
and their details answer 404."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from tests.api.conftest import ApiWorld


def _all(client: Client, url: str, **params: Any) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    cursor = None
    while True:
        query = {**params, "limit": 200, **({"cursor": cursor} if cursor else {})}
        response = client.get(url, query)
        assert response.status_code == 200, response.content
        page = response.json()
        items += page["items"]
        cursor = page["next_cursor"]
        if cursor is None:
            return items


def test_operator_sees_the_own_region_and_nothing_of_another(api_world: ApiWorld) -> None:
    client = api_world.client("operator")
    other = api_world.other
    campaigns = _all(client, "/api/v1/campaigns")
    assert campaigns and other.campaign.pk not in {c["id"] for c in campaigns}
    plans = _all(client, "/api/v1/plans")
    assert plans and other.plan.pk not in {p["id"] for p in plans}
    events = _all(client, "/api/v1/events")
    assert events and other.event.pk not in {e["id"] for e in events}
    surveys = _all(client, "/api/v1/surveys")
    assert surveys and other.survey.pk not in {s["id"] for s in surveys}
    schools = _all(client, "/api/v1/schools")
    assert other.school.pk not in {s["id"] for s in schools}
    for url in (
        f"/api/v1/campaigns/{other.campaign.pk}",
        f"/api/v1/campaigns/{other.campaign.pk}/results",
        f"/api/v1/campaigns/{other.campaign.pk}/deficits",
        f"/api/v1/campaigns/{other.campaign.pk}/schools/{other.school.pk}",
        f"/api/v1/campaigns/{other.campaign.pk}/schools/{other.school.pk}/path",
        f"/api/v1/schools/{other.school.pk}",
        f"/api/v1/schools/{other.school.pk}/results",
        f"/api/v1/plans/{other.plan.pk}",
        f"/api/v1/plans/{other.plan.pk}/items",
        f"/api/v1/items/{other.item.pk}",
        f"/api/v1/items/{other.item.pk}/reports",
        f"/api/v1/events/{other.event.pk}",
        f"/api/v1/events/{other.event.pk}/participants",
        f"/api/v1/surveys/{other.survey.pk}",
        f"/api/v1/surveys/{other.survey.pk}/results",
    ):
        response = client.get(url)
        assert response.status_code == 404, url
        assert response.json() == {"detail": "Не найдено или нет доступа."}


def test_the_other_regions_operator_sees_only_its_rows(api_world: ApiWorld) -> None:
    other = api_world.other
    client = api_world.other_operator()
    assert [c["id"] for c in _all(client, "/api/v1/campaigns")] == [other.campaign.pk]
    results = _all(client, f"/api/v1/campaigns/{other.campaign.pk}/results")
    assert [r["id"] for r in results] == [other.result.pk]
    assert results[0]["level_name"] == "ниже базового"
    deficits = _all(client, f"/api/v1/campaigns/{other.campaign.pk}/deficits")
    assert [d["id"] for d in deficits] == [other.deficit.pk]
    assert [p["id"] for p in _all(client, "/api/v1/plans")] == [other.plan.pk]


def test_a_coordinator_sees_the_results_of_the_own_municipality_only(api_world: ApiWorld) -> None:
    w = api_world.world
    client = api_world.client("coordinator")
    campaign = _all(client, "/api/v1/campaigns")[0]
    schools = {r["school_id"] for r in _all(client, f"/api/v1/campaigns/{campaign['id']}/results")}
    assert schools and schools <= {w.s1.pk, w.s3.pk}
    assert client.get(f"/api/v1/campaigns/{campaign['id']}/schools/{w.s2.pk}").status_code == 404


def test_region_filter_by_code_goes_through_the_region_context(api_world: ApiWorld) -> None:
    client = api_world.client("operator")
    region = api_world.world.region
    by_code = _all(client, "/api/v1/campaigns", region=region.code)
    assert by_code and by_code == _all(client, "/api/v1/campaigns")
    # Another region, or one that does not exist, is a 404 in JSON, as on the pages.
    for code in (api_world.other.region.code, "99"):
        response = client.get("/api/v1/campaigns", {"region": code})
        assert response.status_code == 404
        assert response.json() == {"detail": "Не найдено или нет доступа."}


@pytest.mark.parametrize("persona", ["outsider"])
def test_nobody_without_a_role_reads_anything(api_world: ApiWorld, persona: str) -> None:
    client = api_world.client(persona)
    assert client.get("/api/v1/campaigns").status_code == 403
    assert client.get("/api/v1/campaigns").json() == {"detail": "Недостаточно прав."}
