"""Real processes for the end-to-end and fault tests: free ports, a private redis-server, a Celery
worker with beat, the environment of a product process, a direct connection to a PostgreSQL
database, HTTP GETs to a running server. Nothing here touches the test database or the Redis the
other tests use.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import psycopg2
import pytest

ROOT = Path(__file__).resolve().parents[1]
PG = {"host": "127.0.0.1", "port": 5432, "user": "postgres", "connect_timeout": 5}
CELERY = str(Path(sys.executable).with_name("celery"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Redis:
    def __init__(self, tmp: Path):
        self.port, self.dir, self.proc = free_port(), tmp, None

    def start(self) -> None:
        self.proc = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            cwd=self.dir,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for(lambda: redis_answers(self.port), 10, "redis-server did not start")

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(10)

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"


def redis_answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5) as s:
            s.sendall(b"PING\r\n")
            return s.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def wait_for(check, seconds: float, message: str, log: Path | None = None) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.2)
    tail = "\n".join(log.read_text(errors="replace").splitlines()[-30:]) if log and log.exists() else ""
    pytest.fail(f"{message} (waited {seconds} s)\n--- worker log ---\n{tail}")


def env(database_url: str, redis_url: str, data_dir: Path) -> dict:
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": os.environ.get("HOME", "/tmp"),
        "DEBUG": "1",
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "DATA_DIR": str(data_dir),
        "SLA_SWEEP_SECONDS": "1",
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        "PYTHONUNBUFFERED": "1",
    }


class Worker:
    """``celery worker -B`` in its own process group, its log in a file."""

    def __init__(self, tmp: Path, database_url: str, redis_url: str, name: str):
        self.log = tmp / f"{name}.log"
        data = tmp / name
        data.mkdir()
        self.proc = subprocess.Popen(
            [
                CELERY,
                "-A",
                "aftersales",
                "worker",
                "-B",
                "--concurrency",
                "1",
                "--loglevel",
                "INFO",
                "-n",
                f"{name}@%h",
            ],
            cwd=ROOT,
            env=env(database_url, redis_url, data),
            stdout=self.log.open("w"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def kill(self, sig=signal.SIGKILL) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, sig)
            self.proc.wait(20)

    def alive(self) -> bool:
        return self.proc.poll() is None


class Db:
    def __init__(self, name: str):
        self.conn = psycopg2.connect(dbname=name, **PG)
        self.conn.autocommit = True

    def one(self, query: str, *params):
        with self.conn.cursor() as cur:
            cur.execute(query, params)
            return cur.fetchone()[0]

    def all(self, query: str, *params):
        with self.conn.cursor() as cur:
            cur.execute(query, params)
            return cur.fetchall()


def get(url: str, timeout: float = 5) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 - our own local URL
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()
