"""``make run`` as a person starts it, for the end-to-end tests of both ways to run
(test_run_embedded.py: SQLite and the filesystem broker; test_run_postgres.py: PostgreSQL and
Redis): start it in its own process group, wait for health, the worker's heartbeat and the SLA
sweep, and stop it with Ctrl-C.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import time
import urllib.error
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pytest

from tests.processes import ROOT, free_port, get

START_TIMEOUT = 90  # seconds until /healthz answers 200 (migrate + seed_demo + servers; a loaded 2-core machine)
HEARTBEAT_TIMEOUT = 45  # beat sends the heartbeat every 30 s; the worker writes it to the cache
STOP_TIMEOUT = 20

# Variables of the test process that would steer the product away from what `make run` picks.
SCRUBBED = (
    "DJANGO_SETTINGS_MODULE",
    "DATABASE_URL",
    "REDIS_URL",
    "CELERY_BROKER_URL",
    "DEBUG",
    "DEMO_PASSWORD",
    "MAKEFLAGS",
    "MFLAGS",
    "MAKELEVEL",
)


@dataclass
class Product:
    """The running `make run`: its process group, its port and its printed output."""

    process: subprocess.Popen
    port: int
    log: Path

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def fail(self, message: str) -> None:
        tail = "\n".join(self.output().splitlines()[-60:])
        pytest.fail(f"{message}\n--- last lines of `make run` ---\n{tail}")

    def health(self) -> tuple[int, dict]:
        try:
            status, body = get(self.base + "healthz")
        except (OSError, urllib.error.URLError):
            return 0, {}
        try:
            return status, json.loads(body)
        except ValueError:
            return status, {}

    def wait_healthy(self) -> dict:
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                self.fail(f"`make run` exited with {self.process.returncode} before /healthz answered")
            status, body = self.health()
            if status == 200:
                return body
            time.sleep(0.5)
        self.fail(f"/healthz did not answer 200 within {START_TIMEOUT} s")
        raise AssertionError  # unreachable: pytest.fail raises

    def wait_heartbeat(self, *, since: datetime) -> str:
        """The worker ran the beat-scheduled heartbeat after ``since`` (a stale value does not count)."""
        deadline = time.monotonic() + HEARTBEAT_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                self.fail(f"`make run` exited with {self.process.returncode} while waiting for the heartbeat")
            _status, body = self.health()
            beat = body.get("worker_heartbeat")
            if beat and datetime.fromisoformat(beat) >= since:
                return beat
            time.sleep(1)
        self.fail(f"no worker heartbeat within {HEARTBEAT_TIMEOUT} s: is the worker with beat running?")
        raise AssertionError

    def wait_output(self, pattern: re.Pattern) -> str:
        """A line of the product's output matches ``pattern`` within the heartbeat timeout."""
        deadline = time.monotonic() + HEARTBEAT_TIMEOUT
        while time.monotonic() < deadline:
            found = pattern.search(self.output())
            if found:
                return found.group(0)
            if self.process.poll() is not None:
                break
            time.sleep(1)
        self.fail(f"nothing in the output matched {pattern.pattern!r}")
        raise AssertionError

    def stop(self) -> float:
        """Ctrl-C, as a person at the terminal would: SIGINT to the whole process group; then the
        group must be gone. Returns the seconds it took."""
        started = time.monotonic()
        pgid = self.process.pid
        try:
            os.killpg(pgid, signal.SIGINT)
        except ProcessLookupError:
            return 0.0
        deadline = started + STOP_TIMEOUT
        while time.monotonic() < deadline:
            self.process.poll()
            try:
                os.killpg(pgid, 0)
            except ProcessLookupError:
                return time.monotonic() - started
            time.sleep(0.2)
        os.killpg(pgid, signal.SIGKILL)
        self.process.wait(timeout=5)
        self.fail(f"processes of `make run` were still running {STOP_TIMEOUT} s after Ctrl-C")
        raise AssertionError


def start_product(tmp_path: Path, **env_overrides: str) -> Product:
    port = free_port()
    env = {name: value for name, value in os.environ.items() if name not in SCRUBBED}
    env.update(
        PORT=str(port),
        HOST="127.0.0.1",
        # A folder that does not exist yet, as on a fresh machine.
        DATA_DIR=str(tmp_path / "data"),
        PYTHONUNBUFFERED="1",
        SLA_SWEEP_SECONDS="5",
        **env_overrides,
    )
    log = tmp_path / "make-run.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            ["make", "run"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    return Product(process=process, port=port, log=log)


def check_running_product(product: Product, *, started: datetime, vendor: str, transport: str) -> None:
    """What `make run` promises: health, the pages, the worker with beat, the URL and the logins."""
    body = product.wait_healthy()
    assert body["status"] == "ok"
    assert body["database"] == {"ok": True, "vendor": vendor}
    assert body["broker"]["ok"] is True
    assert transport in body["broker"]["transport"]

    for path in ("admin/login/", "api/v1/docs/", "api/v1/schema/", ""):
        status, _ = get(product.base + path, timeout=20)
        assert status == 200, path

    output = product.output()
    assert product.base in output
    for user in ("agent", "manager", "admin"):
        assert f"{user}" in output and f"demo-{user}-2026" in output
    assert "Demo ready." in output

    product.wait_heartbeat(since=started)
    # The SLA sweep ran on beat and went through the demo cases' clocks (some are overdue).
    product.wait_output(re.compile(r"Task cases\.tasks\.sweep\[[^]]+\] succeeded .*'breached': [1-9]"))
