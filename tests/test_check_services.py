"""`make test` first checks PostgreSQL and Redis and says which one is down and how to start it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "check_services.py"


def run_check(**env_overrides) -> subprocess.CompletedProcess:
    env = {**os.environ, **env_overrides}
    return subprocess.run([sys.executable, str(SCRIPT)], env=env, capture_output=True, text=True, timeout=60)


def test_passes_when_both_services_answer():
    result = run_check(
        DATABASE_URL="postgres://postgres@127.0.0.1:5432/aftersales", REDIS_URL="redis://127.0.0.1:6379/15"
    )
    assert result.returncode == 0, result.stderr
    assert "reachable" in result.stdout


def test_names_postgresql_and_how_to_start_it_when_it_is_down():
    result = run_check(DATABASE_URL="postgres://postgres@127.0.0.1:1/aftersales", REDIS_URL="redis://127.0.0.1:6379/15")
    assert result.returncode == 2
    assert "PostgreSQL is not reachable at 127.0.0.1:1" in result.stderr
    assert "pg_ctlcluster" in result.stderr


def test_names_redis_and_how_to_start_it_when_it_is_down():
    result = run_check(DATABASE_URL="postgres://postgres@127.0.0.1:5432/aftersales", REDIS_URL="redis://127.0.0.1:1/0")
    assert result.returncode == 2
    assert "Redis is not reachable at 127.0.0.1:1" in result.stderr
    assert "redis-server" in result.stderr
