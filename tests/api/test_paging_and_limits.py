"""Cursor pages, the maximum page size, JSON errors and the rate limit."""

from __future__ import annotations

from typing import Any

from django.core.cache import cache
from django.test import Client

from marshrut.diagnostics.models import Deficit
from tests.api.conftest import ApiWorld
from tests.conftest import World, make_school


def test_cursor_walks_the_whole_list_once_even_as_rows_are_added(world: World) -> None:
    for serial in range(100, 125):
        make_school(world.m1, serial)
    client = world.client("operator")
    seen: list[int] = []
    cursor = None
    pages = 0
    while True:
        params: dict[str, Any] = {"limit": 4, **({"cursor": cursor} if cursor else {})}
        page = client.get("/api/v1/schools", params).json()
        seen += [s["id"] for s in page["items"]]
        assert len(page["items"]) <= 4 and page["count"] == 28 + (pages > 0)
        if pages == 0:
            make_school(world.m2, 999)  # a row added while the client walks comes last, once
        pages += 1
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert len(seen) == len(set(seen)) == 29 and seen == sorted(seen)


def test_results_and_deficits_pages_cover_the_list(api_world: ApiWorld) -> None:
    client = api_world.client("operator")
    campaign = client.get("/api/v1/campaigns", {"limit": 1}).json()["items"][0]
    ids: list[int] = []
    url = f"/api/v1/campaigns/{campaign['id']}/deficits"
    page = client.get(url, {"limit": 50}).json()
    while True:
        ids += [d["id"] for d in page["items"]]
        if page["next_cursor"] is None:
            break
        page = client.get(url, {"limit": 50, "cursor": page["next_cursor"]}).json()
    expected = set(Deficit.objects.filter(campaign_id=campaign["id"]).values_list("pk", flat=True))
    assert len(ids) == len(set(ids)) and set(ids) == expected and len(ids) > 50


def test_page_size_is_bounded_and_a_forged_cursor_is_refused(world: World) -> None:
    client = world.client("operator")
    response = client.get("/api/v1/schools", {"limit": 501})
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {"field": "query.limit", "message": "значение больше допустимого"}
    ]
    response = client.get("/api/v1/schools", {"cursor": "eyJhZnRlciI6MH0"})
    assert response.status_code == 400 and "курсор" in response.json()["detail"]


def test_errors_are_json_in_russian_and_declared_in_the_schema(world: World) -> None:
    response = Client().get("/api/v1/schools")
    assert response.status_code == 401 and response["Content-Type"].startswith("application/json")
    assert "Нужна авторизация" in response.json()["detail"]
    schema = Client().get("/api/v1/openapi.json").json()
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            declared = set(operation["responses"])
            assert {"401", "429"} <= declared, (method, path)
            if "{" in path:
                assert {"404", "422"} <= declared, (method, path)
            if method != "get":
                assert {"400", "403"} <= declared, (method, path)
    assert schema["paths"]["/api/v1/items/{pk}"]["patch"]["responses"]["409"]


def test_rate_limit_answers_429_with_retry_after(world: World, settings: Any) -> None:
    settings.API_RATE_LIMIT = "3/min"
    cache.clear()
    client = world.client("operator")
    assert [client.get("/api/v1/me").status_code for _ in range(3)] == [200, 200, 200]
    response = client.get("/api/v1/me")
    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= 60
    assert "Слишком много запросов" in response.json()["detail"]
    # Each user counts separately.
    assert world.client("department").get("/api/v1/me").status_code == 200
