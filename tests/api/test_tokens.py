"""``marshrut token create USER [--read-only]`` and the scope on the tokens page."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from marshrut.accounts.models import ApiToken
from tests.conftest import World


def _create(*args: str) -> str:
    out, err = io.StringIO(), io.StringIO()
    call_command("token", "create", *args, stdout=out, stderr=err)
    assert "один раз" in err.getvalue()
    return out.getvalue().strip()


def test_token_create_prints_a_working_key_once(world: World) -> None:
    key = _create("operator", "--name", "BI-выгрузка")
    token = ApiToken.objects.get(user=world.users["operator"])
    assert token.name == "BI-выгрузка" and not token.read_only and key not in token.key_hash
    assert Client(HTTP_AUTHORIZATION=f"Bearer {key}").get("/api/v1/me").status_code == 200


def test_read_only_token_from_the_command(world: World) -> None:
    key = _create("operator", "--read-only")
    assert ApiToken.objects.get(user=world.users["operator"]).read_only
    client = Client(HTTP_X_API_KEY=key)
    assert client.get("/api/v1/me").json()["read_only"] is True
    out = io.StringIO()
    call_command("token", "list", "operator", stdout=out)
    assert "только чтение" in out.getvalue()


def test_unknown_user_is_a_clear_error(world: World) -> None:
    with pytest.raises(CommandError, match="Нет пользователя"):
        _create("nobody")


def test_tokens_page_issues_read_only_tokens_and_shows_the_scope(world: World) -> None:
    client = world.client("head")
    client.post("/accounts/tokens/", {"name": "отчёты", "read_only": "on"})
    client.post("/accounts/tokens/", {"name": "запись"})
    page = client.get("/accounts/tokens/").content.decode()
    assert page.count('data-testid="token-scope"') == 2
    assert "только чтение" in page and "чтение и запись" in page
    assert ApiToken.objects.get(name="отчёты").read_only
    assert not ApiToken.objects.get(name="запись").read_only
