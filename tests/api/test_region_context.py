"""The API chooses regions by the site's one rule, writes progress against the item's version,
and describes itself in English while speaking Russian to people in its errors."""

from __future__ import annotations

import re
from typing import Any

import pytest

from marshrut.api import api
from marshrut.orgs.models import Membership, Person
from marshrut.orgs.roles import Role
from marshrut.plans.models import ItemStatus, PlanItem, ProgressReport
from tests.api.conftest import ApiWorld

LISTS = [
    "/api/v1/municipalities",
    "/api/v1/schools",
    "/api/v1/people",
    "/api/v1/campaigns",
    "/api/v1/plans",
    "/api/v1/events",
    "/api/v1/surveys",
]


@pytest.mark.parametrize("url", LISTS)
def test_every_list_answers_404_for_another_region(api_world: ApiWorld, url: str) -> None:
    client = api_world.client("operator")
    mine = client.get(url, {"region": api_world.world.region.code})
    assert mine.status_code == 200, mine.content
    other = client.get(url, {"region": api_world.other.region.code})
    assert other.status_code == 404
    assert other.json() == {"detail": "Не найдено или нет доступа."}


def test_an_operator_of_two_regions_narrows_each_list_to_the_one_named(
    api_world: ApiWorld,
) -> None:
    user = api_world.world.users["operator"]
    person = Person.objects.filter(user=user).first()
    assert person is not None
    Membership.objects.create(person=person, role=Role.OPERATOR, region=api_world.other.region)
    client = api_world.client("operator")
    both = {s["id"] for s in client.get("/api/v1/schools", {"limit": 500}).json()["items"]}
    here = {
        s["id"]
        for s in client.get(
            "/api/v1/schools", {"limit": 500, "region": api_world.world.region.code}
        ).json()["items"]
    }
    there = {
        s["id"]
        for s in client.get(
            "/api/v1/schools", {"limit": 500, "region": api_world.other.region.code}
        ).json()["items"]
    }
    assert api_world.other.school.pk in there and api_world.other.school.pk not in here
    assert here and here | there == both and not here & there


def test_a_region_of_the_users_where_the_capability_does_not_hold_is_403(
    api_world: ApiWorld,
) -> None:
    # The head of a school reads the plans of the region, but manages no surveys there.
    client = api_world.client("head")
    response = client.get("/api/v1/surveys", {"region": api_world.world.region.code})
    assert response.status_code == 403 and response.json() == {"detail": "Недостаточно прав."}


def _item(api_world: ApiWorld) -> PlanItem:
    item = (
        PlanItem.objects.filter(plan__region=api_world.world.region)
        .filter(status=ItemStatus.PLANNED)
        .order_by("pk")
        .first()
    )
    assert item is not None
    return item


def test_a_progress_report_needs_the_items_version(api_world: ApiWorld) -> None:
    item = _item(api_world)
    before = ProgressReport.objects.count()
    response = api_world.client("operator").post(
        f"/api/v1/items/{item.pk}/reports", {"status": "done"}
    )
    assert response.status_code == 422
    assert response.json()["errors"] == [{"field": "version", "message": "обязательное поле"}]
    assert ProgressReport.objects.count() == before


def test_a_stale_progress_report_is_refused_with_what_changed(api_world: ApiWorld) -> None:
    item = _item(api_world)
    url = f"/api/v1/items/{item.pk}/reports"
    read = api_world.client("operator").get(f"/api/v1/items/{item.pk}").json()["version"]
    # Two clients read the same version; the first report wins.
    first = api_world.client("operator").post(url, {"version": read, "status": "in_progress"})
    assert first.status_code == 201, first.content
    item.refresh_from_db()
    assert item.status == ItemStatus.IN_PROGRESS and item.version == read + 1
    before = ProgressReport.objects.count()
    stale = api_world.client("operator").post(url, {"version": read, "status": "done"})
    assert stale.status_code == 409
    body = stale.json()
    assert body["version"] == read + 1
    assert body["changed"] == {"status": "выполняется"}
    assert "изменил" in body["detail"] and body["changed_by"]
    item.refresh_from_db()
    assert item.status == ItemStatus.IN_PROGRESS and ProgressReport.objects.count() == before
    # Sent again with the current version, it passes.
    again = api_world.client("operator").post(url, {"version": read + 1, "status": "done"})
    assert again.status_code == 201
    item.refresh_from_db()
    assert item.status == ItemStatus.DONE and item.version == read + 2


def test_a_report_that_keeps_the_status_is_refused_when_stale_too(api_world: ApiWorld) -> None:
    item = _item(api_world)
    client = api_world.client("operator")
    version = client.get(f"/api/v1/items/{item.pk}").json()["version"]
    edited = client.patch(
        f"/api/v1/items/{item.pk}",
        {"version": version, "title": "Совещание с директорами школ"},
        content_type="application/json",
    )
    assert edited.status_code == 200
    response = client.post(
        f"/api/v1/items/{item.pk}/reports", {"version": version, "status": item.status}
    )
    assert response.status_code == 409
    assert response.json()["changed"]["title"] == "Совещание с директорами школ"


CYRILLIC = re.compile("[А-Яа-яЁё]")


def _texts(node: Any, path: str = "") -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    if isinstance(node, dict):
        for key, value in node.items():
            found += _texts(value, f"{path}/{key}")
    elif isinstance(node, list):
        for n, value in enumerate(node):
            found += _texts(value, f"{path}/{n}")
    elif isinstance(node, str):
        found.append((path, node))
    return found


def test_the_openapi_schema_is_in_english() -> None:
    schema = api.get_openapi_schema()
    russian = [(where, text) for where, text in _texts(schema) if CYRILLIC.search(text)]
    assert russian == []
    report = schema["paths"]["/api/v1/items/{pk}/reports"]["post"]
    assert 409 in report["responses"] or "409" in report["responses"]
