"""A fixed-window rate limit for the forms anyone can post (survey and discussion links).

Counted in Django's cache per client address. With several web processes the cache must be a
shared one (database or Redis cache backend) for the limit to hold across them.
"""

from __future__ import annotations

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest

DEFAULT_LIMIT = (20, 3600)  # posts per window (seconds) from one address


def limit() -> tuple[int, int]:
    return tuple(getattr(settings, "SURVEY_RATE_LIMIT", DEFAULT_LIMIT))  # type: ignore[return-value]


def client_address(request: HttpRequest) -> str:
    return request.META.get("REMOTE_ADDR", "") or "unknown"


def allow(request: HttpRequest, scope: str) -> bool:
    """Count one post from the client; False once it has posted more than the limit."""
    count, window = limit()
    key = f"ratelimit:{scope}:{client_address(request)}"
    cache.add(key, 0, timeout=window)
    try:
        hits = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=window)
        hits = 1
    return hits <= count
