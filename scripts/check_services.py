"""Check that PostgreSQL and Redis answer before the tests start, and create the database.

Run by ``make test`` with the project's virtual environment. Each failure says which service is
down and how to start it on this kind of machine.
"""

from __future__ import annotations

import os
import sys
from urllib.parse import urlparse

DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/aftersales"
DEFAULT_REDIS = "redis://127.0.0.1:6379/15"


def fail(message: str) -> None:
    print(f"\nERROR: {message}\n", file=sys.stderr)
    sys.exit(2)


def check_postgres(url: str) -> None:
    import psycopg2
    from psycopg2 import sql

    parts = urlparse(url)
    name = parts.path.lstrip("/") or "aftersales"
    params = {
        "host": parts.hostname or "127.0.0.1",
        "port": parts.port or 5432,
        "user": parts.username or "postgres",
        "password": parts.password or None,
        "connect_timeout": 5,
    }
    try:
        conn = psycopg2.connect(dbname="postgres", **params)
    except psycopg2.OperationalError as exc:
        fail(
            f"PostgreSQL is not reachable at {params['host']}:{params['port']} as {params['user']!r}: "
            f"{str(exc).strip()}\n"
            "Start it (on this machine: pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start)\n"
            "or point the tests at another server with DATABASE_URL=postgres://USER@HOST:PORT/NAME."
        )
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if cur.fetchone() is None:
            cur.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            print(f"created PostgreSQL database {name!r}")
    conn.close()


def check_redis(url: str) -> None:
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=5).ping()
    except redis.RedisError as exc:
        parts = urlparse(url)
        fail(
            f"Redis is not reachable at {parts.hostname}:{parts.port or 6379}: {exc}\n"
            "Start it (on this machine: redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save '' "
            "--appendonly no)\nor point the tests at another server with REDIS_URL=redis://HOST:PORT/DB."
        )


def main() -> None:
    check_postgres(os.environ.get("DATABASE_URL") or DEFAULT_DB)
    check_redis(os.environ.get("REDIS_URL") or os.environ.get("CELERY_BROKER_URL") or DEFAULT_REDIS)
    print("PostgreSQL and Redis are reachable.")


if __name__ == "__main__":
    main()
