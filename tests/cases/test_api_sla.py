"""The SLA parts of the API: clocks on a case, the user's notifications, revisit tasks.

Who: agents, managers and admins read their own notifications and work revisits; the integration
role and a user without a role get 403; anonymous 401. Someone else's notification is a 404.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from cases.models import Notification, NotificationKind, RevisitReason
from cases.services import create_case
from cases.sla.follow_ups import create_revisit
from tests.cases.factories import CustomerFactory, TeamFactory
from tests.clients import token_client

pytestmark = pytest.mark.django_db

NOTES = "/api/v1/notifications/"
REVISITS = "/api/v1/revisits/"


def note_for(user, subject="Case RMA-1: first response due") -> Notification:
    return Notification.objects.create(
        user=user,
        email=user.email,
        kind=NotificationKind.SLA_WARNING,
        subject=subject,
        body="…",
        created_at=timezone.now(),
    )


@pytest.fixture
def revisit(agent):
    team = TeamFactory(lead=agent)
    case = create_case(customer=CustomerFactory(), kind="complaint", channel="email", team=team)
    task, _ = create_revisit(case=case, reason=RevisitReason.LOW_SCORE, note="CSAT 1")
    return task


def test_the_case_detail_shows_its_running_clocks_with_time_left(agent):
    case = create_case(customer=CustomerFactory(), kind="complaint", channel="email")
    response = token_client(agent).get(f"/api/v1/cases/{case.number}/")
    assert response.status_code == 200
    clocks = {c["kind"]: c for c in response.json()["clocks"]}
    assert set(clocks) == {"first_response", "resolution"}
    assert clocks["first_response"]["state"] == "running"
    assert 23 * 3600 < clocks["first_response"]["seconds_left"] <= 24 * 3600


@pytest.mark.parametrize("role", ["agent", "manager", "admin_user"])
def test_staff_read_and_mark_their_own_notifications(request, role):
    user = request.getfixturevalue(role)
    mine, other = note_for(user), note_for(request.getfixturevalue("outsider"))
    client = token_client(user)
    response = client.get(NOTES)
    assert response.status_code == 200
    assert [row["id"] for row in response.json()] == [mine.pk]
    assert client.post(f"{NOTES}{mine.pk}/read/").json()["read_at"] is not None
    assert client.get(NOTES, {"unread": "1"}).json() == []
    assert client.post(f"{NOTES}{other.pk}/read/").status_code == 404
    other.refresh_from_db()
    assert other.read_at is None


@pytest.mark.parametrize("role, status", [("integration_user", 403), ("outsider", 403)])
def test_who_may_not_read_notifications(request, role, status, agent):
    note = note_for(agent)
    client = token_client(request.getfixturevalue(role))
    assert client.get(NOTES).status_code == status
    assert client.post(f"{NOTES}{note.pk}/read/").status_code == status
    assert APIClient().get(NOTES).status_code == 401
    note.refresh_from_db()
    assert note.read_at is None


@pytest.mark.parametrize("query", [{"limit": "0"}, {"limit": "x"}, {"unread": "maybe"}])
def test_a_bad_filter_is_a_400_with_a_message(agent, query):
    response = token_client(agent).get(NOTES, query)
    assert response.status_code == 400
    assert list(query)[0] in response.json()


def test_staff_list_and_complete_revisits(agent, manager, revisit):
    client = token_client(agent)
    rows = client.get(REVISITS, {"mine": "1", "done": "0"}).json()
    assert [r["id"] for r in rows] == [revisit.pk]
    assert rows[0]["reason"] == "low_score" and rows[0]["case"] == revisit.case.number
    assert token_client(manager).get(REVISITS, {"mine": "1"}).json() == []
    done = client.post(f"{REVISITS}{revisit.pk}/complete/", {"outcome": "已回访，客户满意"}, format="json")
    assert done.status_code == 200 and done.json()["outcome"] == "已回访，客户满意"
    again = client.post(f"{REVISITS}{revisit.pk}/complete/", {"outcome": "second"}, format="json")
    assert again.status_code == 200 and again.json()["outcome"] == "已回访，客户满意", "the first outcome stays"
    assert client.get(REVISITS, {"done": "1"}).json()[0]["done_at"] is not None


@pytest.mark.parametrize("payload", [{}, {"outcome": ""}, {"outcome": "x" * 2001}])
def test_completing_a_revisit_needs_an_outcome_and_changes_nothing_without_one(agent, revisit, payload):
    response = token_client(agent).post(f"{REVISITS}{revisit.pk}/complete/", payload, format="json")
    assert response.status_code == 400
    assert "outcome" in response.json()
    revisit.refresh_from_db()
    assert revisit.done_at is None


@pytest.mark.parametrize("role", ["integration_user", "outsider"])
def test_who_may_not_see_or_complete_revisits(request, role, revisit):
    client = token_client(request.getfixturevalue(role))
    assert client.get(REVISITS).status_code == 403
    assert client.post(f"{REVISITS}{revisit.pk}/complete/", {"outcome": "x"}, format="json").status_code == 403
    assert APIClient().get(REVISITS).status_code == 401
    revisit.refresh_from_db()
    assert revisit.done_at is None


def test_an_unknown_revisit_is_a_404(agent):
    assert token_client(agent).post(f"{REVISITS}999999/complete/", {"outcome": "x"}, format="json").status_code == 404


def test_notifications_list_newest_first_and_limited(agent):
    old = note_for(agent, "old")
    Notification.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(hours=1))
    new = note_for(agent, "new")
    rows = token_client(agent).get(NOTES, {"limit": "1"}).json()
    assert [r["id"] for r in rows] == [new.pk]
