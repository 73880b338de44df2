# ruff: noqa: S608 - the SQL below is built from constants only; values go in as parameters.
"""The SLA sweep under faults, with real processes: a Celery worker (with beat) killed in the
middle of a sweep, and Redis restarted under a running worker. Every due clock must end up
breached exactly once: no timer lost, none fired twice.

The product runs on a throwaway PostgreSQL database and a private redis-server on a free port, so
nothing here touches the other tests' databases or Redis.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.processes import ROOT, Db, Redis, Worker, env, wait_for

CREATE_CASES = """
import os
from cases.models import Customer
from cases.services import create_case
tag, count = os.environ["FAULT_TAG"], int(os.environ["FAULT_COUNT"])
customer = Customer.objects.create(name="Fault " + tag, email=tag + "@example.com")
for i in range(count):
    create_case(customer=customer, kind="complaint", channel="email", subject=tag + " " + str(i))
"""


def create_cases(url: str, tag: str, count: int, tmp: Path) -> None:
    subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", CREATE_CASES],
        cwd=ROOT,
        env={**env(url, "redis://127.0.0.1:1/0", tmp / "create"), "FAULT_TAG": tag, "FAULT_COUNT": str(count)},
        check=True,
        timeout=180,
        capture_output=True,
    )


CASES_OF = "SELECT id FROM cases_case WHERE subject LIKE %s"
DUE_CLOCKS = (
    "SELECT count(*) FROM cases_slaclock WHERE case_id IN (" + CASES_OF + ") AND state = 'running' AND due_at <= now()"
)
UNBREACHED = DUE_CLOCKS + " AND breached_at IS NULL"
BREACH_EVENTS = (
    "SELECT case_id, data->>'clock', count(*) FROM cases_caseevent WHERE type = 'sla_breach' "
    "AND case_id IN (" + CASES_OF + ") GROUP BY 1, 2"
)


def make_due(db: Db, tag: str) -> int:
    """Move the tag's running clocks four days into the past, so all of them are overdue.

    Every time of a clock moves together, so a recomputation (an escalation raises the priority)
    arrives at the same overdue times. Returns how many clocks are due.
    """
    shift = "interval '4 days'"
    with db.conn.cursor() as cur:
        cur.execute(
            f"UPDATE cases_slaclock SET started_at = started_at - {shift}, resumed_at = resumed_at - {shift}, "
            f"due_at = due_at - {shift}, warn_at = warn_at - {shift} "
            "WHERE state = 'running' AND case_id IN (" + CASES_OF + ")",
            (f"{tag} %",),
        )
        return cur.rowcount


def assert_each_due_clock_breached_once(db: Db, tag: str, due: int) -> None:
    like = f"{tag} %"
    assert db.one(UNBREACHED, like) == 0
    events = db.all(BREACH_EVENTS, like)
    assert len(events) == due, f"{len(events)} clocks breached of {due} due"
    doubled = [row for row in events if row[2] != 1]
    assert not doubled, f"breached more than once: {doubled[:5]}"


@pytest.mark.slow
def test_a_worker_killed_in_the_middle_of_a_sweep_loses_and_doubles_nothing(product_db, tmp_path):
    name, url = product_db
    redis = Redis(tmp_path)
    redis.start()
    db = Db(name)
    workers = []
    try:
        tag = "kill"
        create_cases(url, tag, 400, tmp_path)
        due = make_due(db, tag)
        assert due == 800  # first response and resolution of each case
        first = Worker(tmp_path, url, redis.url, "w1")
        workers.append(first)

        # The worker is inside a sweep batch when its database session holds an open transaction
        # that has locked case rows (the batch locks them with FOR UPDATE SKIP LOCKED).
        def sweeping() -> bool:
            return bool(
                db.one(
                    "SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
                    "WHERE a.datname = %s AND a.pid <> pg_backend_pid() AND l.mode = 'RowShareLock' "
                    "AND l.relation = 'cases_case'::regclass",
                    name,
                )
            )

        wait_for(sweeping, 60, "the worker never started a sweep", first.log)
        first.kill()
        breached_at_kill = due - db.one(UNBREACHED, f"{tag} %")
        assert breached_at_kill < due, "the kill came after the sweep had finished"
        print(f"killed with {breached_at_kill} of {due} clocks breached and committed")

        second = Worker(tmp_path, url, redis.url, "w2")
        workers.append(second)
        wait_for(
            lambda: db.one(UNBREACHED, f"{tag} %") == 0, 120, "the new worker did not finish the sweep", second.log
        )
        time.sleep(2)  # a few more sweeps: nothing may fire again
        assert_each_due_clock_breached_once(db, tag, due)
        assert "Traceback" not in second.log.read_text(errors="replace")
    finally:
        for worker in workers:
            worker.kill()
        redis.stop()
        db.conn.close()


@pytest.mark.slow
def test_a_redis_restart_under_a_running_worker_loses_and_doubles_nothing(product_db, tmp_path):
    name, url = product_db
    redis = Redis(tmp_path)
    redis.start()
    db = Db(name)
    worker = None
    try:
        tag = "redis"
        create_cases(url, tag, 50, tmp_path)
        worker = Worker(tmp_path, url, redis.url, "w3")
        wait_for(lambda: "ready." in worker.log.read_text(errors="replace"), 60, "the worker did not start", worker.log)
        redis.stop()
        due = make_due(db, tag)
        time.sleep(5)
        assert worker.alive(), "the worker must survive a broker outage"
        redis.start()
        wait_for(
            lambda: db.one(UNBREACHED, f"{tag} %") == 0,
            120,
            "the sweep did not catch up after Redis came back",
            worker.log,
        )
        time.sleep(2)
        assert_each_due_clock_breached_once(db, tag, due)
    finally:
        if worker is not None:
            worker.kill()
        redis.stop()
        db.conn.close()
