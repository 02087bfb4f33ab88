"""Database helpers shared by the apps."""

from __future__ import annotations

from typing import Any

from django.db.backends.signals import connection_created
from django.db.models import Q, QuerySet
from django.db.models.functions import Lower


def _unicode_case_functions(sender: Any, connection: Any, **kwargs: Any) -> None:
    # SQLite's LOWER/UPPER fold only ASCII; Russian text needs Python's Unicode case mapping.
    if connection.vendor == "sqlite":
        raw = connection.connection
        raw.create_function(
            "LOWER", 1, lambda s: s.lower() if isinstance(s, str) else s, deterministic=True
        )
        raw.create_function(
            "UPPER", 1, lambda s: s.upper() if isinstance(s, str) else s, deterministic=True
        )


def install() -> None:
    connection_created.connect(_unicode_case_functions, dispatch_uid="marshrut-unicode-case")


def search(queryset: QuerySet[Any], text: str | None, fields: list[str]) -> QuerySet[Any]:
    """Rows where every word of ``text`` occurs in one of ``fields``, ignoring case (and ё/е)."""
    if not text:
        return queryset
    words = text.lower().replace("ё", "е").split()
    for n, word in enumerate(words[:6]):
        q = Q()
        for f in fields:
            alias = f"_s{n}_{f.replace('__', '_')}"
            queryset = queryset.alias(**{alias: Lower(f)})
            q |= Q(**{f"{alias}__contains": word})
            if "е" in word:
                q |= Q(**{f"{alias}__contains": word.replace("е", "ё")})
        queryset = queryset.filter(q)
    return queryset
