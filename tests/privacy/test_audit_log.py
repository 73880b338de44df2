"""The personal data audit log: what writes a row, and that the admin shows it read only."""

from __future__ import annotations

import pytest

from cases import masking as masks
from cases.services import create_case
from privacy.models import AuditAction, AuditLog
from tests.cases.factories import CustomerFactory

pytestmark = pytest.mark.django_db

LIST = "/admin/privacy/auditlog/"


@pytest.fixture
def logged(agent):
    case = create_case(customer=CustomerFactory(), kind="complaint", channel="email", actor=agent)
    masks.record_access(actor=agent, action="view_case", customer_id=case.customer_id, case_id=case.pk)
    return AuditLog.objects.get()


def test_a_recorded_access_names_who_what_whom_and_the_case(logged, agent):
    assert logged.actor == agent and logged.actor_label == "agent-a"
    assert logged.action == AuditAction.VIEW_CASE and logged.case_number.startswith("RMA-")


def test_an_unknown_action_is_refused_and_writes_nothing(agent):
    with pytest.raises(ValueError):
        masks.record_access(actor=agent, action="peek", customer_id=1)
    assert not AuditLog.objects.exists()


def test_the_admin_lists_the_log_and_filters_it_by_customer(client, admin_user, logged):
    client.force_login(admin_user)
    page = client.get(LIST)
    assert page.status_code == 200 and logged.case_number in page.content.decode()
    assert logged.case_number in client.get(LIST, {"q": str(logged.customer_ref)}).content.decode()
    assert client.get(f"{LIST}{logged.pk}/change/").status_code == 200


def test_nobody_adds_changes_or_deletes_an_audit_row_in_the_admin(client, admin_user, logged):
    client.force_login(admin_user)
    assert client.get(f"{LIST}add/").status_code == 403
    assert client.post(f"{LIST}add/", {"action": "export", "at": "2026-01-01 00:00"}).status_code == 403
    client.post(f"{LIST}{logged.pk}/change/", {"reason": "tampered", "action": "export"})
    assert client.post(f"{LIST}{logged.pk}/delete/", {"post": "yes"}).status_code == 403
    client.post(LIST, {"action": "delete_selected", "_selected_action": [logged.pk], "post": "yes"})
    logged.refresh_from_db()
    assert logged.reason == "" and logged.action == AuditAction.VIEW_CASE
    assert AuditLog.objects.count() == 1


def test_agents_and_managers_do_not_see_the_audit_log(client, agent, manager, logged):
    for user in (agent, manager):
        client.force_login(user)
        assert client.get(LIST).status_code == 403
