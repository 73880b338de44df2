"""POST /api/v1/cases/{number}/messages/: an agent's reply to the customer or an internal note.

Who: agents, managers and admins (work_case); the integration role and a user without a role get
403, anonymous 401. A reply is a response for the SLA and reaches the customer by email.
"""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from cases.models import CaseEvent, ClockKind, ClockState, Notification, NotificationKind
from cases.services import create_case, transition_case
from tests.cases.factories import CustomerFactory
from tests.clients import token_client

pytestmark = pytest.mark.django_db


def url(case) -> str:
    return f"/api/v1/cases/{case.number}/messages/"


@pytest.fixture
def case(db):
    return create_case(customer=CustomerFactory(language="en"), kind="complaint", channel="email")


@pytest.mark.parametrize("role", ["agent", "manager", "admin_user"])
def test_staff_reply_to_the_customer_and_it_counts_as_the_first_response(request, role, case):
    response = token_client(request.getfixturevalue(role)).post(url(case), {"text": "We are on it."}, format="json")
    assert response.status_code == 201
    reply = CaseEvent.objects.get(case=case, type="reply")
    assert reply.public and reply.data == {"direction": "out"} and reply.note == "We are on it."
    assert response.json()["events"][-1]["note"] == "We are on it."
    assert case.clocks.get(kind=ClockKind.FIRST_RESPONSE).state == ClockState.STOPPED
    note = Notification.objects.get(case=case, kind=NotificationKind.CASE_UPDATE)
    assert note.email == case.customer.email and "We are on it." in note.body


def test_an_internal_note_is_not_shown_or_sent_to_the_customer(agent, case):
    response = token_client(agent).post(url(case), {"text": "VIP, be kind", "public": False}, format="json")
    assert response.status_code == 201
    event = CaseEvent.objects.get(case=case, type="note")
    assert not event.public
    assert not Notification.objects.filter(case=case).exists()
    assert case.clocks.get(kind=ClockKind.FIRST_RESPONSE).state == ClockState.RUNNING


@pytest.mark.parametrize("payload", [{}, {"text": "   "}, {"text": "x" * 5001}])
def test_an_empty_or_huge_message_is_a_400_and_nothing_is_written(agent, case, payload):
    response = token_client(agent).post(url(case), payload, format="json")
    assert response.status_code == 400
    assert not CaseEvent.objects.filter(case=case, type__in=["reply", "note"]).exists()


def test_a_closed_case_takes_no_reply(agent, case):
    transition_case(case=case, name="start", actor=agent)
    transition_case(case=case, name="resolve", actor=agent, resolution_type="answered")
    transition_case(case=case, name="close", actor=agent)
    response = token_client(agent).post(url(case), {"text": "Hello?"}, format="json")
    assert response.status_code == 400 and "closed" in response.json()["detail"]


@pytest.mark.parametrize("role, status", [("integration_user", 403), ("outsider", 403)])
def test_who_may_not_write(request, role, status, case):
    response = token_client(request.getfixturevalue(role)).post(url(case), {"text": "hi"}, format="json")
    assert response.status_code == status
    assert APIClient().post(url(case), {"text": "hi"}, format="json").status_code == 401
    assert not CaseEvent.objects.filter(case=case, type__in=["reply", "note"]).exists()


def test_an_unknown_case_is_a_404(agent):
    assert token_client(agent).post("/api/v1/cases/RMA-1900-000001/messages/", {"text": "x"}).status_code == 404
