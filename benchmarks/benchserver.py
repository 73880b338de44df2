"""What the HTTP benchmarks share: a real gunicorn on the bench settings (with the no-op POST at
/bench/noop/), a free port, and the refusal to run on anything but a *_bench database. Importing
this module does not set Django up; the benchmarks do that first."""

from __future__ import annotations

import atexit
import http.client
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SETTINGS = "benchmarks.bench_settings"


def say(text: str) -> None:
    print(text, flush=True)


def refuse_unless_bench_database() -> str:
    from django.db import connection

    name = str(connection.settings_dict["NAME"])
    if connection.vendor != "postgresql" or not name.endswith("_bench") or name.startswith("test_"):
        sys.exit(
            f"Refusing to run on database {name!r} ({connection.vendor}): the benchmark writes customers and "
            "cases. Point DATABASE_URL at a PostgreSQL database whose name ends in _bench (make bench does)."
        )
    return name


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Gunicorn:
    def __init__(self, *, workers: int, log: Path):
        self.port, self.log = free_port(), log
        # memory://: nothing the requests queue reaches a real worker.
        env = {**os.environ, "DJANGO_SETTINGS_MODULE": SETTINGS, "DEBUG": "1", "CELERY_BROKER_URL": "memory://"}
        self.process = subprocess.Popen(  # noqa: S603 - our own virtual environment's gunicorn
            [
                str(Path(sys.executable).with_name("gunicorn")),
                "aftersales.wsgi:application",
                "--chdir",
                str(ROOT),
                "--workers",
                str(workers),
                "--worker-class",
                "sync",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--timeout",
                "120",
                "--log-level",
                "warning",
                "--error-logfile",
                str(log),
            ],
            env=env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.STDOUT,
        )
        atexit.register(self.stop)

    def wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                sys.exit(f"gunicorn exited with {self.process.returncode}:\n{self.tail()}")
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
                conn.request("POST", "/bench/noop/", body=b"{}", headers={"Content-Type": "application/json"})
                if conn.getresponse().status == 202:
                    conn.close()
                    return
            except OSError:
                time.sleep(0.2)
        sys.exit(f"gunicorn did not answer on 127.0.0.1:{self.port} within {timeout:.0f} s:\n{self.tail()}")

    def tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "unknown CPU"


def write_report(heading: str, section: str) -> None:
    """Write (or replace) the section ``## <heading>`` of docs/performance.md."""
    path = ROOT / "docs" / "performance.md"
    text = path.read_text(encoding="utf-8")
    section = f"## {heading}\n\n" + section.strip("\n") + "\n"
    pattern = rf"^## {re.escape(heading)}$"
    if re.search(pattern, text, flags=re.M):
        text = re.sub(pattern + r"\n.*?(?=^## |\Z)", lambda _: section + "\n", text, flags=re.S | re.M)
    else:
        text = text.rstrip("\n") + "\n\n" + section
    path.write_text(text.rstrip("\n") + "\n", encoding="utf-8")


def run_clients(client, *, threads: int, outcomes: list, eta_after) -> float:
    """Run ``client`` in ``threads`` threads until they are done, printing progress and an
    estimate every 3 s (``outcomes`` fills with one entry per request; None until it is sent;
    ``eta_after(rate)`` is the rest of the run after this round). Returns the seconds taken."""
    workers = [threading.Thread(target=client, daemon=True) for _ in range(threads)]
    began = time.perf_counter()
    for w in workers:
        w.start()
    next_report = began + 3
    while any(w.is_alive() for w in workers):
        for w in workers:
            w.join(timeout=0.2)
        now = time.perf_counter()
        if now >= next_report:
            next_report = now + 3
            done = sum(1 for o in outcomes if o is not None)
            rate = done / (now - began)
            left = (len(outcomes) - done) / rate if rate else 0
            say(
                f"     {done:>6,} / {len(outcomes):,}  {rate:>7,.0f} /s  "
                f"ETA {left:>4.0f} s this round, ~{left + eta_after(rate):,.0f} s for the run"
            )
    return time.perf_counter() - began
