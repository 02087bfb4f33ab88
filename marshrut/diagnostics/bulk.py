"""Plain inserts of many rows, for the tables a federal import fills by the million.

Django's ``bulk_create`` builds a model instance per row and an INSERT per batch; for results,
deficits and flags of 40,000 schools that costs more than the scoring itself. Here rows are tuples
in the order of ``fields`` (column names), values as the database takes them: PostgreSQL gets them
through COPY, SQLite through one prepared ``executemany`` — the two databases Маршрут runs on.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
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


@contextmanager
def index_built_after(model: type[models.Model], name: str, incoming: int) -> Iterator[None]:
    """SQLite, inside a transaction: build the index ``name`` of ``model`` after a bulk load.

    Rows arriving in an order unlike the index's (deficits come school by school, the index
    goes by indicator) make SQLite write index pages all over the file for every row; building
    the index once, sorted, after the load costs a fraction of that — as long as the table does
    not already hold much more than what arrives, since the build reads every row. Elsewhere,
    and for a small load, the index is kept.
    """
    if connection.vendor != "sqlite" or incoming < 100_000:
        yield
        return
    table = model._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT sql FROM sqlite_master WHERE type = 'index' AND name = %s AND tbl_name = %s",
            [name, table],
        )
        found = cursor.fetchone()
        cursor.execute(f"SELECT coalesce(max(rowid), 0) FROM {connection.ops.quote_name(table)}")
        (present,) = cursor.fetchone()
        rebuild = found is not None and found[0] and present < 2 * incoming
        if rebuild:
            cursor.execute(f"DROP INDEX {connection.ops.quote_name(name)}")
    yield
    # After a failure the transaction rolls back, the DROP with it.
    if rebuild:
        with connection.cursor() as cursor:
            cursor.execute(found[0])
