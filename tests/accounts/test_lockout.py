"""Password spraying: many user names from one address lock that address, not its neighbours."""

from __future__ import annotations

from typing import Any

from django.test import Client
from django.urls import reverse

from tests.conftest import PASSWORD, World


def _login(visitor: str, username: str, password: str) -> Any:
    # Behind our proxy, as in production: the visitor is the address the proxy appended.
    client = Client(REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR=visitor)
    return client.post(reverse("accounts:login"), {"username": username, "password": password})


def test_a_spray_over_many_user_names_locks_the_address(world: World, settings: Any) -> None:
    settings.TRUSTED_PROXIES = 1
    settings.LOGIN_ADDRESS_FAILURE_LIMIT = 6
    sprayer = "203.0.113.9"
    # One wrong password per name: far below the per-name limit for every one of them.
    for n in range(settings.LOGIN_ADDRESS_FAILURE_LIMIT - 1):
        assert _login(sprayer, f"user{n}", "Spring2024!").status_code == 200
    assert _login(sprayer, "user-last", "Spring2024!").status_code == 429  # the limit is reached

    locked = _login(sprayer, "head", PASSWORD)  # even a right password from there
    assert locked.status_code == 429
    assert "Вход временно заблокирован" in locked.content.decode()
    assert _login(sprayer, "someone-new", "x").status_code == 429

    # A colleague at another address — and behind the same proxy — still logs in.
    assert _login("203.0.113.10", "head", PASSWORD).status_code == 302


def test_failures_below_the_address_limit_lock_nobody(world: World, settings: Any) -> None:
    settings.TRUSTED_PROXIES = 1
    settings.LOGIN_ADDRESS_FAILURE_LIMIT = 6
    for n in range(settings.LOGIN_ADDRESS_FAILURE_LIMIT - 1):
        _login("203.0.113.9", f"user{n}", "wrong")
    assert _login("203.0.113.9", "head", PASSWORD).status_code == 302


def test_the_address_count_forgets_failures_older_than_the_window(
    world: World, settings: Any
) -> None:
    from datetime import timedelta

    from axes.models import AccessAttempt
    from django.utils import timezone

    settings.TRUSTED_PROXIES = 1
    settings.LOGIN_ADDRESS_FAILURE_LIMIT = 3
    for n in range(3):
        _login("203.0.113.9", f"user{n}", "wrong")
    old = timezone.now() - timedelta(minutes=settings.LOGIN_ADDRESS_WINDOW_MINUTES + 1)
    AccessAttempt.objects.update(attempt_time=old)
    assert _login("203.0.113.9", "head", PASSWORD).status_code == 302
