# ruff: noqa: S603, S607 - runs git and this Python on a worktree of the project itself, no outside input.
"""Benchmark: what the refund ledger's order lock costs on the resolve path (issue 16).

    make bench                       # runs this among the others, on the database aftersales_bench
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/aftersales_bench \\
        .venv/bin/python benchmarks/refund_resolve.py [--cases 200] [--baseline-commit 5f6520f]

Two resolves of approved refund-only cases (one order line each, 100.00 paid), alternated so the
machine's noise falls on both alike, through ``services.transition_case`` as the workbench calls it:

* a refunding resolve (``refund``, 50.00): with the ledger this locks the order row, checks the
  order's and the line's live refunds, writes the refund, its line, its cost line and its event;
* a resolve that moves no money (``goodwill_coupon``): the transition alone, the baseline.

Reported: queries per resolve (counted, repeatable) and the median time of each, as ratios. With
``--baseline-commit`` the same measurement runs first on that commit's code (a temporary git
worktree, on the database ``<name>_base``, migrated by that code), so today's refunding resolve is
also compared with the one before the ledger, in one run. The result is written to the "Refund
resolve" section of docs/performance.md. The script writes cases, so it runs only on a database
whose name ends in ``_bench``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlparse

HERE = Path(__file__).resolve().parents[1]
CODE = Path(os.environ.get("BENCH_CODE_ROOT", HERE))
sys.path.insert(0, str(CODE))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aftersales.settings")
os.environ.setdefault("DEBUG", "1")  # only so the settings skip the production checks


def say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def measure(cases: int) -> dict:
    import django

    django.setup()
    from decimal import Decimal

    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from cases.models import CaseStatus, Customer, Order, OrderLine
    from cases.services import LineRequest, create_case, transition_case

    name = connection.settings_dict["NAME"]
    if not name.endswith(("_bench", "_bench_base")):
        sys.exit(f"not a bench database: {name!r}")
    user, _ = get_user_model().objects.get_or_create(
        username="bench-refunds", defaults={"is_staff": True, "is_superuser": True}
    )
    now = timezone.now()
    stamp = int(time.time() * 1000)
    rows = []
    began = time.perf_counter()
    for i in range(2 * cases):
        customer = Customer.objects.create(
            external_id=f"RB-{stamp}-{i}", name=f"Bench {i}", email=f"rb{stamp}-{i}@example.com"
        )
        order = Order.objects.create(
            number=f"RB-{stamp}-{i}",
            customer=customer,
            status="delivered",
            placed_at=now - timezone.timedelta(days=5),
            delivered_at=now - timezone.timedelta(days=2),
            currency="CNY",
            paid_amount=Decimal("100.00"),
        )
        line = OrderLine.objects.create(
            order=order, line_no=1, sku="RB-1", name="Bench item", quantity=1, unit_price=100, paid_amount=100
        )
        case = create_case(
            customer=customer,
            kind="refund_only",
            channel="portal",
            order=order,
            lines=[LineRequest(order_line=line, quantity=1)],
        )
        if case.status == CaseStatus.NEW:
            transition_case(case=case, name="approve", actor=user)
        rows.append(case)
        if (i + 1) % 50 == 0:
            rate = (i + 1) / (time.perf_counter() - began)
            say(f"  set-up: {i + 1}/{2 * cases} cases, about {(2 * cases - i - 1) / rate:.0f} s left")
    kinds = {
        "refund": {"resolution_type": "refund", "refund_amount": "50.00"},
        "no_money": {"resolution_type": "goodwill_coupon"},
    }
    times: dict[str, list[float]] = {k: [] for k in kinds}
    queries: dict[str, list[int]] = {k: [] for k in kinds}
    began = time.perf_counter()
    for i, case in enumerate(rows):
        kind = "refund" if i % 2 == 0 else "no_money"
        connection.queries_log.clear()  # the log keeps 9,000 queries; a full one counts nothing
        with CaptureQueriesContext(connection) as captured:
            t0 = time.perf_counter()
            transition_case(case=case, name="resolve", actor=user, **kinds[kind])
            times[kind].append(time.perf_counter() - t0)
        queries[kind].append(len(captured.captured_queries))
        if (i + 1) % 50 == 0:
            rate = (i + 1) / (time.perf_counter() - began)
            say(f"  resolves: {i + 1}/{len(rows)}, about {(len(rows) - i - 1) / rate:.0f} s left")
    return {
        kind: {"median_ms": statistics.median(times[kind]) * 1000, "queries": statistics.median(queries[kind])}
        for kind in kinds
    }


def baseline(commit: str, cases: int, database_url: str) -> dict:
    """Run ``measure`` on ``commit``'s code in a temporary worktree and its own database."""
    url = urlparse(database_url)
    base_url = url._replace(path=url.path + "_base").geturl()
    tree = Path(tempfile.mkdtemp(prefix="refund-bench-")) / "tree"
    subprocess.run(["git", "-C", str(HERE), "worktree", "add", "--detach", str(tree), commit], check=True)
    try:
        env = {**os.environ, "DATABASE_URL": base_url, "BENCH_CODE_ROOT": str(tree), "DEBUG": "1"}
        sys.path.insert(0, str(HERE / "scripts"))
        from check_services import check_postgres

        check_postgres(base_url)
        say(f"Baseline: commit {commit}, database {url.path.lstrip('/')}_base")
        python = sys.executable
        subprocess.run([python, str(tree / "manage.py"), "migrate", "--no-input", "-v", "0"], env=env, check=True)
        out = subprocess.run(
            [python, __file__, "--cases", str(cases), "--json"], env=env, check=True, stdout=subprocess.PIPE, text=True
        )
        return json.loads(out.stdout)
    finally:
        subprocess.run(["git", "-C", str(HERE), "worktree", "remove", "--force", str(tree)], check=False)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--cases", type=int, default=200, help="resolves of each kind (default 200)")
    parser.add_argument("--baseline-commit", default="", help="also measure this commit's code (before the ledger)")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON only (used for the baseline)")
    parser.add_argument("--no-report", action="store_true", help="print only; leave docs/performance.md")
    args = parser.parse_args()
    if args.json:
        print(json.dumps(measure(args.cases)))
        return
    before = baseline(args.baseline_commit, args.cases, os.environ["DATABASE_URL"]) if args.baseline_commit else None
    say(f"Now: {args.cases} resolves of each kind")
    now = measure(args.cases)
    refund, plain = now["refund"], now["no_money"]
    lines = [
        "Resolving an approved refund-only case through `services.transition_case` (one order line, 100.00 paid), "
        f"{args.cases} resolves of each kind alternated, median per resolve.",
        "",
        "| resolve | queries | median | ratio to a resolve without money |",
        "| --- | ---: | ---: | ---: |",
    ]
    if before:
        b_refund, b_plain = before["refund"], before["no_money"]
        lines.append(
            f"| refund 50.00, before the ledger ({args.baseline_commit}) | {b_refund['queries']:.0f} | "
            f"{b_refund['median_ms']:.1f} ms | {b_refund['median_ms'] / b_plain['median_ms']:.2f} × |"
        )
        lines.append(
            f"| goodwill coupon, before the ledger ({args.baseline_commit}) | {b_plain['queries']:.0f} | "
            f"{b_plain['median_ms']:.1f} ms | 1.00 × |"
        )
    lines.append(
        f"| refund 50.00, the ledger (order lock, refund, line, cost line, event) | {refund['queries']:.0f} | "
        f"{refund['median_ms']:.1f} ms | {refund['median_ms'] / plain['median_ms']:.2f} × |"
    )
    lines.append(f"| goodwill coupon (no money) | {plain['queries']:.0f} | {plain['median_ms']:.1f} ms | 1.00 × |")
    if before:
        lines += [
            "",
            f"Across the two runs the refunding resolve with the ledger takes "
            f"{refund['median_ms'] / b_refund['median_ms']:.2f} × the time of the one before it, and the resolve "
            f"without money {plain['median_ms'] / b_plain['median_ms']:.2f} ×, with "
            f"{refund['queries'] - b_refund['queries']:+.0f} queries: the two runs are minutes apart on a shared "
            f"machine (and the rest of the code moved on too), so the ratio within each run is the steadier "
            f"figure for what the order lock costs.",
        ]
    lines += [
        "",
        "Reproduce: `make bench`, or alone: `DATABASE_URL=postgres://postgres@127.0.0.1:5432/aftersales_bench "
        f".venv/bin/python benchmarks/refund_resolve.py --cases {args.cases}"
        + (f" --baseline-commit {args.baseline_commit}`" if args.baseline_commit else "`"),
    ]
    table = "\n".join(lines)
    print(table)
    if not args.no_report:
        sys.path.insert(0, str(HERE / "benchmarks"))
        from benchserver import write_report

        write_report("Refund resolve", table)
        say("Written to docs/performance.md")


if __name__ == "__main__":
    main()
