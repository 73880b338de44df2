"""Benchmark of the workbench queue (issue 5): queries and time of a page at the bench database's size.

    make bench          # after benchmarks/sla_sweep.py has filled aftersales_bench (1,000,000 cases)
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/aftersales_bench .venv/bin/python benchmarks/desk_queue.py

It counts the SQL queries of one queue page (the number the tests pin at small sizes) and times
the first page, a deep page (by cursor), a filtered page and a search, each the median of 20 runs,
then writes the "Workbench queue" section of docs/performance.md.
"""

from __future__ import annotations

import os
import re
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aftersales.settings")
os.environ.setdefault("DEBUG", "1")

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from cases.models import Case  # noqa: E402
from cases.selectors import desk_queue  # noqa: E402


def timed(call, runs: int = 20) -> tuple[float, int]:
    """Median milliseconds of ``call`` and the number of queries of one call."""
    with CaptureQueriesContext(connection) as captured:
        call()
    timings = []
    for _ in range(runs):
        t = time.perf_counter()
        call()
        timings.append((time.perf_counter() - t) * 1000)
    return statistics.median(timings), len(captured)


def main() -> None:
    name = connection.settings_dict["NAME"]
    if connection.vendor != "postgresql" or not str(name).endswith("_bench"):
        sys.exit(f"Refusing to run on {name!r}: point DATABASE_URL at the bench database (make bench does).")
    cases = Case.objects.count()
    if cases < 1000:
        sys.exit("The bench database is nearly empty: run benchmarks/sla_sweep.py first (make bench does).")
    print(f"Measuring the queue over {cases:,} cases ...", flush=True)
    user, _ = get_user_model().objects.get_or_create(username="bench-agent", defaults={"is_staff": True})
    first = desk_queue(user=user, queue="open", filters={})
    middle = Case.objects.order_by("id").values_list("sla_due_at", "id")[cases // 2]
    rows = [
        ("first page, all open", lambda: desk_queue(user=user, queue="open", filters={})),
        ("deep page (cursor in the middle)", lambda: desk_queue(user=user, queue="open", filters={}, after=middle)),
        (
            "filtered: channel email, priority high",
            lambda: desk_queue(user=user, queue="open", filters={"channel": "email", "priority": "high"}),
        ),
        ("mine (nothing assigned)", lambda: desk_queue(user=user, queue="mine", filters={})),
        ("search a case number", lambda: desk_queue(user=user, queue="open", filters={}, search=first.rows[0].number)),
    ]
    results = []
    for label, call in rows:
        ms, queries = timed(call)
        print(f"  {label}: {queries} queries, {ms:.1f} ms", flush=True)
        results.append((label, queries, ms))
    table = "\n".join(
        [
            f"Run on {timezone.localdate():%Y-%m-%d} over {cases:,} cases (all open), a page of 25 rows with the "
            "customer, order, assignee and team joined and a count capped at 1,000 "
            "(`cases.selectors.desk_queue`, what /desk/ renders):",
            "",
            "| page | queries | median time |",
            "| --- | --- | --- |",
            *[f"| {label} | {queries} | {ms:.1f} ms |" for label, queries, ms in results],
            "",
            "The same page runs the same number of queries at 1 and at 40 cases in the tests "
            "(tests/cases/test_desk.py). Reproduce: `make bench`.",
        ]
    )
    path = ROOT / "docs" / "performance.md"
    text = path.read_text(encoding="utf-8")
    section = "## Workbench queue\n\n" + table + "\n"
    if "## Workbench queue" in text:
        text = re.sub(r"## Workbench queue\n.*?(?=\n## |\Z)", section, text, flags=re.S)
    else:
        text = text.rstrip("\n") + "\n\n" + section
    path.write_text(text, encoding="utf-8")
    print("\n" + table + "\n\nWritten to docs/performance.md")


if __name__ == "__main__":
    main()
