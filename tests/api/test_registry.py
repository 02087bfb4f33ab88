"""The REST API: token and session auth, the same scoping as the pages."""

from __future__ import annotations

from django.test import Client
from django.utils import timezone

from marshrut.accounts.models import ApiToken
from tests.conftest import World


def test_bearer_token_gives_the_owners_scope(world: World) -> None:
    _, key = ApiToken.issue(world.users["coordinator"], "скрипт выгрузки")
    client = Client(HTTP_AUTHORIZATION=f"Bearer {key}")
    schools = client.get("/api/v1/schools").json()
    assert schools["count"] == 2 and {s["inn"] for s in schools["items"]} == {
        world.s1.inn,
        world.s3.inn,
    }
    assert client.get(f"/api/v1/schools/{world.s2.pk}").status_code == 404
    assert client.get("/api/v1/me").json()["roles"] == ["Муниципальный координатор"]
    assert ApiToken.objects.get(user=world.users["coordinator"]).last_used_at is not None


def test_x_api_key_header_works_too(world: World) -> None:
    _, key = ApiToken.issue(world.users["operator"], "интеграция")
    assert Client(HTTP_X_API_KEY=key).get("/api/v1/municipalities").json()["count"] == 2


def test_revoked_or_wrong_token_is_refused(world: World) -> None:
    token, key = ApiToken.issue(world.users["operator"], "старый")
    token.revoked_at = timezone.now()
    token.save()
    assert Client(HTTP_AUTHORIZATION=f"Bearer {key}").get("/api/v1/schools").status_code == 401
    assert Client(HTTP_AUTHORIZATION="Bearer nonsense").get("/api/v1/schools").status_code == 401


def test_only_the_hash_of_a_key_is_stored(world: World) -> None:
    token, key = ApiToken.issue(world.users["operator"], "x")
    assert key not in token.key_hash and token.key_hash == ApiToken.hash_key(key)


def test_token_page_shows_the_key_once(world: World) -> None:
    client = world.client("head")
    page = client.post("/accounts/tokens/", {"name": "отчёты"}).content.decode()
    token = ApiToken.objects.get(user=world.users["head"])
    assert token.prefix in page and 'data-testid="new-key"' in page
    assert 'data-testid="new-key"' not in client.get("/accounts/tokens/").content.decode()


def test_schools_filter_by_shnor(world: World) -> None:
    client = world.client("operator")
    shnor = client.get("/api/v1/schools", {"shnor": "true"}).json()
    assert [s["inn"] for s in shnor["items"]] == [world.s1.inn]


def test_openapi_schema_describes_the_endpoints(world: World) -> None:
    schema = Client().get("/api/v1/openapi.json").json()
    assert {"/api/v1/schools", "/api/v1/people", "/api/v1/municipalities", "/api/v1/me"} <= schema[
        "paths"
    ].keys()
