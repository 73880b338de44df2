"""Keeping the analytics tables current: dirty markers, the refresh, the full rebuild.

How a change reaches the dashboard:

1. Every ``CaseEvent`` marks its case dirty (``DirtyCase`` upsert in the event's own transaction,
   ``analytics.receivers``); answers and invitations mark the day they count on.
2. ``refresh()`` (Celery beat, every ``ANALYTICS_REFRESH_SECONDS``) recomputes the facts of the
   dirty cases from their raw rows, marks every past day whose daily figures the change moved
   (before and after), reads the orders changed since its last run, seals the days that ended
   since, and recomputes the dirty days' rows of the daily tables.
3. ``analytics.kpis`` reads the daily tables for the sealed days and computes the rest (today,
   and a day that ended a moment ago) live from ``CaseFact``: the live blend.

The markers are locked while a refresh reads them (``FOR UPDATE SKIP LOCKED``); a writer that marks
the same case waits for the refresh and re-marks it after, so a change that commits during a
refresh is picked up by the next one rather than lost. Only one refresh runs at a time (an
advisory lock on PostgreSQL).
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import Max, Min
from django.utils.translation import gettext as _

from analytics import measures
from analytics.facts import reporting_zone, store_facts
from analytics.measures import DIMENSIONS, MEASURES, Source
from analytics.models import CaseFact, DailyOrderStat, DailyProductStat, DailyStat, DirtyCase, DirtyDay, RollupState
from cases.models import Case, Order
from core import clock

DAY_COLUMNS = ("created_day", "first_reply_day", "resolved_day", "fr_due_day", "res_due_day")
LOCK_KEY = 0x616E616C  # "anal": the advisory lock of the refresh
BATCH = 5000


def local_today() -> date:
    return clock.now().astimezone(reporting_zone()).date()


def local_day(at: datetime) -> date:
    return at.astimezone(reporting_zone()).date()


# --- markers --------------------------------------------------------------------------------------


def mark_cases(case_ids: Iterable[int]) -> None:
    """The facts of these cases are stale (call inside the transaction of the change)."""
    now = clock.now()
    DirtyCase.objects.bulk_create(
        [DirtyCase(case_id=pk, marked_at=now) for pk in set(case_ids)],
        update_conflicts=True,
        unique_fields=["case_id"],
        update_fields=["marked_at"],
    )


def mark_days(days: Iterable[date | None]) -> None:
    """The daily figures of these days are stale (today and later are read live: ignored)."""
    today = local_today()
    wanted = {d for d in days if d is not None and d < today}
    if wanted:
        DirtyDay.objects.bulk_create([DirtyDay(day=d) for d in wanted], ignore_conflicts=True)


def _days_of(case_ids: list[int]) -> set[date]:
    found: set[date] = set()
    for row in CaseFact.objects.filter(case_id__in=case_ids).values_list(*DAY_COLUMNS):
        found.update(d for d in row if d is not None)
    return found


def _try_lock() -> bool:
    if connection.vendor != "postgresql":
        return True
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [LOCK_KEY])
        return bool(cursor.fetchone()[0])


# --- the refresh ----------------------------------------------------------------------------------


def refresh(*, batch: int = BATCH) -> dict:
    """Bring the facts and daily tables up to date; returns what it did (or ``{"skipped": True}``)."""
    done = {"cases": 0, "days": 0, "skipped": False}
    with transaction.atomic():
        if not _try_lock():
            return {**done, "skipped": True}
        state = RollupState.objects.select_for_update().get_or_create(pk=1)[0]
        today = local_today()
        while True:
            ids = list(
                DirtyCase.objects.select_for_update(skip_locked=True)
                .order_by("case_id")
                .values_list("case_id", flat=True)[:batch]
            )
            if not ids:
                break
            days = _days_of(ids)
            store_facts(ids)
            days |= _days_of(ids)
            DirtyCase.objects.filter(case_id__in=ids).delete()
            mark_days(days)
            done["cases"] += len(ids)
        now = clock.now()
        changed_orders = Order.objects.all()
        if state.orders_seen_until is not None:
            changed_orders = changed_orders.filter(updated_at__gte=state.orders_seen_until)
        mark_days({local_day(at) for at in changed_orders.values_list("placed_at", flat=True).distinct()})
        yesterday = today - timedelta(days=1)
        if state.sealed_through is None or state.sealed_through < yesterday:
            first = state.sealed_through + timedelta(days=1) if state.sealed_through else _first_day()
            if first is not None and first <= yesterday:
                mark_days(first + timedelta(days=n) for n in range((yesterday - first).days + 1))
            state.sealed_through = yesterday
        while True:
            days = list(  # type: ignore[assignment]  # now the days to rebuild, in order
                DirtyDay.objects.select_for_update(skip_locked=True).order_by("day").values_list("day", flat=True)[:31]
            )
            if not days:
                break
            rebuild_days(days)
            DirtyDay.objects.filter(day__in=days).delete()
            done["days"] += len(days)
        state.orders_seen_until = now
        state.refreshed_at = now
        if done["cases"] or done["days"]:
            state.generation += 1
        state.save()
    return done


def _first_day() -> date | None:
    earliest = Case.objects.aggregate(at=Min("created_at"))["at"]
    first_order = Order.objects.aggregate(at=Min("placed_at"))["at"]
    candidates = [local_day(at) for at in (earliest, first_order) if at is not None]
    return min(candidates) if candidates else None


# --- recomputing days -----------------------------------------------------------------------------


def _daily_rows(days) -> list[dict]:
    rows: list[dict] = []
    for dim in ("all", *DIMENSIONS):
        for (day, value), values in measures.all_measures(Source.facts(), days=days, dim=dim).items():
            rows.append({"day": day, "dim": dim, "value": value, **values})
    return rows


def _product_rows(days) -> list[dict]:
    rows: dict[tuple[date, int, str], dict] = {}
    for line in measures.returned_lines(days=days):
        key = (line["_day"], line["order_line__product_id"], line["case__reason_code"])
        rows[key] = {name: line[name] or 0 for name in measures.PRODUCT_COUNTS}
    for sale in measures.units_sold(days=days):
        rows.setdefault((sale["_day"], sale["product_id"], ""), {})["units_sold"] = sale["units"] or 0
    return [{"day": d, "product_id": p, "reason": r, **values} for (d, p, r), values in rows.items()]


def _copy_text(value) -> str:
    """One value in COPY's text format."""
    kind = type(value)
    if kind is int or kind is Decimal:
        return str(value)
    if value is None:
        return "\\N"
    if kind is date:
        return value.isoformat()
    text = str(value)
    if "\\" in text or "\t" in text or "\n" in text or "\r" in text:
        text = text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    return text


def insert_rows(model, rows: list[dict]) -> None:
    """Insert plain rows (dicts; a missing column takes its field's default) into ``model``'s table.

    On PostgreSQL with one COPY: a full rebuild writes a few hundred thousand daily rows, and
    building model instances for bulk_create cost more than computing them. Elsewhere (the embedded
    SQLite of ``make run``) with bulk_create."""
    if not rows:
        return
    fields = [
        f for f in model._meta.concrete_fields if not (f.primary_key and f.get_internal_type().endswith("AutoField"))
    ]
    if connection.vendor != "postgresql":
        model.objects.bulk_create([model(**row) for row in rows], batch_size=2000)
        return
    defaults = {f.attname: f.get_default() for f in fields}
    names = [f.attname for f in fields]
    buffer = io.StringIO()
    for row in rows:
        buffer.write("\t".join(_copy_text(row.get(name, defaults[name])) for name in names))
        buffer.write("\n")
    buffer.seek(0)
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    with connection.cursor() as cursor:
        cursor.copy_expert(f"COPY {connection.ops.quote_name(model._meta.db_table)} ({columns}) FROM STDIN", buffer)


def rebuild_days(days) -> None:
    """Replace the daily rows of these days (a list, or a (first, last) range) from the facts."""
    selector = {"day__gte": days[0], "day__lte": days[1]} if isinstance(days, tuple) else {"day__in": list(days)}
    DailyStat.objects.filter(**selector).delete()
    DailyProductStat.objects.filter(**selector).delete()
    DailyOrderStat.objects.filter(**selector).delete()
    insert_rows(DailyStat, _daily_rows(days))
    insert_rows(DailyProductStat, _product_rows(days))
    insert_rows(DailyOrderStat, [{"day": d, "orders": n} for d, n in measures.orders_placed(days=days).items()])


def _delete_orphan_facts() -> None:
    """Drop the facts of cases that are gone, in one statement: an anti-join. (The ORM's
    ``exclude(case_id__in=...)`` is NOT IN over every case id, which outgrows work_mem at a million
    cases and turns quadratic, and its delete() first fetched every fact it might cascade to.)"""
    fact, case = CaseFact._meta, Case._meta
    quote = connection.ops.quote_name
    fact_case, case_id = quote(fact.get_field("case").column), quote(case.pk.column)  # type: ignore[arg-type]
    with connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {quote(fact.db_table)} f WHERE NOT EXISTS "  # noqa: S608 - the models' own names
            f"(SELECT 1 FROM {quote(case.db_table)} c WHERE c.{case_id} = f.{fact_case})"
        )


def rebuild_all(*, progress: Callable[[str], None] | None = None, chunk: int = 50_000) -> None:
    """Recompute every fact and every daily row from the raw rows (the nightly safety net, seeding)."""
    say = progress or (lambda text: None)
    started = clock.now()
    bounds = Case.objects.aggregate(lo=Min("pk"), hi=Max("pk"))
    if bounds["lo"] is not None:
        total = bounds["hi"] - bounds["lo"] + 1
        for lo in range(bounds["lo"], bounds["hi"] + 1, chunk):
            with transaction.atomic():
                store_facts(id_range=(lo, lo + chunk - 1))
            _report(say, _("case facts"), lo - bounds["lo"] + chunk, total, started)
    _delete_orphan_facts()
    first, yesterday = _first_day(), local_today() - timedelta(days=1)
    with transaction.atomic():
        DailyStat.objects.all().delete()
        DailyProductStat.objects.all().delete()
        DailyOrderStat.objects.all().delete()
        DirtyCase.objects.filter(marked_at__lte=started).delete()
        DirtyDay.objects.all().delete()
    if first is not None and first <= yesterday:
        span = (yesterday - first).days + 1
        day = first
        begun = clock.now()
        while day <= yesterday:
            last = min(day + timedelta(days=30), yesterday)
            with transaction.atomic():
                rebuild_days((day, last))
            _report(say, _("days"), (last - first).days + 1, span, begun)
            day = last + timedelta(days=1)
    state = RollupState.get_solo()
    state.sealed_through = yesterday
    state.orders_seen_until = started
    state.refreshed_at = clock.now()
    state.generation += 1
    state.save()


def _report(say, what: str, done: int, total: int, started: datetime) -> None:
    done = min(done, total)
    elapsed = (clock.now() - started).total_seconds()
    left = elapsed / done * (total - done) if done else 0
    say(
        _("%(what)s %(done)s/%(total)s (%(share)s), %(elapsed)s s elapsed, about %(left)s s left")
        % {
            "what": what,
            "done": f"{done:,}",
            "total": f"{total:,}",
            "share": f"{done / total:.0%}",
            "elapsed": f"{elapsed:.0f}",
            "left": f"{left:.0f}",
        }
    )


__all__ = ["MEASURES", "mark_cases", "mark_days", "refresh", "rebuild_all", "rebuild_days", "local_today"]
