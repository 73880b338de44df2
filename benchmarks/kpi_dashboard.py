"""Benchmark of the KPI dashboard, the KPI API and the agent queue at 10,000 / 100,000 / 1,000,000 cases.

    make bench
    DEBUG=1 DATABASE_URL=postgres://postgres@127.0.0.1:5432/aftersales_bench \\
        .venv/bin/python benchmarks/kpi_dashboard.py [--sizes 10000,100000,1000000] [--runs 40]

For each size it fills the bench database with ``manage.py seed_bench --cases N --seed 1 --reset``
(18 months of synthetic history, rollups rebuilt), runs VACUUM ANALYZE, starts gunicorn on the
bench settings (one sync worker, so requests are timed one at a time) and signs in a manager.
Then, in one run and in turns so that the machine's noise hits every endpoint alike, it times:

- ``GET /bench/noop-get/``: a no-op behind the same middleware and session (the floor);
- ``GET /dashboard/`` (last 30 days) and ``GET /api/v1/kpis/?split=channel``, with the report
  cache off (every request computes its report from the rollups) and with it on;
- ``GET /api/v1/kpis/?source=live``: the naive way, every figure aggregated from the raw rows;
- ``GET /desk/?queue=all``: the agent queue list.

It counts the SQL queries of each request in-process (Django's test client) and writes the
"KPI dashboard" section of docs/performance.md: p50 / p95 per endpoint and size, and the ratios
the issue asks for (dashboard ÷ no-op, naive ÷ dashboard, 1M ÷ 10k).
"""

from __future__ import annotations

import argparse
import http.client
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "benchmarks.bench_settings")
os.environ.setdefault("DEBUG", "1")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from benchmarks.benchserver import (  # noqa: E402
    Gunicorn,
    cpu_model,
    percentile,
    refuse_unless_bench_database,
    say,
    write_report,
)
from core.roles import ensure_roles  # noqa: E402

ENDPOINTS = {
    "noop": "/bench/noop-get/",
    "dashboard": "/dashboard/",
    "kpi_api": "/api/v1/kpis/?split=channel",
    "queue": "/desk/?queue=all",
}
NAIVE = "/api/v1/kpis/?source=live"


def manager_session() -> tuple[str, str]:
    """A superuser manager and a session cookie for it (superuser: the live source is allowed)."""
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    groups = ensure_roles()
    user, _ = get_user_model().objects.get_or_create(
        username="bench-manager", defaults={"is_staff": True, "is_superuser": True}
    )
    user.is_staff = user.is_superuser = True  # seed_bench may have made this user a plain manager
    user.save(update_fields=["is_staff", "is_superuser"])
    user.groups.add(groups["manager"])
    store = SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.create()
    return user.username, store.session_key


def count_queries(path: str, user) -> int:
    client = Client()
    client.force_login(user)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    if response.status_code != 200:
        sys.exit(f"GET {path} answered {response.status_code}: the benchmark needs a working page.")
    return len(captured)


def get(port: int, path: str, cookie: str) -> float:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    began = time.perf_counter()
    conn.request("GET", path, headers={"Cookie": f"{settings.SESSION_COOKIE_NAME}={cookie}"})
    response = conn.getresponse()
    response.read()
    took = (time.perf_counter() - began) * 1000
    conn.close()
    if response.status != 200:
        sys.exit(f"GET {path} answered {response.status}")
    return took


def time_endpoints(*, cache_seconds: int, runs: int, naive_runs: int, cookie: str, log: Path) -> dict:
    os.environ["ANALYTICS_CACHE_SECONDS"] = str(cache_seconds)
    server = Gunicorn(workers=1, log=log)
    server.wait_ready()
    try:
        for path in ENDPOINTS.values():  # warm up: imports, connections, the first cache fill
            get(server.port, path, cookie)
        timings: dict[str, list[float]] = {name: [] for name in ENDPOINTS}
        began = time.perf_counter()
        for n in range(runs):
            for name, path in ENDPOINTS.items():
                timings[name].append(get(server.port, path, cookie))
            if n and n % 10 == 0:
                per_round = (time.perf_counter() - began) / n
                say(f"     round {n}/{runs}, about {per_round * (runs - n):.0f} s left")
        if naive_runs:
            timings["naive"] = []
            for n in range(naive_runs):
                timings["naive"].append(get(server.port, NAIVE, cookie))
                say(f"     naive live aggregation {n + 1}/{naive_runs}: {timings['naive'][-1]:,.0f} ms")
        return timings
    finally:
        server.stop()


def summary(values: list[float]) -> dict:
    return {"p50": percentile(values, 0.5), "p95": percentile(values, 0.95)}


def measure(size: int, args) -> dict:
    say(f"== {size:,} cases ==")
    from cases.models import Case

    began = time.perf_counter()
    if args.reuse and Case.objects.count() == size:
        seeded = None
        say("   the database already holds this many cases (--reuse): not seeding; VACUUM ANALYZE ...")
    else:
        call_command("seed_bench", cases=size, seed=1, reset=True, verbosity=1)
        seeded = time.perf_counter() - began
        say(f"   seeded in {seeded:,.0f} s; VACUUM ANALYZE ...")
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    _, cookie = manager_session()
    user = get_user_model().objects.get(username="bench-manager")
    queries = {name: count_queries(path, user) for name, path in ENDPOINTS.items() if name != "noop"}
    log = ROOT / "data" / "bench-kpi-gunicorn.log"
    log.parent.mkdir(exist_ok=True)
    say("   timing with the report cache off ...")
    cold = time_endpoints(cache_seconds=0, runs=args.runs, naive_runs=args.naive_runs, cookie=cookie, log=log)
    say("   timing with the report cache on ...")
    warm = time_endpoints(cache_seconds=60, runs=args.runs, naive_runs=0, cookie=cookie, log=log)
    return {
        "size": size,
        "seeded_s": seeded,
        "queries": queries,
        "cold": {name: summary(v) for name, v in cold.items()},
        "warm": {name: summary(v) for name, v in warm.items()},
    }


def _seconds(value: float | None) -> str:
    return "(reused)" if value is None else f"{value:,.0f}"


def pair(d: dict) -> str:
    return f"{d['p50']:.1f} / {d['p95']:.1f}"


def render(results: list[dict], args) -> str:
    sizes = ",".join(str(r["size"]) for r in results)
    lines = [
        f"Measured {time.strftime('%Y-%m-%d')} on {cpu_model()} (2 cores, shared), PostgreSQL on 127.0.0.1; "
        "one gunicorn sync worker on `benchmarks.bench_settings`; one client; "
        f"{args.runs} rounds per size, each round one request to every endpoint in turn, so the noise of the "
        "shared machine falls on all alike. Reproduce: `make bench`, or "
        "`DEBUG=1 DATABASE_URL=postgres://postgres@127.0.0.1:5432/aftersales_bench "
        f".venv/bin/python benchmarks/kpi_dashboard.py --sizes {sizes}`.",
        "",
        "Data: `manage.py seed_bench --cases N --seed 1` (18 months, channel / kind / reason mix, the Singles' "
        "Day peak, surveys, costs, ~1.3 orders per case); then the rollups are rebuilt and VACUUM ANALYZE runs. "
        "The dashboard and the API show the last 30 days. *Cache off* is `ANALYTICS_CACHE_SECONDS=0`: every "
        "request computes its report from the rollups (daily tables for the sealed days, CaseFact for today and "
        "for the medians and p90s). *Cache on* is the default: a report is reused until the next refresh "
        "changes the rollups. *Naive* is `?source=live`: every figure aggregated from the raw rows (cases, "
        "events, clocks, costs, lines, answers, orders), as a help desk without rollups would.",
        "",
        "| cases | seed (s) | no-op (ms) | dashboard (ms) | KPI API (ms) | queue (ms) | dashboard, cache on (ms) "
        "| naive live p50 (ms) | queries: dashboard / API / queue |",
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in results:
        c, w, q = r["cold"], r["warm"], r["queries"]
        naive = f"{c['naive']['p50']:,.0f}" if "naive" in c else "–"
        lines.append(
            f"| {r['size']:,} | {_seconds(r['seeded_s'])} | {pair(c['noop'])} | {pair(c['dashboard'])} "
            f"| {pair(c['kpi_api'])} | {pair(c['queue'])} | {pair(w['dashboard'])} | {naive} "
            f"| {q['dashboard']} / {q['kpi_api']} / {q['queue']} |"
        )
    lines += [
        "",
        "Each cell is p50 / p95. Ratios (the targets of issue 8):",
        "",
        "| cases | dashboard p95 ÷ no-op p95 (target ≤ 10) | the same, cache on "
        "| naive p50 ÷ KPI API p50 (target ≥ 20) |",
        "| ---: | ---: | ---: | ---: |",
    ]
    for r in results:
        c, w = r["cold"], r["warm"]
        naive = f"{c['naive']['p50'] / c['kpi_api']['p50']:,.0f}" if "naive" in c else "–"
        lines.append(
            f"| {r['size']:,} | {c['dashboard']['p95'] / c['noop']['p95']:.1f} "
            f"| {w['dashboard']['p95'] / w['noop']['p95']:.1f} | {naive} |"
        )
    if len(results) > 1:
        small, big = results[0], results[-1]

        def growth(mode: str, name: str) -> str:
            return f"{big[mode][name]['p95'] / small[mode][name]['p95']:.2f}"

        lines += [
            "",
            f"Growth from {small['size']:,} to {big['size']:,} cases, p95 (target ≤ 1.5 for the dashboard): "
            f"dashboard × {growth('cold', 'dashboard')} (cache off), × {growth('warm', 'dashboard')} (cache on); "
            f"KPI API × {growth('cold', 'kpi_api')}; queue × {growth('cold', 'queue')}.",
        ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="10000,100000,1000000", help="case counts, comma-separated")
    parser.add_argument("--runs", type=int, default=40, help="timed rounds per size")
    parser.add_argument("--naive-runs", type=int, default=3, help="timed naive live aggregations per size")
    parser.add_argument(
        "--reuse", action="store_true", help="keep the bench database when it already holds N cases (no reseed)"
    )
    args = parser.parse_args()
    refuse_unless_bench_database()
    call_command("migrate", interactive=False, verbosity=0)  # the bench database follows the code
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    results = [measure(size, args) for size in sizes]
    section = render(results, args)
    write_report("KPI dashboard", section)
    say(section)


if __name__ == "__main__":
    main()
