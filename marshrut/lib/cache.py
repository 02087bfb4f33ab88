"""Figures computed once per change of what they are computed from.

A key names everything its value depends on — for a dashboard, the campaign's results generation
(:func:`marshrut.diagnostics.models.results_changed`), the filters, the language and the code that
renders it — so a change makes a new key instead of invalidating an old one, and a value is never
served stale. Old keys simply age out of the cache (``CACHES`` in settings: a file cache shared by
the web processes of one machine by default, Redis when ``REDIS_URL`` is set).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, TypeVar

from django.core.cache import cache
from django.utils.translation import get_language

T = TypeVar("T")

# A day: a figure nobody asked for since is cheaper to compute again than to keep.
TIMEOUT = 24 * 3600


def code_digest(paths: Iterable[Path]) -> str:
    """A digest of source files, for keys whose values a new release renders differently."""
    digest = hashlib.sha256()
    for path in sorted(paths):
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def key(namespace: str, *parts: Any) -> str:
    """A cache key for ``parts`` (any values with a stable ``repr``) in the current language."""
    text = repr((get_language(), parts))
    return f"{namespace}:{hashlib.sha256(text.encode()).hexdigest()}"


def cached(namespace: str, parts: tuple[Any, ...], compute: Callable[[], T]) -> T:
    """The cached value for ``parts``, computing and storing it the first time it is asked for."""
    name = key(namespace, *parts)
    value = cache.get(name)
    if value is None:
        value = compute()
        cache.set(name, value, TIMEOUT)
    return value
