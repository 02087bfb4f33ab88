"""Plain inserts of many rows, for the tables a federal import fills by the million.

Django's ``bulk_create`` builds a model instance per row and an INSERT per batch; for results,
deficits and flags of 40,000 schools that costs more than the scoring itself. Here rows are tuples
in the order of ``fields`` (column names), values as the database takes them: PostgreSQL gets them
through COPY, SQLite through one prepared ``executemany`` — the two databases Маршрут runs on.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.db import connection, models


def insert_rows(
    model: type[models.Model], fields: Sequence[str], rows: Iterable[Sequence[Any]]
) -> int:
    """Insert ``rows`` into ``model``'s table; returns how many rows were written."""
    table = connection.ops.quote_name(model._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(f) for f in fields)
    count = 0
    if connection.vendor == "postgresql":
        with (
            connection.cursor() as cursor,
            cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy,
        ):
            for row in rows:
                copy.write_row(row)
                count += 1
        return count
    if connection.vendor == "sqlite":
        marks = ", ".join("%s" for _ in fields)
        batch: list[Sequence[Any]] = []
        with connection.cursor() as cursor:
            for row in rows:
                batch.append(row)
                if len(batch) == 20_000:
                    cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({marks})", batch)
                    count += len(batch)
                    batch = []
            if batch:
                cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({marks})", batch)
                count += len(batch)
        return count
    raise NotImplementedError(
        f"plain inserts are written for SQLite and PostgreSQL, not {connection.vendor}"
    )
