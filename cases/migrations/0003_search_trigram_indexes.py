"""Trigram indexes for the workbench search (PostgreSQL only; the embedded SQLite default scans).

pg_trgm works on Chinese text too (a query of three or more characters uses the index), where
PostgreSQL's full-text search would not split Chinese words. The indexes are on UPPER(...),
the expression Django's ``icontains`` compares.
"""

from django.db import migrations

INDEXES = [
    ("case_event_note_trgm", "cases_caseevent", "note"),
    ("customer_name_trgm", "cases_customer", "name"),
]


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, table, column in INDEXES:
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {table} USING gin (UPPER({column}) gin_trgm_ops)")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _table, _column in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("cases", "0002_sla_clocks_follow_ups")]

    operations = [migrations.RunPython(create, drop)]
