# ruff: noqa: S608 - SQL built from the model's own column names and constants; values are parameters.
"""Benchmark of the SLA sweep (issue 3): throughput, detection lag, empty-sweep cost, memory.

    make bench                       # creates and migrates the database aftersales_bench, runs this
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/aftersales_bench \\
        .venv/bin/python benchmarks/sla_sweep.py [--clocks 200000] [--due 10000] [--big 1000000]

It writes rows straight into PostgreSQL with INSERT ... SELECT generate_series (fast, and the same
rows every run), then measures ``cases.sweep.sweep`` as the beat task runs it. The results are
printed as a Markdown table and written to the "SLA sweep" section of docs/performance.md.
The database must be a bench database (its name ends in ``_bench``): the script empties it.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aftersales.settings")
os.environ.setdefault("DEBUG", "1")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402

from cases import clock as product_clock  # noqa: E402
from cases.models import Case, Customer, SlaClock, SlaPolicy  # noqa: E402
from cases.sweep import sweep  # noqa: E402

CHUNK = 100_000


def say(text: str) -> None:
    print(text, flush=True)


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def columns_and_values(model, overrides: dict[str, str]) -> tuple[list[str], list[str], list]:
    """Column names, SQL expressions and parameters for INSERT ... SELECT: overrides, else defaults."""
    cols, exprs, params = [], [], []
    for field in model._meta.concrete_fields:
        if field.primary_key:
            continue
        cols.append(f'"{field.column}"')
        if field.column in overrides:
            exprs.append(overrides[field.column])
        else:
            exprs.append("%s")
            params.append(field.get_db_prep_save(field.get_default(), connection))
    return cols, exprs, params


def insert_series(model, overrides: dict[str, str], start: int, stop: int) -> None:
    cols, exprs, params = columns_and_values(model, overrides)
    table = model._meta.db_table
    with connection.cursor() as cur:
        cur.execute(
            f"INSERT INTO {table} ({', '.join(cols)}) SELECT {', '.join(exprs)} FROM generate_series(%s, %s) AS g",
            [*params, start, stop],
        )


def fill(cases_wanted: int, *, policy_id: int, customer_id: int) -> None:
    """Grow the case table to ``cases_wanted`` cases with two running clocks each (due in 5-30 days)."""
    have = Case.objects.count()
    if have >= cases_wanted:
        return
    began, total = time.monotonic(), cases_wanted - have
    for lo in range(have + 1, cases_wanted + 1, CHUNK):
        hi = min(lo + CHUNK - 1, cases_wanted)
        insert_series(
            Case,
            {
                "number": "'BENCH-' || lpad(g::text, 8, '0')",
                "kind": "'complaint'",
                "status": "'in_progress'",
                "channel": "'email'",  # all under the Standard policy
                "customer_id": str(customer_id),
                "created_at": "now() - interval '1 day'",
                "updated_at": "now()",
                "first_responded_at": "now() - interval '20 hours'",
            },
            lo,
            hi,
        )
        with connection.cursor() as cur:
            # Consistent with the Standard policy, so a recomputation keeps the same due times:
            # started up to 11 hours ago, due when the target is used up (none within the benchmark).
            for kind, target in (("resolution", 259200), ("next_response", 86400)):
                cur.execute(
                    """
                    INSERT INTO cases_slaclock (case_id, kind, state, policy_id, calendar_id, target_seconds,
                        warn_seconds, used_seconds, started_at, resumed_at, due_at, warn_at, warned_at)
                    SELECT c.id, %s, 'running', %s, NULL, %s, %s * 4 / 5, 0, s.at, s.at,
                        s.at + %s * interval '1 second', s.at + %s * 4 / 5 * interval '1 second', NULL
                    FROM cases_case c CROSS JOIN LATERAL (SELECT now() - mod(c.id, 12) * interval '1 hour' AS at) s
                    WHERE c.number BETWEEN %s AND %s
                    """,
                    [kind, policy_id, target, target, target, target, f"BENCH-{lo:08d}", f"BENCH-{hi:08d}"],
                )
        done = hi - have
        rate = done / max(time.monotonic() - began, 1e-6)
        say(
            f"  filled {hi:,} / {cases_wanted:,} cases ({rate:,.0f} cases/s, about {(total - done) / rate:,.0f} s left)"
        )
    with connection.cursor() as cur:
        cur.execute("ANALYZE cases_case; ANALYZE cases_slaclock;")


def empty_sweep_ms(runs: int = 50) -> tuple[float, float]:
    timings = []
    for _ in range(runs):
        t = time.perf_counter()
        result = sweep()
        timings.append((time.perf_counter() - t) * 1000)
        assert result.breached == result.warned == result.follow_ups == 0, result
    return statistics.median(timings), rss_mb()


def explain_due_query() -> str:
    qs = SlaClock.objects.filter(state="running", breached_at__isnull=True, due_at__lte=timezone.now()).order_by(
        "due_at", "id"
    )[:500]
    with connection.cursor() as cur:
        sql, params = qs.query.sql_with_params()
        cur.execute("EXPLAIN " + sql, params)
        return "\n".join(row[0] for row in cur.fetchall())


def burst_throughput(due: int) -> tuple[int, float]:
    """Make ``due`` clocks overdue at once and sweep until none is left: breaches per second."""
    with connection.cursor() as cur:
        cur.execute(
            "UPDATE cases_slaclock SET due_at = now() - interval '1 second', warned_at = now(), "
            "started_at = now() - interval '1 second' - target_seconds * interval '1 second', "
            "resumed_at = now() - interval '1 second' - target_seconds * interval '1 second' "
            "WHERE id IN (SELECT id FROM cases_slaclock WHERE kind = 'resolution' AND breached_at IS NULL "
            "ORDER BY id LIMIT %s)",
            [due],
        )
    began, stop = time.perf_counter(), threading.Event()

    def progress():  # the sweep works through every batch in one call: report from beside it
        while not stop.wait(5):
            left = SlaClock.objects.filter(kind="resolution", breached_at__isnull=True, due_at__lte=timezone.now())
            done = due - left.count()
            rate = done / (time.perf_counter() - began)
            say(f"  burst: {done:,} / {due:,} breached, {rate:,.0f}/s, about {(due - done) / max(rate, 1):,.0f} s left")
        connection.close()

    reporter = threading.Thread(target=progress, daemon=True)
    reporter.start()
    breached = 0
    while True:
        result = sweep()
        breached += result.breached
        if result.breached == 0:
            break
    stop.set()
    reporter.join()
    return breached, breached / (time.perf_counter() - began)


def lag_run(due: int, seconds: int = 60, interval: float = 1.0) -> dict:
    """``due`` clocks fall due spread over the next minute; sweep every ``interval`` s like beat."""
    with connection.cursor() as cur:
        # started_at moves with due_at, so an escalation's recomputation keeps the same due time.
        cur.execute(
            "UPDATE cases_slaclock c SET warned_at = now(), due_at = r.d, "
            "started_at = r.d - c.target_seconds * interval '1 second', "
            "resumed_at = r.d - c.target_seconds * interval '1 second' "
            "FROM (SELECT id, now() + random() * %s * interval '1 second' AS d FROM cases_slaclock "
            "WHERE kind = 'next_response' AND breached_at IS NULL ORDER BY id LIMIT %s) AS r "
            "WHERE c.id = r.id RETURNING c.id",
            [seconds, due],
        )
        ids = [row[0] for row in cur.fetchall()]
    began, busy = time.monotonic(), 0.0
    while time.monotonic() - began < seconds + 15:
        tick = time.monotonic()
        sweep()
        busy += time.monotonic() - tick
        if (
            time.monotonic() - began > seconds
            and not SlaClock.objects.filter(pk__in=ids, breached_at__isnull=True).exists()
        ):
            break
        time.sleep(max(0.0, interval - (time.monotonic() - tick)))
        elapsed = time.monotonic() - began
        if int(elapsed) % 10 == 0:
            left = SlaClock.objects.filter(pk__in=ids, breached_at__isnull=True).count()
            say(f"  lag run: {elapsed:,.0f} s, {due - left:,} / {due:,} breached")
    with connection.cursor() as cur:
        cur.execute(
            "SELECT count(*), percentile_cont(0.5) WITHIN GROUP (ORDER BY lag), "
            "percentile_cont(0.99) WITHIN GROUP (ORDER BY lag), max(lag) FROM ("
            "SELECT extract(epoch FROM breached_at - due_at) AS lag FROM cases_slaclock "
            "WHERE id = ANY(%s) AND breached_at IS NOT NULL) t",
            [ids],
        )
        count, p50, p99, worst = cur.fetchone()
    return {"breached": count, "p50": p50, "p99": p99, "max": worst, "busy": busy}


def write_report(table: str) -> None:
    path = ROOT / "docs" / "performance.md"
    intro = (
        "# Performance\n\n"
        "Benchmarks, not timed tests: run them with `make bench` (a database `aftersales_bench` is created "
        "and emptied). The machine is shared and noisy (2 cores): the figures come from one run; compare "
        "the ratios, not the absolute values.\n"
    )
    text = path.read_text(encoding="utf-8") if path.exists() else intro
    section = "## SLA sweep\n\n" + table + "\n"
    if "## SLA sweep" in text:
        text = re.sub(r"## SLA sweep\n.*?(?=\n## |\Z)", section, text, flags=re.S)
    else:
        text = text.rstrip("\n") + "\n\n" + section
    path.write_text(text, encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--clocks", type=int, default=200_000, help="running clocks for throughput and lag")
    parser.add_argument("--due", type=int, default=10_000, help="clocks falling due within the minute")
    parser.add_argument("--small", type=int, default=10_000, help="cases for the small empty sweep")
    parser.add_argument("--big", type=int, default=1_000_000, help="cases for the big empty sweep")
    parser.add_argument("--no-report", action="store_true", help="do not write docs/performance.md")
    args = parser.parse_args()

    name = connection.settings_dict["NAME"]
    if connection.vendor != "postgresql" or not str(name).endswith("_bench"):
        sys.exit(
            f"Refusing to run on database {name!r}: the benchmark empties its database. "
            "Point DATABASE_URL at a database whose name ends in _bench (make bench does)."
        )
    product_clock.now = timezone.now
    started = time.monotonic()
    say(f"Emptying {name} ...")
    with connection.cursor() as cur:
        cur.execute(
            "TRUNCATE cases_slaclock, cases_followup, cases_notification, cases_caseevent, cases_case_tags, "
            "cases_caseline, cases_costline, cases_attachment, cases_revisittask, cases_case CASCADE"
        )
    policy = SlaPolicy.objects.get(name="Standard")
    customer = Customer.objects.get_or_create(email="bench@example.com", defaults={"name": "Bench"})[0]

    say(f"1. Empty sweep with {args.small:,} cases")
    fill(args.small, policy_id=policy.pk, customer_id=customer.pk)
    small_ms, small_rss = empty_sweep_ms()
    say(f"   median {small_ms:.2f} ms, RSS {small_rss:.0f} MB")

    cases_for_clocks = args.clocks // 2
    say(f"2. Throughput: {args.clocks:,} running clocks, {args.due:,} due at once")
    fill(cases_for_clocks, policy_id=policy.pk, customer_id=customer.pk)
    breached, per_second = burst_throughput(args.due)
    say(f"   {breached:,} breaches, {per_second:,.0f} per second")

    say(f"3. Lag: {args.due:,} clocks fall due over one minute, sweep every second")
    lag = lag_run(args.due)
    say(f"   p50 {lag['p50']:.2f} s, p99 {lag['p99']:.2f} s")

    say(f"4. Empty sweep with {args.big:,} cases")
    warm_rss = rss_mb()  # after the throughput and lag runs, before the table grows
    fill(args.big, policy_id=policy.pk, customer_id=customer.pk)
    big_ms, big_rss = empty_sweep_ms()
    plan = explain_due_query()
    say(f"   median {big_ms:.2f} ms, RSS {big_rss:.0f} MB")
    say(plan)
    clocks_big = SlaClock.objects.count()

    table = "\n".join(
        [
            f"Run on {timezone.localdate():%Y-%m-%d}, {time.monotonic() - started:,.0f} s in all, "
            f"one process calling `cases.sweep.sweep()` as the beat task does (batches of 500).",
            "",
            "| measure | value |",
            "| --- | --- |",
            f"| breaches processed per second, one worker ({args.due:,} due at once among {args.clocks:,} "
            f"running clocks; each breach writes its event, raises the priority and recomputes the case) "
            f"| {per_second:,.0f} /s |",
            f"| detection lag, due time → breached ({lag['breached']:,} clocks due over one minute, sweep every 1 s) "
            f"| p50 {lag['p50']:.2f} s, p99 {lag['p99']:.2f} s, max {lag['max']:.2f} s |",
            f"| empty sweep, {args.small:,} cases ({2 * args.small:,} clocks) | {small_ms:.2f} ms (median of 50) |",
            f"| empty sweep, {args.big:,} cases ({clocks_big:,} clocks) | {big_ms:.2f} ms (median of 50) |",
            f"| ratio big / small | {big_ms / small_ms:.2f} |",
            f"| worker memory (RSS): small empty sweeps / after the busy runs / big empty sweeps "
            f"| {small_rss:.0f} MB / {warm_rss:.0f} MB / {big_rss:.0f} MB |",
            "",
            "The due query at the big size (it reads the partial index `sla_clock_sweep_breach`, which holds",
            "only the clocks that can still fire, so an empty sweep does not grow with the table):",
            "",
            "```",
            plan,
            "```",
            "",
            'Reproduce: `make bench` (or `make bench BENCH_ARGS="--clocks 20000 --due 2000 --big 100000"` '
            "for a quick run).",
        ]
    )
    print("\n" + table)
    if not args.no_report:
        write_report(table)
        say("\nWritten to docs/performance.md")


if __name__ == "__main__":
    main()
