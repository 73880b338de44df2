"""Two cases on one order resolved at the same moment, through the API, on two database connections.

A third connection holds the order row's lock while both requests start; the test waits until
PostgreSQL shows both of them waiting for that lock (so both are provably in flight, past every
check made before the lock), then lets go. The ledger must serve them one after the other: one
gets the refund, the other a clear 400 that says how much is left, and the order never refunds
more than it was paid.
"""

from __future__ import annotations

import threading
import time
from decimal import Decimal

import psycopg2
import pytest
from django.db import connection, connections

from cases.models import CaseStatus, CostKind, CostLine, Refund
from cases.money import ledger as refunds
from cases.services import LineRequest, create_case, transition_case
from tests.accounts.factories import UserFactory
from tests.cases.factories import OrderLineFactory
from tests.clients import token_client

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


def waiting_on_locks(dsn: str, table: str = "cases_order") -> int:
    """How many sessions of this database wait for a lock in a query that selects from ``table``
    (PostgreSQL shows the query's first kilobyte only, so the FOR UPDATE at its end may be cut off)."""
    with psycopg2.connect(dsn) as conn, conn.cursor() as cur:
        cur.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND wait_event_type = 'Lock' AND query ILIKE %s",
            (f'SELECT "{table}".%',),
        )
        return cur.fetchone()[0]


def hold_row_lock(table: str, pk: int):
    """A third connection that holds ``SELECT … FOR UPDATE`` on one row of ``table`` until it is
    rolled back; returns the DSN (for ``waiting_on_locks``) and the connection."""
    settings_dict = connection.settings_dict
    dsn = (
        f"dbname={settings_dict['NAME']} user={settings_dict['USER']} host={settings_dict['HOST']} "
        f"port={settings_dict['PORT']}"
    )
    holder = psycopg2.connect(dsn)
    holder.autocommit = False
    with holder.cursor() as cur:
        cur.execute(f"SELECT id FROM {table} WHERE id = %s FOR UPDATE", (pk,))  # noqa: S608 - our own table names
    return dsn, holder


def test_two_cases_on_one_order_resolved_at_once_refund_it_once():
    manager = UserFactory(username="race-manager", role="manager")
    line = OrderLineFactory(quantity=1, unit_price=Decimal("582.00"))
    order = line.order
    on_line = create_case(
        customer=order.customer,
        kind="refund_only",
        channel="portal",
        order=order,
        lines=[LineRequest(order_line=line, quantity=1)],
    )
    if on_line.status == CaseStatus.NEW:
        transition_case(case=on_line, name="approve", actor=manager)
    complaint = create_case(customer=order.customer, kind="complaint", channel="email", order=order)
    transition_case(case=complaint, name="start", actor=manager)

    dsn, holder = hold_row_lock("cases_order", order.pk)

    answers: dict[str, object] = {}

    def resolve(case):
        try:
            response = token_client(manager).post(
                f"/api/v1/cases/{case.number}/transitions/resolve/",
                {"resolution_type": "refund", "refund_amount": "582.00"},
                format="json",
            )
            answers[case.number] = response
        finally:
            connections.close_all()

    threads = [threading.Thread(target=resolve, args=(case,)) for case in (on_line, complaint)]
    try:
        for thread in threads:
            thread.start()
        deadline = time.monotonic() + 30
        while waiting_on_locks(dsn) < 2:
            assert time.monotonic() < deadline, "both resolves should be waiting for the order's lock"
            assert all(thread.is_alive() for thread in threads), f"a resolve did not wait for the lock: {answers}"
            time.sleep(0.05)
        assert not answers, "neither resolve may finish while the order is locked"
    finally:
        holder.rollback()  # whatever happened, let go: the test database's teardown needs the row
        holder.close()
        for thread in threads:
            thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads)

    codes = sorted(response.status_code for response in answers.values())
    assert codes == [200, 400], {n: (r.status_code, r.content[:300]) for n, r in answers.items()}
    refused = next(r for r in answers.values() if r.status_code == 400).json()
    assert "0.00 is left" in refused["detail"], refused
    assert Refund.objects.filter(order=order).count() == 1
    assert Refund.objects.get(order=order).amount == Decimal("582.00")
    assert CostLine.objects.filter(case__order=order, kind=CostKind.REFUND).count() == 1
    assert refunds.order_is_within_paid(order=order)
    winner, loser = sorted((on_line, complaint), key=lambda c: answers[c.number].status_code)
    loser.refresh_from_db()
    assert loser.status != CaseStatus.RESOLVED and not loser.refunds.exists()


def test_two_managers_granting_one_approval_at_once_refund_once():
    """The same request granted twice at the same moment (two managers, two connections, through the
    workbench): one grant resolves the case with its refund, the other is told it was decided."""
    from django.test import Client

    from cases.models import ApprovalRequest
    from cases.services import request_approval

    agent = UserFactory(username="race-agent", role="agent")
    managers = [UserFactory(username=f"race-manager-{n}", role="manager") for n in (1, 2)]
    line = OrderLineFactory(quantity=1, unit_price=Decimal("900.00"))
    case = create_case(
        customer=line.order.customer,
        kind="refund_only",
        channel="portal",
        order=line.order,
        lines=[LineRequest(order_line=line, quantity=1)],
    )
    if case.status == CaseStatus.NEW:
        transition_case(case=case, name="approve", actor=agent)
    request = request_approval(case=case, actor=agent, resolution_type="refund", refund_amount="900")

    dsn, holder = hold_row_lock("cases_approvalrequest", request.pk)
    answers: dict[str, object] = {}

    def grant(manager):
        try:
            client = Client()
            client.force_login(manager)
            answers[manager.username] = client.post(
                f"/desk/cases/{case.number}/approval/decide/", {"approve": "1", "note": "ok"}
            )
        finally:
            connections.close_all()

    threads = [threading.Thread(target=grant, args=(m,)) for m in managers]
    try:
        for thread in threads:
            thread.start()
        deadline = time.monotonic() + 30
        while waiting_on_locks(dsn, table="cases_approvalrequest") < 2:
            assert time.monotonic() < deadline, "both grants should be waiting for the request's lock"
            assert all(thread.is_alive() for thread in threads), f"a grant did not wait for the lock: {answers}"
            time.sleep(0.05)
    finally:
        holder.rollback()
        holder.close()
        for thread in threads:
            thread.join(timeout=60)
    codes = sorted(response.status_code for response in answers.values())
    assert codes == [302, 400], {n: (r.status_code, r.content[:200]) for n, r in answers.items()}
    refused = next(r for r in answers.values() if r.status_code == 400).content.decode()
    assert "already decided" in refused or "Nothing waits for an approval" in refused
    refund = Refund.objects.get(case=case)
    assert refund.amount == Decimal("900.00") and refund.key == f"approval-{request.pk}"
    assert ApprovalRequest.objects.get(pk=request.pk).approved is True
