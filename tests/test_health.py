"""GET /healthz: 200 with the database and the broker up, 503 naming what is down."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import redis
from django.test import override_settings

from aftersales.tasks import heartbeat

REPO = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.django_db


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_healthz_is_ok_with_postgresql_and_redis(client):
    response = client.get("/healthz")

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"] == {"ok": True, "vendor": "postgresql"}
    assert body["broker"]["ok"] is True
    assert "redis" in body["broker"]["transport"]
    assert "no-cache" in response["Cache-Control"]


def test_healthz_reports_the_last_worker_heartbeat(client):
    beat = heartbeat()
    assert client.get("/healthz").json()["worker_heartbeat"] == beat


def test_healthz_answers_get_only(client):
    assert client.post("/healthz").status_code == 405


def test_healthz_is_503_when_nothing_listens_on_the_broker_port(client):
    with override_settings(CELERY_BROKER_URL=f"redis://127.0.0.1:{free_port()}/0"):
        started = time.monotonic()
        response = client.get("/healthz")

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["broker"]["ok"] is False and body["broker"]["error"]
    assert body["database"]["ok"] is True
    assert time.monotonic() - started < 10


@pytest.fixture
def own_redis(tmp_path):
    """A redis-server of our own on a free port, to stop in the middle of a test."""
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip("redis-server is not installed (apt-get install redis-server)")
    port = free_port()
    process = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", tmp_path],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"redis://127.0.0.1:{port}/0"
    deadline = time.monotonic() + 10
    while True:
        try:
            redis.Redis.from_url(url, socket_connect_timeout=1).ping()
            break
        except redis.ConnectionError:
            if time.monotonic() > deadline:
                process.kill()
                pytest.fail("our redis-server did not start within 10 s")
            time.sleep(0.1)
    yield process, url
    if process.poll() is None:
        process.terminate()
        process.wait(timeout=10)


def test_healthz_turns_503_when_the_broker_goes_down(client, own_redis):
    process, url = own_redis
    with override_settings(CELERY_BROKER_URL=url):
        assert client.get("/healthz").status_code == 200

        process.terminate()
        process.wait(timeout=10)
        response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json()["broker"]["ok"] is False


def test_healthz_is_503_when_the_database_is_unreachable(tmp_path):
    """A real unreachable DSN (nothing listens on the port), in a process of its own."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "aftersales.settings",
        "DEBUG": "1",
        "DATA_DIR": str(tmp_path / "data"),
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:{free_port()}/aftersales",
        "REDIS_URL": os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/15"),
    }
    code = (
        "import django, json; django.setup()\n"
        "from django.test import Client\n"
        "response = Client().get('/healthz')\n"
        "print(json.dumps({'status': response.status_code, 'body': response.json()}))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, env=env, capture_output=True, text=True, timeout=60, check=False
    )

    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout.strip().splitlines()[-1])
    assert answer["status"] == 503
    assert answer["body"]["status"] == "unavailable"
    assert answer["body"]["database"]["ok"] is False
    assert answer["body"]["database"]["error"] == "OperationalError"
    assert answer["body"]["broker"]["ok"] is True


def test_healthz_with_the_filesystem_broker_checks_its_folder(client, tmp_path):
    folder = tmp_path / "queue"
    folder.mkdir()
    options = {"data_folder_in": str(folder), "data_folder_out": str(folder)}
    with override_settings(CELERY_BROKER_URL="filesystem://", CELERY_BROKER_TRANSPORT_OPTIONS=options):
        assert client.get("/healthz").status_code == 200
        folder.rmdir()
        response = client.get("/healthz")

    assert response.status_code == 503
    broker = response.json()["broker"]
    assert broker["ok"] is False and broker["transport"] == "filesystem"
    assert "make run" in broker["error"]
