"""The full-text index of practices: a GIN index of the Russian tsvector on PostgreSQL, an FTS5
table of Snowball stems on SQLite (kept by marshrut/practices/search.py)."""

from typing import Any

from django.db import migrations

SQLITE_CREATE = (
    "CREATE VIRTUAL TABLE IF NOT EXISTS practices_practice_fts "
    "USING fts5(body, tokenize = 'unicode61 remove_diacritics 0')"
)
SQLITE_DROP = "DROP TABLE IF EXISTS practices_practice_fts"
PG_CREATE = (
    "CREATE INDEX IF NOT EXISTS practices_practice_fts_gin ON practices_practice "
    "USING gin (to_tsvector('russian', search_document))"
)
PG_DROP = "DROP INDEX IF EXISTS practices_practice_fts_gin"


def create(apps: Any, schema_editor: Any) -> None:
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        schema_editor.execute(SQLITE_CREATE)
    elif vendor == "postgresql":
        schema_editor.execute(PG_CREATE)


def drop(apps: Any, schema_editor: Any) -> None:
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        schema_editor.execute(SQLITE_DROP)
    elif vendor == "postgresql":
        schema_editor.execute(PG_DROP)


class Migration(migrations.Migration):
    dependencies = [("practices", "0001_library")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
