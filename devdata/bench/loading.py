# ruff: noqa: S608 - COPY, LOCK, TRUNCATE and ANALYZE are built from the models' own table and column names.
"""Loading with PostgreSQL's COPY: the writer on a second thread, the checks that refuse a database
this command may not fill (or empty), and the drop and rebuild of indexes and foreign keys around
the load."""

from __future__ import annotations

import io
import queue
import threading

from django.apps import apps
from django.db import connection
from django.utils.translation import gettext as _

from cases.models import Case
from devdata.bench.tables import WRITTEN


class SeedRefused(Exception):
    """The database is not one this command may fill (or empty); the message says what to do."""


class CopyWriter:
    """COPY batches into their tables on a second thread of the same connection (and transaction),
    so PostgreSQL loads one batch while Python draws the next."""

    def __init__(self, raw_connection):
        self.raw = raw_connection
        self.jobs: queue.Queue = queue.Queue(maxsize=2)
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, name="seed-bench-copy", daemon=True)
        self.thread.start()

    def put(self, table: str, columns: tuple[str, ...], lines: list[str]) -> None:
        if self.error is not None:
            raise self.error
        if lines:
            self.jobs.put((table, columns, lines))

    def _run(self) -> None:
        with self.raw.cursor() as cur:
            while (job := self.jobs.get()) is not None:
                if self.error is not None:
                    continue  # drain: the main thread raises at its next put or at close
                table, columns, lines = job
                try:
                    lines.append("")
                    cur.copy_expert(
                        f"COPY {table} ({', '.join(columns)}) FROM STDIN", io.StringIO("\n".join(lines)), size=1 << 20
                    )
                except BaseException as exc:  # noqa: BLE001 - handed to the main thread, which raises it
                    self.error = exc

    def close(self) -> None:
        self.jobs.put(None)
        self.thread.join()
        if self.error is not None:
            raise self.error


def may_reset(name: str) -> bool:
    return name.endswith("_bench") or name.startswith("test_")


def check_database(*, reset: bool) -> None:
    """Raise SeedRefused unless this database is PostgreSQL, and empty of cases or resettable."""
    name = str(connection.settings_dict["NAME"])
    if connection.vendor != "postgresql":
        raise SeedRefused(
            _(
                "seed_bench loads with PostgreSQL's COPY, and this database is %(vendor)s. Point DATABASE_URL at a "
                "PostgreSQL database, for example: createdb aftersales_bench, then "
                "DATABASE_URL=postgres://postgres@127.0.0.1:5432/aftersales_bench manage.py migrate."
            )
            % {"vendor": connection.vendor}
        )
    if reset and not may_reset(name):
        raise SeedRefused(
            _(
                "--reset deletes every case, order, customer, product and survey answer, so it only runs when "
                "the database name ends in _bench or starts with test_; this one is %(name)s. Create a bench "
                "database (createdb aftersales_bench, then migrate it) and point DATABASE_URL at it."
            )
            % {"name": name}
        )
    if not reset and Case.objects.exists():
        raise SeedRefused(
            _(
                "The database %(name)s already holds %(count)s cases. Add --reset to delete the cases, orders, "
                "customers, products and survey answers first (only where the database name ends in _bench or "
                "starts with test_), or use an empty database."
            )
            % {"name": name, "count": f"{Case.objects.count():,}"}
        )


def reset_tables() -> list[str]:
    """The tables --reset empties: the ones this module fills, and every analytics table."""
    tables = [str(m._meta.db_table) for m in WRITTEN]
    tables += [m._meta.db_table for m in apps.get_app_config("analytics").get_models() if not m._meta.proxy]
    existing = set(connection.introspection.table_names())
    return sorted(set(tables) & existing)


def drop_indexes_and_foreign_keys(cur, tables: list[str]) -> list[str]:
    """Drop the foreign keys of ``tables`` and their indexes other than the primary and unique keys;
    return the statements that make them again.

    PostgreSQL's advice for a bulk load: building an index once over all rows is much cheaper than
    growing it row by row, and adding a foreign key checks all rows in one join instead of one
    lookup per row. It all happens inside the load's transaction, so a failed run changes no schema.
    """
    indexes, foreign_keys = [], []
    for table in tables:
        cur.execute(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid = %s::regclass AND contype = 'f' ORDER BY conname",
            [table],
        )
        for name, definition in cur.fetchall():
            foreign_keys.append(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
            cur.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
        cur.execute(
            "SELECT c.relname, pg_get_indexdef(i.indexrelid) FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
            "WHERE i.indrelid = %s::regclass AND NOT EXISTS (SELECT 1 FROM pg_constraint k "
            "WHERE k.conindid = i.indexrelid AND k.conrelid = i.indrelid AND k.contype IN ('p', 'u', 'x')) "
            "ORDER BY c.relname",
            [table],
        )
        for name, definition in cur.fetchall():
            indexes.append(definition)
            cur.execute(f'DROP INDEX "{name}"')
    return indexes + foreign_keys
