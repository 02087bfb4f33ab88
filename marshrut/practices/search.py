"""The full-text index of practices, one per database, behind one pair of functions.

PostgreSQL: a generated column ``search_vector`` = ``to_tsvector('russian', search_document)``,
stored, with a GIN index (migration 0002), queried with ``websearch_to_tsquery('russian', …)``
and ranked by ``ts_rank``; nothing to keep in sync — the database computes the column.

SQLite: an FTS5 table ``practices_practice_fts`` whose rowid is the practice's id and whose text is
the practice's ``search_document`` stemmed by :mod:`marshrut.kernels.textsearch` (SQLite has no
Russian stemmer); the actions that save a practice call :func:`reindex`, and the query's words are
stemmed the same way; ranked by ``bm25``.

:func:`ranked_ids` takes any queryset of practices (the caller's scope and filters) and returns
the ids of those that match, best first.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import connection

from marshrut.kernels.textsearch import fts5_query, normalise, stemmed_text, tokens

FTS_TABLE = "practices_practice_fts"
PG_INDEX = "practices_practice_fts_gin"
# The generated column of migration 0002 (not a model field: Django never writes it).
PG_VECTOR = "search_vector"


def document(*parts: str) -> str:
    """The text a practice is found by: its parts, «ё» read as «е» (as the query is)."""
    return "\n".join(p for p in parts if p).replace("ё", "е").replace("Ё", "Е")


def reindex(rows: Iterable[tuple[int, str]]) -> None:
    """Put (practice id, search document) pairs into the SQLite index; nothing on PostgreSQL."""
    if connection.vendor != "sqlite":
        return
    rows = list(rows)
    if not rows:
        return
    with connection.cursor() as cursor:
        ids = [(pk,) for pk, _text in rows]
        cursor.executemany(f"DELETE FROM {FTS_TABLE} WHERE rowid = %s", ids)
        cursor.executemany(
            f"INSERT INTO {FTS_TABLE} (rowid, body) VALUES (%s, %s)",
            [(pk, stemmed_text(text)) for pk, text in rows],
        )


def reindex_all() -> int:
    """Rebuild the SQLite index from every practice (after a bulk load); the count indexed."""
    if connection.vendor != "sqlite":
        return 0
    from marshrut.practices.models import Practice

    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {FTS_TABLE}")
    n = 0
    batch: list[tuple[int, str]] = []
    for row in Practice.objects.values_list("pk", "search_document").iterator(chunk_size=2000):
        batch.append(row)
        if len(batch) >= 2000:
            reindex(batch)
            n += len(batch)
            batch = []
    reindex(batch)
    return n + len(batch)


def has_words(text: str) -> bool:
    return bool(tokens(text or ""))


def ranked_ids(queryset: Any, text: str, limit: int | None = None) -> list[tuple[int, float]]:
    """(id, rank) of the practices of ``queryset`` that match ``text``, best first.

    Every word of the query must occur in some form. One statement: the full-text match, with the
    queryset's own filters as a subquery on the ids.
    """
    scope_sql, scope_params = queryset.order_by().values("pk").query.sql_with_params()
    tail = f" LIMIT {int(limit)}" if limit else ""
    if connection.vendor == "postgresql":
        sql = (
            f"SELECT p.id, ts_rank(p.{PG_VECTOR}, q)"
            " AS rank FROM practices_practice p, websearch_to_tsquery('russian', %s) q"
            f" WHERE p.{PG_VECTOR} @@ q"
            f" AND p.id IN ({scope_sql}) ORDER BY rank DESC, p.id DESC{tail}"
        )
        params = [normalise(text), *scope_params]
    else:
        match = fts5_query(text)
        if not match:
            return []
        # The match is materialised first: with ``rowid IN (…)`` beside MATCH in one WHERE,
        # SQLite runs the full-text query once per row of the scope (10 s instead of 80 ms
        # over 10,000 practices).
        sql = (
            f"WITH hits AS MATERIALIZED (SELECT rowid AS id, bm25({FTS_TABLE}) AS score"
            f" FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s)"
            f" SELECT id, -score FROM hits WHERE id IN ({scope_sql})"
            f" ORDER BY score, id DESC{tail}"
        )
        params = [match, *scope_params]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [(int(pk), float(rank)) for pk, rank in cursor.fetchall()]


def raw_baseline(text: str, limit: int = 20) -> list[int]:
    """The bare full-text query over the whole table, for the benchmark's ratio."""
    if connection.vendor == "postgresql":
        sql = (
            f"SELECT id FROM practices_practice WHERE {PG_VECTOR} @@ "
            "websearch_to_tsquery('russian', %s) "
            f"ORDER BY ts_rank({PG_VECTOR}, websearch_to_tsquery('russian', %s)) DESC LIMIT %s"
        )
        params: list[Any] = [normalise(text), normalise(text), limit]
    else:
        sql = f"SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s ORDER BY bm25({FTS_TABLE}) LIMIT %s"
        params = [fts5_query(text), limit]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [int(r[0]) for r in cursor.fetchall()]
