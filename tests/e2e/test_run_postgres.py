"""``make run`` against PostgreSQL and Redis, end to end, on a throwaway database."""

from __future__ import annotations

import uuid
from datetime import datetime

import psycopg2
import pytest
from psycopg2 import sql

from tests.e2e.make_run import STOP_TIMEOUT, check_running_product, start_product

PG = {"host": "127.0.0.1", "port": 5432, "user": "postgres", "connect_timeout": 5}
REDIS_URL = "redis://127.0.0.1:6379/14"


@pytest.fixture
def throwaway_database():
    name = f"aftersales_e2e_{uuid.uuid4().hex[:10]}"
    conn = psycopg2.connect(dbname="postgres", **PG)
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield f"postgres://postgres@127.0.0.1:5432/{name}"
    finally:
        with conn.cursor() as cur:
            cur.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        conn.close()


@pytest.mark.slow
def test_make_run_serves_the_product_on_postgresql_and_redis(tmp_path, throwaway_database):
    started = datetime.now().astimezone()
    product = start_product(tmp_path, DATABASE_URL=throwaway_database, REDIS_URL=REDIS_URL)
    try:
        check_running_product(product, started=started, vendor="postgresql", transport="redis")
        # Nothing of the embedded default was used.
        assert not (tmp_path / "data" / "aftersales.sqlite3").exists()
    finally:
        seconds = product.stop()
    assert seconds < STOP_TIMEOUT
    assert "Traceback" not in product.output()
