"""Real servers the fault tests break on purpose: a private PostgreSQL cluster, gunicorn, and a
Redis that keeps its queue on disk as production's does (docker-compose runs it with
``--appendonly yes``).

They build on the process helpers of ``tests/processes.py`` (free ports, ``wait_for``, the
environment of a product process, ``get``).
"""

from __future__ import annotations

import glob
import json
import os
import shutil
import subprocess
import sys
import tempfile
import urllib.error
import urllib.request
from pathlib import Path

from tests.processes import ROOT, Redis, env, free_port, get, redis_answers, wait_for

GUNICORN = str(Path(sys.executable).with_name("gunicorn"))
PG_BIN = Path(sorted(glob.glob("/usr/lib/postgresql/*/bin"))[-1]) if glob.glob("/usr/lib/postgresql/*/bin") else None
# PostgreSQL refuses to run as root; as root the cluster runs as the postgres account.
PG_USER = "postgres" if os.geteuid() == 0 else None


class PrivatePostgres:
    """A PostgreSQL cluster of its own (initdb + pg_ctl) on a free port, so it can be stopped."""

    def __init__(self):
        assert PG_BIN is not None, "PostgreSQL's server binaries are missing under /usr/lib/postgresql/*/bin"
        # Its own folder under /tmp (not pytest's tmp_path, which the postgres account cannot enter).
        self.port, self.root = free_port(), Path(tempfile.mkdtemp(prefix="aftersales-pg-"))
        self.data, self.log = self.root / "data", self.root / "postgres.log"

    def _run(self, *args: str) -> None:
        subprocess.run(args, check=True, capture_output=True, timeout=60, user=PG_USER)

    def init(self) -> PrivatePostgres:
        if PG_USER:
            shutil.chown(self.root, PG_USER)
        self._run(str(PG_BIN / "initdb"), "-D", str(self.data), "-U", "postgres", "-A", "trust", "-N", "-E", "UTF8")
        return self

    def start(self) -> None:
        options = (
            f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        )
        self._run(str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-o", options, "-l", str(self.log), "-w", "start")

    def stop(self) -> None:
        """A fast shutdown: the server ends every session and goes away, as in a failover."""
        if (self.data / "postmaster.pid").exists():
            self._run(str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop")

    def url(self, name: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{name}"

    def copy_database(self, source: dict, name: str) -> str:
        """Create ``name`` in this cluster as a copy of the migrated database ``source``."""
        copy_database(source, port=self.port, name=name)
        return self.url(name)

    def remove(self) -> None:
        self.stop()
        shutil.rmtree(self.root, ignore_errors=True)


class PersistentRedis(Redis):
    """The private redis-server of tests/processes.py, but with the append-only file on, as
    production runs it: a restart keeps what was queued."""

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "yes",
                "--appendfsync",
                "always",
                "--dir",
                str(self.dir),
            ],
            cwd=self.dir,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for(lambda: redis_answers(self.port), 10, "redis-server did not start")


class Gunicorn:
    """The web tier as the Procfile runs it (gunicorn, two workers), its log in a file."""

    def __init__(self, tmp: Path, database_url: str, redis_url: str):
        self.port, self.log = free_port(), tmp / "gunicorn.log"
        data = tmp / "web"
        data.mkdir()
        self.proc = subprocess.Popen(
            [
                GUNICORN,
                "aftersales.wsgi",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--workers",
                "2",
                "--timeout",
                "30",
                "--access-logfile",
                "-",
            ],
            cwd=ROOT,
            env=env(database_url, redis_url, data),
            stdout=self.log.open("w"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def wait_ready(self) -> None:
        def ready() -> bool:
            try:
                return get(self.base + "/healthz", timeout=5)[0] in (200, 503)
            except OSError:
                return False

        wait_for(ready, 30, "gunicorn did not answer", self.log)

    def workers(self) -> set[int]:
        """The pids of gunicorn's worker processes (a restarted worker gets a new one)."""
        children = Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children")
        return {int(pid) for pid in children.read_text().split()}

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, 15)
            self.proc.wait(20)

    def output(self) -> str:
        return self.log.read_text(errors="replace")


def manage_shell(code: str, database_url: str, tmp: Path, **variables: str) -> dict:
    """Run ``code`` in ``manage.py shell`` against ``database_url``; it prints one JSON object."""
    data = tmp / "shell"
    data.mkdir(exist_ok=True)
    done = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code],
        cwd=ROOT,
        env={**env(database_url, "redis://127.0.0.1:1/0", data), **variables},
        check=True,
        timeout=120,
        capture_output=True,
        text=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def fetch(url: str, *, data: bytes | None = None, headers: dict | None = None, timeout: float = 20):
    """One request: (status, headers, body text); an HTTP error status is an answer, not a raise."""
    method = "POST" if data else "GET"
    request = urllib.request.Request(url, data=data, headers=headers or {}, method=method)  # noqa: S310 - local
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 - our own local server
            return response.status, response.headers, response.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers, exc.read().decode("utf-8", "replace")


def copy_database(source: dict, *, port: int, name: str) -> None:
    """Create the database ``name`` on the server at 127.0.0.1:``port`` as a copy (schema and rows)
    of ``source`` (Django's settings_dict of the migrated test database): a few seconds, where
    migrating from scratch takes a quarter of a minute."""
    psql = [str(PG_BIN / "psql"), "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", "-q", "-v", "ON_ERROR_STOP=1"]
    subprocess.run([*psql, "-d", "postgres", "-c", f'CREATE DATABASE "{name}"'], check=True, timeout=30)
    dump = subprocess.Popen(
        [
            str(PG_BIN / "pg_dump"),
            *("-h", source.get("HOST") or "127.0.0.1", "-p", str(source.get("PORT") or 5432)),
            *("-U", source.get("USER") or "postgres", "--no-owner", "--no-privileges", source["NAME"]),
        ],
        stdout=subprocess.PIPE,
        env={**os.environ, "PGPASSWORD": source.get("PASSWORD") or ""},
    )
    subprocess.run([*psql, "-d", name], stdin=dump.stdout, check=True, timeout=120, capture_output=True)
    dump.stdout.close()
    assert dump.wait(30) == 0, "pg_dump of the test database failed"


def drop_database(name: str, *, port: int = 5432) -> None:
    psql = [str(PG_BIN / "psql"), "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", "-q", "-d", "postgres"]
    subprocess.run([*psql, "-c", f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'], check=True, timeout=30)
