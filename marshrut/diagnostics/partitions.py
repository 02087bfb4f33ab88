"""PostgreSQL: answers, results and deficits are partitioned by campaign; statistics after loads.

A federal campaign brings 3.8 million answers, 360,000 results and 1.6 million deficits. On
PostgreSQL the three tables are declaratively partitioned (``PARTITION BY LIST (campaign_id)``):
each campaign gets its own partition of each when it is created, a campaign's rows are one table
to load, to analyse and, when an old campaign is deleted, to drop (``DROP TABLE`` of three
partitions instead of deleting millions of rows). A default partition takes rows of a campaign
that has no partition of its own (one inserted around Django, say by ``bulk_create``), so no insert
can fail for want of one.

The Django models keep ``id`` as their primary key; the tables' primary keys are
``(id, campaign_id)``, because a unique index of a partitioned table must hold the partition key
(the unique keys of the models include the campaign for the same reason). Nothing refers to
these rows by a foreign key.

SQLite has no partitions: there the tables stay plain, and nothing here does anything but keep the
statistics fresh.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import connection as default_connection

# The partitioned tables, by their Django models' db_table.
TABLES = ("diagnostics_answer", "diagnostics_result", "diagnostics_deficit")
KEY = "campaign_id"


def partition_name(table: str, campaign_id: int | str) -> str:
    return f"{table}_c{campaign_id}"


def is_partitioned(table: str, connection: Any = None) -> bool:
    connection = connection or default_connection
    if connection.vendor != "postgresql":
        return False
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT 1 FROM pg_partitioned_table WHERE partrelid = to_regclass(%s)", [table]
        )
        return cursor.fetchone() is not None


def partitions_of(table: str, connection: Any = None) -> list[str]:
    """Names of the partitions of ``table`` (empty when it is not partitioned)."""
    connection = connection or default_connection
    if connection.vendor != "postgresql":
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
            "WHERE i.inhparent = to_regclass(%s) ORDER BY c.relname",
            [table],
        )
        return [name for (name,) in cursor.fetchall()]


def create_partitions(campaign_id: int, connection: Any = None) -> list[str]:
    """Give a campaign its partition of each table; returns the partitions created."""
    connection = connection or default_connection
    made = []
    for table in TABLES:
        if not is_partitioned(table, connection):
            continue
        name = partition_name(table, int(campaign_id))
        quote = connection.ops.quote_name
        with connection.cursor() as cursor:
            cursor.execute("SELECT to_regclass(%s)", [name])
            (exists,) = cursor.fetchone()
            if exists:
                continue
            cursor.execute(
                f"CREATE TABLE {quote(name)} PARTITION OF {quote(table)} "
                f"FOR VALUES IN ({int(campaign_id)})"
            )
        made.append(name)
    return made


def drop_partitions(campaign_id: int, connection: Any = None) -> list[str]:
    """Drop a campaign's partitions (its answers, results and deficits); returns what was dropped.

    Runs as the campaign is deleted, in the same transaction: rolled back with it.
    """
    connection = connection or default_connection
    dropped = []
    for table in TABLES:
        name = partition_name(table, int(campaign_id))
        if name not in partitions_of(table, connection):
            continue
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE {connection.ops.quote_name(name)}")
        dropped.append(name)
    return dropped


# Tables too tall to read whole for statistics and whose indexes lead with a selective column
# (answers: by submission): a sample of each index is enough there. Elsewhere SQLite reads every
# row — a sample of an index that leads with the campaign would say «a thousand rows per
# campaign» where there are 360,000, and mislead the planner.
SAMPLED = ("diagnostics_answer", "surveys_answer")
IMPORTED = (
    "diagnostics_submission",
    "diagnostics_result",
    "diagnostics_deficit",
    "diagnostics_flag",
)


def analyse(campaign_ids: Iterable[int] | None = None, connection: Any = None) -> None:
    """Fresh planner statistics: after a bulk load of ``campaign_ids``, or of everything (None).

    PostgreSQL: ``ANALYZE`` of the campaigns' partitions of the three tables and of the
    submissions and flags, instead of waiting for autovacuum (nothing for the whole database:
    autovacuum does that). SQLite: ``ANALYZE`` — the product otherwise never collects statistics,
    and without them SQLite picks poor plans for the analytics queries (the municipality page at
    10,000 schools: 643 → 197 ms).
    """
    connection = connection or default_connection
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            if campaign_ids is None:
                cursor.execute(
                    "SELECT name FROM sqlite_master WHERE type = 'table' "
                    "AND name NOT LIKE 'sqlite_%' ORDER BY name"
                )
                tables = [name for (name,) in cursor.fetchall()]
            else:
                tables = [*IMPORTED, "diagnostics_answer"]
            cursor.execute("PRAGMA analysis_limit = 0")
            for table in tables:
                if table not in SAMPLED:
                    cursor.execute(f"ANALYZE {quote(table)}")
            cursor.execute("PRAGMA analysis_limit = 1000")
            for table in tables:
                if table in SAMPLED:
                    cursor.execute(f"ANALYZE {quote(table)}")
            cursor.execute("PRAGMA analysis_limit = 0")
        elif connection.vendor == "postgresql" and campaign_ids is not None:
            names = ["diagnostics_submission", "diagnostics_flag"]
            for table in TABLES:
                present = set(partitions_of(table, connection))
                if not present:
                    names.append(table)
                    continue
                # A campaign without a partition of its own keeps its rows in the default one.
                names += sorted(
                    {
                        name if name in present else f"{table}_default"
                        for name in (partition_name(table, c) for c in campaign_ids)
                    }
                )
            cursor.execute("ANALYZE " + ", ".join(quote(name) for name in names))


# The migration -------------------------------------------------------------------------------


def _rebuild(cursor: Any, table: str, partitioned: bool, campaigns: list[int]) -> None:
    """Rebuild ``table`` as a partitioned table (or back as a plain one), rows, keys and indexes
    kept under their names, the id sequence continued."""
    cursor.execute(
        "SELECT conname, contype, pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE conrelid = %s::regclass ORDER BY conname",
        [table],
    )
    constraints = cursor.fetchall()
    named = {name for name, _kind, _definition in constraints}
    cursor.execute(
        "SELECT indexname, indexdef FROM pg_indexes "
        "WHERE schemaname = current_schema() AND tablename = %s ORDER BY indexname",
        [table],
    )
    indexes = [(name, definition) for name, definition in cursor.fetchall() if name not in named]
    cursor.execute("SELECT coalesce(max(id), 0) FROM " + f'"{table}"')
    (top,) = cursor.fetchone()
    sequence = f"{table}_id_seq"
    new = f"{table}__new"
    tail = f" PARTITION BY LIST ({KEY})" if partitioned else ""
    cursor.execute(f'CREATE TABLE "{new}" (LIKE "{table}" INCLUDING DEFAULTS){tail}')
    if partitioned:
        for campaign_id in campaigns:
            cursor.execute(
                f'CREATE TABLE "{partition_name(table, campaign_id)}" PARTITION OF "{new}" '
                f"FOR VALUES IN ({int(campaign_id)})"
            )
        cursor.execute(f'CREATE TABLE "{table}_default" PARTITION OF "{new}" DEFAULT')
    cursor.execute(f'INSERT INTO "{new}" SELECT * FROM "{table}"')
    # The plain table's id is an identity column, whose sequence goes with the table; the
    # partitioned table's is a sequence of its own (kept when it goes back).
    cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [table])
    (owned,) = cursor.fetchone()
    identity = False
    if owned:
        cursor.execute(
            "SELECT attidentity FROM pg_attribute WHERE attrelid = %s::regclass AND attname = 'id'",
            [table],
        )
        identity = cursor.fetchone()[0] != ""
        if not identity:
            cursor.execute(f"ALTER SEQUENCE {owned} OWNED BY NONE")
    cursor.execute(f'DROP TABLE "{table}" CASCADE')
    cursor.execute(f'ALTER TABLE "{new}" RENAME TO "{table}"')
    if partitioned:
        if owned and not identity:
            cursor.execute(f'ALTER SEQUENCE {owned} RENAME TO "{sequence}"')
        else:
            cursor.execute(f'CREATE SEQUENCE "{sequence}"')
        cursor.execute(f'ALTER SEQUENCE "{sequence}" OWNED BY "{table}".id')
        cursor.execute(
            f'ALTER TABLE "{table}" ALTER COLUMN id SET DEFAULT nextval(\'"{sequence}"\')'
        )
        cursor.execute(f"SELECT setval('\"{sequence}\"', %s, %s)", [max(top, 1), top > 0])
    else:
        cursor.execute(f'ALTER TABLE "{table}" ALTER COLUMN id DROP DEFAULT')
        if owned:
            cursor.execute(f"DROP SEQUENCE {owned}")
        cursor.execute(
            f'ALTER TABLE "{table}" ALTER COLUMN id ADD GENERATED BY DEFAULT AS IDENTITY '
            f"(START WITH {top + 1})"
        )
    for name, kind, definition in constraints:
        if kind == "n":  # NOT NULL constraints (PostgreSQL 17 lists them) come with LIKE
            continue
        if kind == "p":
            definition = f"PRIMARY KEY (id, {KEY})" if partitioned else "PRIMARY KEY (id)"
        cursor.execute(f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" {definition}')
    for _name, definition in indexes:
        cursor.execute(definition)


def partition_tables(apps: Any, schema_editor: Any) -> None:
    """Migration step: the three tables become partitioned by campaign (PostgreSQL only)."""
    if schema_editor.connection.vendor != "postgresql":
        return
    campaigns = list(apps.get_model("diagnostics", "Campaign").objects.values_list("pk", flat=True))
    with schema_editor.connection.cursor() as cursor:
        for table in TABLES:
            if not is_partitioned(table, schema_editor.connection):
                _rebuild(cursor, table, True, campaigns)


def unpartition_tables(apps: Any, schema_editor: Any) -> None:
    """The migration's reverse: plain tables again."""
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        for table in TABLES:
            if is_partitioned(table, schema_editor.connection):
                _rebuild(cursor, table, False, [])
