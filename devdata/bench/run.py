# ruff: noqa: S608 - COPY, LOCK, TRUNCATE and ANALYZE are built from the models' own table and column names.
"""One ``seed_bench`` run: the checks, the set-up through the ORM, the load in one transaction, the
indexes and foreign keys rebuilt, ANALYZE, and the analytics rollups."""

from __future__ import annotations

import importlib
import time
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.models import Customer, Order, OrderLine, SlaPolicy
from devdata.bench.cases import CaseDrawer
from devdata.bench.catalogue import make_catalogue
from devdata.bench.context import CASE_BATCH, Context, Progress
from devdata.bench.customers import Customers
from devdata.bench.loading import (
    CopyWriter,
    SeedRefused,
    check_database,
    drop_indexes_and_foreign_keys,
    reset_tables,
)
from devdata.bench.orders import OrderBook
from devdata.bench.rows import CaseRows
from devdata.bench.staff import make_staff
from devdata.bench.tables import COLUMNS, WRITTEN, check_columns
from devdata.bench.timing import CASE_HOURS, case_weight, days_between, hour_mix, plan, times_in
from feedback.models import Survey


@dataclass(frozen=True)
class SeedResult:
    rows: dict[str, int]  # table name -> rows written
    seconds: float

    @property
    def total_rows(self) -> int:
        return sum(self.rows.values())


def default_end() -> datetime:
    return timezone.now().replace(microsecond=0)


def end_of_day(day: date) -> datetime:
    """The end of ``day`` in the project's time zone (the next midnight): ``--end`` includes that day."""
    tz = timezone.get_default_timezone()
    following = day + timedelta(days=1)
    return datetime(following.year, following.month, following.day, tzinfo=tz)


def seed(
    *,
    cases: int,
    seed: int,
    end: datetime | None = None,
    reset: bool = False,
    rollups: bool = True,
    progress: Progress | None = None,
) -> SeedResult:
    """Fill the database with ``cases`` cases of synthetic history ending at ``end`` (default now).

    Refuses (SeedRefused) a database that is not PostgreSQL, one that holds cases already unless
    ``reset``, and a reset where the database name does not end in _bench or start with test_.
    Then ANALYZE, and the analytics rollups rebuilt when ``rollups`` and they exist.
    """
    if cases < 1:
        raise SeedRefused(_("Give at least one case."))
    began = time.monotonic()
    say = progress or (lambda _text: None)
    check_columns()
    check_database(reset=reset)
    generator = Generator(cases=cases, seed=seed, end=end or default_end(), progress=progress)
    with transaction.atomic():
        _load(generator, reset=reset, say=say)
        say(_("Committing ..."))
    say(_("Analysing the tables ..."))
    with connection.cursor() as cur:
        cur.execute(f"ANALYZE {', '.join(sorted({str(m._meta.db_table) for m in WRITTEN}))}")
    if rollups:
        rebuild_all = _rollups()
        if rebuild_all is not None:
            say(_("Rebuilding the analytics rollups ..."))
            rebuild_all(progress=progress)
    return SeedResult(rows=dict(generator.ctx.rows), seconds=time.monotonic() - began)


def _load(generator: Generator, *, reset: bool, say: Progress) -> None:
    """Inside the run's transaction: empty (``reset``) and lock the tables, set up, drop the indexes and
    foreign keys, COPY every row, build them again, move the id sequences past the new rows."""
    with connection.cursor() as cur:
        if reset:
            say(_("Emptying the generated tables ..."))
            cur.execute(f"TRUNCATE {', '.join(reset_tables())} RESTART IDENTITY CASCADE")
        cur.execute("SET LOCAL synchronous_commit = off")
        cur.execute(f"LOCK TABLE {', '.join(m._meta.db_table for m in COLUMNS)} IN EXCLUSIVE MODE")
    check_database(reset=False)  # under the lock: nobody added cases meanwhile
    generator.prepare()
    with connection.cursor() as cur:
        cur.execute("SET LOCAL maintenance_work_mem = '256MB'")
        # The set-up's deferred checks run now: a table with pending checks cannot lose its foreign keys.
        cur.execute("SET CONSTRAINTS ALL IMMEDIATE")
        restore = drop_indexes_and_foreign_keys(cur, [m._meta.db_table for m in COLUMNS])
    connection.ensure_connection()
    writer = CopyWriter(connection.connection)
    try:
        generator.load(writer)
    finally:
        writer.close()
    with connection.cursor() as cur:
        say(_("Building the indexes and checking the foreign keys ..."))
        for statement in restore:
            cur.execute(statement)
        for model in COLUMNS:
            table = model._meta.db_table
            cur.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), COALESCE(MAX(id), 1), "
                f"MAX(id) IS NOT NULL) FROM {table}"
            )


def _rollups():
    """``analytics.rollups.rebuild_all`` once it exists, else None."""
    try:
        return importlib.import_module("analytics.rollups").rebuild_all
    except (ImportError, AttributeError):
        return None


class Generator:
    """Draws the history with ``random.Random(seed)`` in time order: customers, orders, then cases."""

    def __init__(self, *, cases: int, seed: int, end: datetime, progress: Progress | None):
        self.ctx = Context(cases=cases, seed=seed, end=end, progress=progress)

    def prepare(self) -> None:
        """Ids to start from, the catalogue, the staff and teams, the survey and SLA policies (ORM)."""
        ctx = self.ctx
        with connection.cursor() as cur:
            next_id = {}
            for model in COLUMNS:
                cur.execute(f"SELECT COALESCE(MAX(id), 0) FROM {model._meta.db_table}")
                next_id[model] = cur.fetchone()[0] + 1
        catalogue = make_catalogue(ctx.rng, ctx.rows)
        staff = make_staff(ctx.rng)
        self.customers = Customers(ctx, base=next_id[Customer])
        self.orders = OrderBook(
            ctx, catalogue=catalogue, customers=self.customers, base=next_id[Order], line_base=next_id[OrderLine]
        )
        self.drawer = CaseDrawer(
            ctx,
            customers=self.customers,
            orders=self.orders,
            staff=staff,
            policy_ids=dict(SlaPolicy.objects.values_list("name", "id")),
        )
        self.rows = CaseRows(
            ctx, customers=self.customers, orders=self.orders, staff=staff, next_id=next_id, survey=_survey()
        )

    def load(self, writer: CopyWriter) -> None:
        self.customers.load(writer)
        self.orders.load(writer)
        self._cases(writer)

    def _cases(self, writer: CopyWriter) -> None:
        ctx, n = self.ctx, self.ctx.n_cases
        days = days_between(ctx.start_dt, ctx.end_dt)
        counts, loads = plan(days, n, case_weight)
        hour_cum = hour_mix(CASE_HOURS)
        index = 0
        every = max(CASE_BATCH, n // 20 // CASE_BATCH * CASE_BATCH)  # about twenty reports
        for day, count, load in zip(days, counts, loads, strict=True):
            for t0 in times_in(ctx.rng, day, count, hour_cum):
                index += 1
                self.rows.write(self.drawer.draw(index, t0, load))
                if index % CASE_BATCH == 0:
                    self.rows.flush(writer)
                    if index % every == 0 and index < n:
                        ctx.report(_("cases"), index, n)
        self.rows.flush(writer)
        ctx.report(_("cases"), index, n)


def _survey() -> Survey:
    """The first active survey, or the bench's own."""
    survey = Survey.objects.filter(active=True).order_by("id").first()
    if survey is None:
        survey, _created = Survey.objects.update_or_create(
            code="bench-after-sales",
            defaults={
                "name": "After-sales survey",
                "active": True,
                "ask_csat": True,
                "ask_nps": True,
                "ask_ces": True,
                "ask_comment": True,
            },
        )
    return survey
