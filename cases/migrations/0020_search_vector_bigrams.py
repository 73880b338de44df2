"""Search vectors of bigrams for the workbench search (PostgreSQL only; the embedded SQLite scans).

A trigram index cannot serve a query of two characters (退货), the commonest Chinese word length,
and PostgreSQL's full-text parser does not split Chinese. So the messages (``cases_caseevent.note``)
and the customers' names get a ``search_vector`` column: the text's tokens as ``cases.search``
describes them (overlapping bigrams of CJK runs, lower-cased ASCII words), with a GIN index.

- The column is the database's, not a model field: a trigger fills it on every insert and on every
  update of the text, so bulk loads, ``seed_bench`` and erasure (which blanks the text) keep it
  right without anyone calling anything, and no Django read loads it (the timeline, the export).
- Existing rows are filled in batches of ``BATCH`` ids, each its own transaction (the migration
  is not atomic), with progress on big tables; the indexes are built afterwards, concurrently.

The SQL below is frozen here; ``cases.search`` (the query side) must tokenise the same way, and
``tests/cases/test_search_bigrams.py`` checks that it does against this function.
"""

from django.db import migrations

BATCH = 10_000
CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff"
UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"

FUNCTION = f"""
CREATE OR REPLACE FUNCTION cases_search_vector(body text) RETURNS tsvector
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $fn$
WITH runs AS (
    SELECT r.m[1] AS run, r.n
    FROM regexp_matches(translate(left(body, 16000), '{UPPER}', '{UPPER.lower()}'), '([0-9a-z]+|[{CJK}]+)', 'g')
        WITH ORDINALITY AS r(m, n)
), tokens AS (
    SELECT n, 0 AS i, left(run, 64) AS token FROM runs WHERE run ~ '^[0-9a-z]'
    UNION ALL
    SELECT n, 0, run FROM runs WHERE run !~ '^[0-9a-z]' AND length(run) = 1
    UNION ALL
    SELECT n, i, substr(run, i, 2)
    FROM runs, generate_series(1, length(run) - 1) AS i
    WHERE run !~ '^[0-9a-z]' AND length(run) > 1
)
SELECT coalesce(
    (SELECT string_agg(quote_literal(token) || ':' || least(pos, 16383), ' ')
     FROM (SELECT token, row_number() OVER (ORDER BY n, i) + n - 1 AS pos FROM tokens) AS numbered)::tsvector,
    ''::tsvector
)
$fn$;
"""  # noqa: S608 - constants only, no input

# (table, text column, index name, the rows the index holds)
TABLES = [
    # Only the messages: the types the search reads (cases.selectors._search_ids). A GIN index over
    # every event makes the planner AND it with the index on type, three times slower at 100k cases.
    ("cases_caseevent", "note", "case_event_search_vector", "WHERE type IN ('created', 'reply', 'note')"),
    ("cases_customer", "name", "customer_search_vector", ""),
]


def _trigger_sql(table: str, column: str) -> str:
    return f"""
ALTER TABLE {table} ADD COLUMN IF NOT EXISTS search_vector tsvector;
CREATE OR REPLACE FUNCTION {table}_search_vector() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
    NEW.search_vector := CASE WHEN NEW.{column} = '' THEN NULL ELSE cases_search_vector(NEW.{column}) END;
    RETURN NEW;
END
$fn$;
DROP TRIGGER IF EXISTS {table}_search_vector ON {table};
CREATE TRIGGER {table}_search_vector BEFORE INSERT OR UPDATE OF {column} ON {table}
    FOR EACH ROW EXECUTE FUNCTION {table}_search_vector();
"""


def install(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(FUNCTION)
    for table, column, _index, _rows in TABLES:
        schema_editor.execute(_trigger_sql(table, column))


def backfill(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        for table, column, _index, _rows in TABLES:
            cursor.execute(f"SELECT min(id), max(id) FROM {table}")  # noqa: S608 - constant names
            low, high = cursor.fetchone()
            if low is None:
                continue
            total = high - low + 1
            for start in range(low, high + 1, BATCH):
                cursor.execute(
                    f"UPDATE {table} SET search_vector = cases_search_vector({column}) "  # noqa: S608
                    f"WHERE id >= %s AND id < %s AND {column} <> '' AND search_vector IS NULL",
                    [start, start + BATCH],
                )
                done = min(start + BATCH - low, total)
                if total > BATCH:
                    print(f"  {table}.search_vector: {done:,} of {total:,} ids", flush=True)  # noqa: T201


def index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table, _column, name, rows in TABLES:
        schema_editor.execute(
            f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {name} ON {table} USING gin (search_vector) {rows}"
        )


def uninstall(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table, _column, name, _rows in TABLES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_search_vector ON {table}")
        schema_editor.execute(f"DROP FUNCTION IF EXISTS {table}_search_vector()")
        schema_editor.execute(f"ALTER TABLE {table} DROP COLUMN IF EXISTS search_vector")
    schema_editor.execute("DROP FUNCTION IF EXISTS cases_search_vector(text)")


class Migration(migrations.Migration):
    atomic = False  # each batch of the backfill commits; CREATE INDEX CONCURRENTLY needs it

    dependencies = [("cases", "0019_attachment_checked_types")]

    operations = [
        migrations.RunPython(install, uninstall),
        migrations.RunPython(backfill, migrations.RunPython.noop),
        migrations.RunPython(index, migrations.RunPython.noop),
    ]
