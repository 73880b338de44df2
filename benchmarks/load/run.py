"""Run the load scenario (locustfile.py) against the product as it runs in production: gunicorn
(two sync workers, as the Procfile) and a Celery worker with beat (solo pool, as the Procfile) on
PostgreSQL and Redis. Not a test: ``make load``; the results go to the "Load test" section of
docs/performance.md.

    make load                                     # 3 minutes, database aftersales_load, Redis db 12
    .venv/bin/python benchmarks/load/run.py --minutes 3 \\
        --database-url postgres://postgres@127.0.0.1:5432/aftersales_load --redis-url redis://127.0.0.1:6379/12

The database is dropped and made anew (migrate + seed.py) each run, so it must be one of its own:
its name must end in ``_load``. Prints one Markdown table (requests, failures, p50/p95/p99 per
request type), what the worker did with the outbox meanwhile, and the machine's load; the locust
CSV files and the servers' logs stay in the folder it names.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlparse

import psycopg2
from psycopg2 import sql

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
BIN = Path(sys.executable).parent
USERS = 24  # the sum of the fixed_count of the locustfile's users (8 agents, 6 customers, 6 mail, 4 chat)


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def product_env(args, data: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("DJANGO_SETTINGS_MODULE", "CELERY_BROKER_URL")}
    env.update(
        DEBUG="1",  # only so the settings skip the production checks; load_settings turns DEBUG off
        DJANGO_SETTINGS_MODULE="benchmarks.load.load_settings",
        DATABASE_URL=args.database_url,
        REDIS_URL=args.redis_url,
        DATA_DIR=str(data),
        # Replies and notifications are rendered and "sent" by the worker; nothing leaves the machine.
        EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend",
        PYTHONUNBUFFERED="1",
        PYTHONPATH=str(ROOT),
    )
    return env


def recreate_database(url: str) -> None:
    parts = urlparse(url)
    name = parts.path.lstrip("/")
    if not name.endswith("_load") or name.startswith("test_"):
        sys.exit(f"not a load database: {name!r} (its name must end in _load; it is dropped each run)")
    conn = psycopg2.connect(
        dbname="postgres",
        host=parts.hostname or "127.0.0.1",
        port=parts.port or 5432,
        user=parts.username or "postgres",
        password=parts.password or None,
    )
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        cur.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    conn.close()


def counts(url: str) -> dict:
    queries = {
        "cases": "SELECT count(*) FROM cases_case",
        "events": "SELECT count(*) FROM cases_caseevent",
        "messages in": "SELECT count(*) FROM channels_app_message WHERE direction = 'in'",
        "messages out": "SELECT count(*) FROM channels_app_message WHERE direction = 'out'",
        "messages out pending": (
            "SELECT count(*) FROM channels_app_message WHERE direction = 'out' AND status = 'pending'"
        ),
        "notifications": "SELECT count(*) FROM cases_notification WHERE email <> ''",
        "notifications unsent": "SELECT count(*) FROM cases_notification WHERE email <> '' AND sent_at IS NULL",
    }
    conn = psycopg2.connect(url)
    try:
        with conn.cursor() as cur:
            result = {}
            for label, query in queries.items():
                cur.execute(query)
                result[label] = cur.fetchone()[0]
            return result
    finally:
        conn.close()


def wait_healthy(base: str, seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(base + "/healthz", timeout=5) as response:  # noqa: S310 - our own server
                if response.status == 200:
                    return
        except (OSError, urllib.error.URLError):
            pass
        time.sleep(1)
    sys.exit(f"the product did not answer {base}/healthz within {seconds} s")


def table(stats_csv: Path) -> str:
    rows = list(csv.DictReader(stats_csv.open()))
    lines = [
        "| request | requests | failures | error rate | p50 ms | p95 ms | p99 ms | max ms | req/s |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for row in sorted(rows, key=lambda r: (r["Name"] == "Aggregated", r["Name"])):
        total, failed = int(row["Request Count"]), int(row["Failure Count"])
        name = "**all requests**" if row["Name"] == "Aggregated" else f"{row['Type']} {row['Name']}"
        lines.append(
            f"| {name} | {total} | {failed} | {100 * failed / total if total else 0:.2f} % | {row['50%']} | "
            f"{row['95%']} | {row['99%']} | {float(row['Max Response Time']):.0f} | {float(row['Requests/s']):.1f} |"
        )
    return "\n".join(lines)


def stop(process: subprocess.Popen, sig=signal.SIGTERM) -> None:
    if process.poll() is None:
        os.killpg(process.pid, sig)
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(10)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--minutes", type=float, default=3)
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/aftersales_load")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/12")
    parser.add_argument("--spawn-rate", type=float, default=3)
    parser.add_argument("--out", type=Path, default=None, help="folder of the CSV files and logs (default: a temp dir)")
    args = parser.parse_args()
    out = args.out or Path(tempfile.mkdtemp(prefix="aftersales-load-"))
    out.mkdir(parents=True, exist_ok=True)
    data = out / "data"
    data.mkdir(exist_ok=True)
    env = product_env(args, data)

    print(f"database {args.database_url} (made anew), Redis {args.redis_url}, results in {out}", flush=True)
    recreate_database(args.database_url)
    subprocess.run([sys.executable, "manage.py", "migrate", "--no-input", "-v", "0"], cwd=ROOT, env=env, check=True)
    seed = subprocess.run(  # noqa: S603 - our own script
        [sys.executable, str(HERE / "seed.py")], cwd=ROOT, env=env, check=True, capture_output=True
    )
    (out / "seed.json").write_bytes(seed.stdout.strip().splitlines()[-1])

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    web_log, worker_log = (out / "gunicorn.log").open("w"), (out / "worker.log").open("w")
    web = subprocess.Popen(  # noqa: S603 - the virtual environment's gunicorn
        [str(BIN / "gunicorn"), "aftersales.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", "2", "--timeout", "60"],
        cwd=ROOT,
        env=env,
        stdout=web_log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    worker = subprocess.Popen(  # noqa: S603 - the virtual environment's celery
        [
            str(BIN / "celery"),
            *("-A", "aftersales", "worker", "--beat", "--pool=solo", "--loglevel=info"),
            f"--schedule={data / 'celerybeat-schedule'}",
        ],
        cwd=ROOT,
        env=env,
        stdout=worker_log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        wait_healthy(base)
        before, load_before = counts(args.database_url), os.getloadavg()
        started = time.monotonic()
        locust = subprocess.run(  # noqa: S603 - the virtual environment's locust
            [
                str(BIN / "locust"),
                *("-f", str(HERE / "locustfile.py"), "--headless", "--only-summary"),
                *("-u", str(USERS), "-r", str(args.spawn_rate), "-t", f"{int(args.minutes * 60)}s"),
                *("--host", base, "--csv", str(out / "locust"), "--stop-timeout", "10"),
            ],
            cwd=ROOT,
            env={**os.environ, "LOAD_SEED": str(out / "seed.json"), "LOAD_REDIS_URL": args.redis_url},
            check=False,
        )
        ran = time.monotonic() - started
        load_after, during = os.getloadavg(), counts(args.database_url)
        # How long the worker needs to empty the outbox once the load stops (beat runs every 30 s).
        drained = None
        for second in range(90):
            now = counts(args.database_url)
            if now["messages out pending"] == 0 and now["notifications unsent"] == 0:
                drained = second
                break
            time.sleep(1)
        after = counts(args.database_url)
    finally:
        stop(web, signal.SIGINT)
        stop(worker)
        web_log.close()
        worker_log.close()

    tracebacks = {
        name: (out / name).read_text(errors="replace").count("Traceback") for name in ("gunicorn.log", "worker.log")
    }
    report = {
        "locust exit code": locust.returncode,
        "seconds": round(ran),
        "users": USERS,
        "cpus": os.cpu_count(),
        "load average before (1/5/15 min)": [round(x, 2) for x in load_before],
        "load average at the end": [round(x, 2) for x in load_after],
        "written during the run": {
            k: during[k] - before[k] for k in ("cases", "events", "messages in", "messages out")
        },
        "outbox at the end of the run": {k: during[k] for k in ("messages out pending", "notifications unsent")},
        "seconds until the worker had emptied the outbox": drained,
        "outbox afterwards": {k: after[k] for k in ("messages out pending", "notifications unsent")},
        "tracebacks in the logs": tracebacks,
    }
    markdown = table(out / "locust_stats.csv")
    (out / "results.md").write_text(markdown + "\n\n```json\n" + json.dumps(report, indent=2) + "\n```\n")
    print(markdown)
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
