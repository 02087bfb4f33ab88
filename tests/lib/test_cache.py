"""Cached figures: computed once per key, shared by processes through the configured cache."""

from __future__ import annotations

import socket
from typing import Any

import pytest
from django.core.cache import caches
from django.test import override_settings
from django.utils import translation

from marshrut.lib.cache import cached, key


def test_a_value_is_computed_once_per_key() -> None:
    calls: list[int] = []

    def compute() -> str:
        calls.append(1)
        return f"figure {len(calls)}"

    assert cached("test", (1, "a"), compute) == "figure 1"
    assert cached("test", (1, "a"), compute) == "figure 1"
    assert cached("test", (2, "a"), compute) == "figure 2"  # a new generation, a new value
    assert len(calls) == 2


def test_the_language_is_part_of_the_key() -> None:
    with translation.override("ru"):
        russian = key("test", 1)
    with translation.override("en"):
        english = key("test", 1)
    assert russian != english


def _redis_up() -> bool:
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=0.5).close()
    except OSError:
        return False
    return True


@pytest.mark.skipif(not _redis_up(), reason="Redis на 127.0.0.1:6379 не запущен")
def test_redis_shares_a_figure_between_connections(settings: Any) -> None:
    redis = {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://127.0.0.1:6379/15",
        "KEY_PREFIX": "marshrut-test",
    }
    with override_settings(CACHES={"default": redis}):
        caches["default"].clear()
        try:
            assert cached("test", (1,), lambda: "from the first process") == (
                "from the first process"
            )
            # Another web process: its own connection, the same figure, nothing computed.
            other = caches.create_connection("default")
            assert other.get(key("test", 1)) == "from the first process"
        finally:
            caches["default"].clear()
