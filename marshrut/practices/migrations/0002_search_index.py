"""The full-text index of practices: a stored Russian tsvector with a GIN index on PostgreSQL, an
FTS5 table of Snowball stems on SQLite (kept by marshrut/practices/search.py)."""

from typing import Any

from django.db import migrations

SQLITE_CREATE = (
    "CREATE VIRTUAL TABLE IF NOT EXISTS practices_practice_fts "
    "USING fts5(body, tokenize = 'unicode61 remove_diacritics 0')"
)
SQLITE_DROP = "DROP TABLE IF EXISTS practices_practice_fts"
# A stored vector: ranking reads it instead of parsing every matching text again. The column is
# the database's own (generated), not the model's: Django never writes it.
PG_CREATE = [
    "ALTER TABLE practices_practice ADD COLUMN search_vector tsvector "
    "GENERATED ALWAYS AS (to_tsvector('russian', search_document)) STORED",
    "CREATE INDEX practices_practice_fts_gin ON practices_practice USING gin (search_vector)",
]
PG_DROP = [
    "DROP INDEX IF EXISTS practices_practice_fts_gin",
    "ALTER TABLE practices_practice DROP COLUMN IF EXISTS search_vector",
]


def create(apps: Any, schema_editor: Any) -> None:
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        schema_editor.execute(SQLITE_CREATE)
    elif vendor == "postgresql":
        for sql in PG_CREATE:
            schema_editor.execute(sql)


def drop(apps: Any, schema_editor: Any) -> None:
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        schema_editor.execute(SQLITE_DROP)
    elif vendor == "postgresql":
        for sql in PG_DROP:
            schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("practices", "0001_library")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
