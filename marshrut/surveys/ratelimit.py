"""A fixed-window rate limit for the forms anyone can post (survey and discussion links).

Counted per client address (``marshrut.lib.client``, which knows about our proxies) in Django's
cache; the settings give a file cache under ``var/`` that all web processes of a server share.
"""

from __future__ import annotations

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest

from marshrut.lib.client import client_address

DEFAULT_LIMIT = (20, 3600)  # posts per window (seconds) from one address


def limit() -> tuple[int, int]:
    return tuple(getattr(settings, "SURVEY_RATE_LIMIT", DEFAULT_LIMIT))  # type: ignore[return-value]


def allow(request: HttpRequest, scope: str) -> bool:
    """Count one post from the client; False once it has posted more than the limit."""
    count, window = limit()
    key = f"ratelimit:{scope}:{client_address(request) or 'unknown'}"
    cache.add(key, 0, timeout=window)
    try:
        hits = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=window)
        hits = 1
    return hits <= count
