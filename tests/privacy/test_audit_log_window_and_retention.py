"""The audit log stays the record of who looked without growing by a row per page load, and is not
kept for ever: views of one case (or one customer in the admin) by one user from one address
within AUDIT_VIEW_WINDOW_MINUTES write one row; reveals, exports, erasures and purges always
write theirs. Rows older than AUDIT_LOG_RETENTION_DAYS are purged daily by beat, in batches,
except the erasure rows (the proof of an erasure, which erasure itself reads back)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from celery.schedules import crontab
from django.conf import settings as django_settings
from django.db import connection
from django.test.utils import CaptureQueriesContext

from aftersales.celery import app
from cases import masking as masks
from cases.services import create_case
from core import clock
from privacy import services, tasks
from privacy.models import AuditAction, AuditLog
from tests.accounts.factories import UserFactory
from tests.cases.factories import CustomerFactory

pytestmark = pytest.mark.django_db

OFFICE, HOME = "198.51.100.10", "203.0.113.10"


@pytest.fixture
def case(agent):
    return create_case(customer=CustomerFactory(), kind="complaint", channel="email", actor=agent, subject="坏了")


def views() -> list[AuditLog]:
    return list(AuditLog.objects.filter(action=AuditAction.VIEW_CASE).order_by("at", "id"))


def open_page(client, case, address=OFFICE):
    assert client.get(f"/desk/cases/{case.number}/", REMOTE_ADDR=address).status_code == 200


# --- one row per window ---------------------------------------------------------------------------


def test_reloading_a_case_page_within_the_window_writes_one_row(client, agent, case, settings):
    assert settings.AUDIT_VIEW_WINDOW_MINUTES == 60
    client.force_login(agent)
    for _ in range(5):
        open_page(client, case)

    [row] = views()
    assert row.actor == agent and row.case_number == case.number and row.ip == OFFICE


def test_after_the_window_the_next_view_writes_a_new_row(client, agent, case):
    client.force_login(agent)
    open_page(client, case)
    AuditLog.objects.update(at=clock.now() - timedelta(minutes=61))

    open_page(client, case)
    open_page(client, case)

    assert len(views()) == 2


def test_another_user_another_case_or_another_address_writes_its_own_row(client, agent, case):
    colleague = UserFactory(username="agent-b", role="agent")
    second = create_case(customer=CustomerFactory(), kind="complaint", channel="email", actor=agent)
    client.force_login(agent)
    open_page(client, case)
    open_page(client, second)
    open_page(client, case, address=HOME)
    client.force_login(colleague)
    open_page(client, case)

    seen = {(row.actor.username, row.case_number, row.ip) for row in views()}
    assert seen == {
        ("agent-a", case.number, OFFICE),
        ("agent-a", second.number, OFFICE),
        ("agent-a", case.number, HOME),
        ("agent-b", case.number, OFFICE),
    }


def test_a_window_of_zero_writes_a_row_for_every_view(client, agent, case, settings):
    settings.AUDIT_VIEW_WINDOW_MINUTES = 0
    client.force_login(agent)
    for _ in range(3):
        open_page(client, case)

    assert len(views()) == 3


def test_the_admins_customer_page_is_one_row_per_window_too(client, admin_user, case):
    client.force_login(admin_user)
    page = f"/admin/cases/customer/{case.customer_id}/change/"
    for _ in range(3):
        assert client.get(page, REMOTE_ADDR=OFFICE).status_code == 200

    assert AuditLog.objects.filter(action=AuditAction.VIEW_CUSTOMER, customer_ref=case.customer_id).count() == 1


def test_every_reveal_is_recorded_even_within_the_window(agent, case):
    for reason in ("customer called back", "courier asked for the phone"):
        masks.record_access(
            actor=agent, action="reveal_contact", customer_id=case.customer_id, case_id=case.pk, reason=reason
        )

    assert AuditLog.objects.filter(action=AuditAction.REVEAL_CONTACT).count() == 2


# --- retention ------------------------------------------------------------------------------------


def aged(days: int, action: str = AuditAction.VIEW_CASE, n: int = 1) -> list[int]:
    """``n`` audit rows of ``action`` written ``days`` ago (their ids)."""
    rows = AuditLog.objects.bulk_create(
        AuditLog(at=clock.now() - timedelta(days=days), action=action, customer_ref=7, case_number=f"RMA-{days}")
        for _ in range(n)
    )
    return [row.pk for row in rows]


def test_rows_older_than_the_retention_are_purged_but_not_the_erasure_rows(settings):
    assert settings.AUDIT_LOG_RETENTION_DAYS == 365
    old = aged(400, n=3) + aged(366, AuditAction.REVEAL_CONTACT) + aged(400, AuditAction.EXPORT)
    erasure = aged(800, AuditAction.ERASE)
    kept = aged(300, n=2) + aged(10, AuditAction.REVEAL_CONTACT)

    assert services.purge_audit_log() == len(old)

    assert set(AuditLog.objects.values_list("pk", flat=True)) == set(erasure + kept)
    assert services.purge_audit_log() == 0  # a second run finds nothing more


def test_the_purge_deletes_in_batches(settings):
    aged(400, n=7)
    with CaptureQueriesContext(connection) as queries:
        assert services.purge_audit_log(batch_size=3) == 7
    deletes = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("DELETE")]
    assert len(deletes) == 3  # 3 + 3 + 1 rows
    assert not AuditLog.objects.exists()


def test_a_retention_of_zero_keeps_the_log_for_ever(settings):
    settings.AUDIT_LOG_RETENTION_DAYS = 0
    aged(4000, n=2)

    assert services.purge_audit_log() == 0
    assert AuditLog.objects.count() == 2


def test_beat_purges_the_audit_log_daily_through_the_service(settings):
    entry = django_settings.CELERY_BEAT_SCHEDULE["purge-audit-log"]
    assert entry["task"] == "privacy.tasks.purge_audit_log" and isinstance(entry["schedule"], crontab)
    app.loader.import_default_modules()
    assert entry["task"] in app.tasks
    aged(400, n=2)
    aged(1)

    assert tasks.purge_audit_log.apply().get() == {"deleted": 2}
    assert AuditLog.objects.count() == 1
