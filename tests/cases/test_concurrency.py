"""Real races on one case over two database connections: one wins, the other gets a conflict,
nothing is lost or doubled."""

from __future__ import annotations

import threading

import pytest
from django.db import close_old_connections, connection, transaction

from cases import services
from cases.exceptions import CaseChanged
from cases.models import Case, CaseEvent
from tests.cases.factories import CaseFactory


def run_in_thread(target):
    """Run ``target`` in a thread with its own database connection; return (thread, result box)."""
    box: dict = {}

    def wrapper():
        try:
            box["result"] = target()
        except Exception as exc:  # noqa: BLE001 - the test inspects what was raised
            box["error"] = exc
        finally:
            connection.close()

    thread = threading.Thread(target=wrapper)
    thread.start()
    return thread, box


@pytest.mark.django_db(transaction=True)
def test_two_connections_racing_on_one_case_one_wins_one_conflicts(agent):
    case = CaseFactory()
    a_updated = threading.Event()
    b_started = threading.Event()

    def first():
        mine = Case.objects.get(pk=case.pk)
        with transaction.atomic():
            services.transition_case(case=mine, name="approve", actor=agent)
            a_updated.set()
            # Hold the row lock until the other connection has issued its write and is waiting.
            b_started.wait(5)
            with connection.cursor() as cur:
                cur.execute("SELECT pg_sleep(0.5)")
        return mine.status

    def second():
        mine = Case.objects.get(pk=case.pk)  # read before the first commits: status new, version 1
        a_updated.wait(5)
        b_started.set()
        services.transition_case(case=mine, name="cancel", actor=agent)  # blocks on the lock, then loses
        return mine.status

    t1, r1 = run_in_thread(first)
    t2, r2 = run_in_thread(second)
    t1.join(10)
    t2.join(10)
    close_old_connections()

    assert r1.get("result") == "approved", r1
    assert isinstance(r2.get("error"), CaseChanged), r2
    stored = Case.objects.get(pk=case.pk)
    assert stored.status == "approved"
    assert stored.version == 2
    assert list(CaseEvent.objects.filter(case=case).values_list("transition", flat=True)) == ["approve"]


@pytest.mark.django_db(transaction=True)
def test_many_connections_same_step_exactly_one_succeeds(agent):
    case = CaseFactory()
    barrier = threading.Barrier(4)

    def attempt():
        mine = Case.objects.get(pk=case.pk)
        barrier.wait(5)
        services.transition_case(case=mine, name="approve", actor=agent)
        return "ok"

    runs = [run_in_thread(attempt) for _ in range(4)]
    for thread, _box in runs:
        thread.join(10)
    close_old_connections()
    results = [box for _t, box in runs]
    assert sum(1 for box in results if box.get("result") == "ok") == 1
    assert all(isinstance(box["error"], CaseChanged) for box in results if "error" in box)
    assert CaseEvent.objects.filter(case=case).count() == 1
    assert Case.objects.get(pk=case.pk).version == 2


@pytest.mark.django_db(transaction=True)
def test_concurrent_case_numbers_never_repeat():
    numbers: list[str] = []
    lock = threading.Lock()
    barrier = threading.Barrier(4)

    def allocate():
        barrier.wait(5)
        for _ in range(10):
            with transaction.atomic():
                number = services.allocate_case_number(year=2031)
            with lock:
                numbers.append(number)

    runs = [run_in_thread(allocate) for _ in range(4)]
    for thread, box in runs:
        thread.join(20)
        assert "error" not in box, box
    close_old_connections()
    assert len(numbers) == 40 and len(set(numbers)) == 40
    assert sorted(numbers)[-1] == "RMA-2031-000040"
