"""Complaints with a category and a severity (issue 18): the shipped routing to the complaint team, the
1-hour clock of an urgent complaint, the classification's event and refusals, the revisit after every
resolved complaint, and who may classify on the API and the desk."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.db import IntegrityError, transaction
from rest_framework.test import APIClient

from cases.exceptions import InvalidInput, TransitionForbidden, TransitionNotAllowed
from cases.models import (
    Case,
    CaseEvent,
    CaseKind,
    Channel,
    ClockKind,
    ClockState,
    EventType,
    RevisitReason,
    RevisitTask,
    RoutingRule,
)
from cases.services import classify_complaint, create_case, transition_case
from core import clock
from tests.cases.factories import CaseFactory, CustomerFactory
from tests.clients import token_client

pytestmark = pytest.mark.django_db

NOON = datetime(2026, 11, 16, 4, 0, tzinfo=UTC)  # Monday 12:00 in Shanghai


@pytest.fixture
def now(monkeypatch):
    class Frozen:
        at = NOON

        def move(self, **delta):
            self.at += timedelta(**delta)

    frozen = Frozen()
    monkeypatch.setattr(clock, "now", lambda: frozen.at)
    return frozen


def complaint(channel: str = Channel.EMAIL) -> Case:
    return create_case(customer=CustomerFactory(), kind=CaseKind.COMPLAINT, channel=channel, subject="包裹丢了")


def first_response(case: Case):
    return case.clocks.get(kind=ClockKind.FIRST_RESPONSE, state=ClockState.RUNNING)


def test_an_urgent_logistics_complaint_goes_to_the_complaint_team_with_a_one_hour_clock(now, agent):
    case = complaint()
    assert case.team is not None and case.team.code == "complaints", "the shipped routing rule"
    rule = RoutingRule.objects.get(team=case.team)
    assert rule.kinds == ["complaint"]
    assert first_response(case).due_at == NOON + timedelta(hours=24), "not classified yet: the standard 24 hours"

    now.move(minutes=10)
    classify_complaint(case=case, actor=agent, category="logistics", severity="urgent", reason="parcel lost for 5 days")

    case.refresh_from_db()
    clock_ = first_response(case)
    assert (case.complaint_category, case.complaint_severity) == ("logistics", "urgent")
    assert clock_.policy.name == "Urgent complaints"
    assert clock_.due_at == NOON + timedelta(hours=1), "10 minutes used, 50 left of the hour"
    assert case.first_response_due_at == NOON + timedelta(hours=1) == case.sla_due_at


def test_a_corrected_severity_gives_the_normal_complaint_its_24_hours(now, agent):
    case = complaint()
    classify_complaint(case=case, actor=agent, category="payment", severity="urgent", reason="charged twice")
    now.move(minutes=20)
    classify_complaint(
        case=case, actor=agent, category="payment", severity="normal", reason="refund already on its way"
    )
    clock_ = first_response(case)
    assert clock_.policy.name == "Normal complaints"
    assert clock_.due_at == NOON + timedelta(hours=24)


def test_classifying_writes_one_event_with_who_why_and_what_it_was(agent):
    case = complaint()
    before = CaseEvent.objects.filter(case=case).count()
    classify_complaint(case=case, actor=agent, category="product_quality", severity="normal", reason="torn seam")
    event = CaseEvent.objects.filter(case=case).latest("id")
    assert CaseEvent.objects.filter(case=case).count() == before + 1
    assert (event.type, event.actor, event.note, event.public) == (EventType.UPDATED, agent, "torn seam", False)
    assert event.data["fields"] == ["complaint_category", "complaint_severity"]
    assert event.data["classification"] == {"category": "product_quality", "severity": "normal"}
    assert event.data["before"] == {"category": None, "severity": None}
    case.refresh_from_db()
    assert case.version == 2

    classify_complaint(case=case, actor=agent, category="product_quality", severity="normal", reason="again")
    assert CaseEvent.objects.filter(case=case).count() == before + 1, "nothing changed: nothing written"


@pytest.mark.parametrize(
    "category, severity, reason, field",
    [
        ("quality", "normal", "x", "category"),
        ("payment", "high", "x", "severity"),
        ("payment", "normal", "  ", "reason"),
    ],
)
def test_bad_values_are_refused_with_the_field_and_nothing_written(agent, category, severity, reason, field):
    case = complaint()
    events = CaseEvent.objects.filter(case=case).count()
    with pytest.raises(InvalidInput) as refused:
        classify_complaint(case=case, actor=agent, category=category, severity=severity, reason=reason)
    assert list(refused.value.details) == [field]
    case.refresh_from_db()
    assert (case.complaint_category, case.version) == (None, 1)
    assert CaseEvent.objects.filter(case=case).count() == events


def test_a_closed_complaint_or_another_kind_cannot_be_classified(agent):
    closed = CaseFactory(kind=CaseKind.COMPLAINT, status="closed", order=None)
    with pytest.raises(TransitionNotAllowed, match="can no longer change"):
        classify_complaint(case=closed, actor=agent, category="account", severity="normal", reason="x")
    inquiry = CaseFactory(kind=CaseKind.INQUIRY, order=None)
    with pytest.raises(TransitionNotAllowed, match="Only a complaint"):
        classify_complaint(case=inquiry, actor=agent, category="account", severity="normal", reason="x")
    assert not CaseEvent.objects.filter(case__in=[closed, inquiry]).exists()


def test_a_role_that_may_not_change_cases_may_not_classify(integration_user):
    case = complaint()
    with pytest.raises(TransitionForbidden):
        classify_complaint(case=case, actor=integration_user, category="account", severity="normal", reason="x")


def test_the_database_keeps_the_classification_on_complaints_only():
    case = CaseFactory(kind=CaseKind.RETURN)
    with pytest.raises(IntegrityError), transaction.atomic():
        Case.objects.filter(pk=case.pk).update(complaint_category="logistics")
    with pytest.raises(IntegrityError), transaction.atomic():
        Case.objects.filter(pk=case.pk).update(complaint_severity="urgent")


def test_every_resolved_complaint_gets_a_revisit_other_cases_only_by_sample(agent):
    """Sampling is off in the tests (tests/conftest.py): only the complaint's revisit is written."""
    case, inquiry = complaint(), create_case(customer=CustomerFactory(), kind=CaseKind.INQUIRY, channel="email")
    for c in (case, inquiry):
        transition_case(case=c, name="start", actor=agent)
        transition_case(case=c, name="resolve", actor=agent, resolution_type="answered", resolution_note="done")
    task = RevisitTask.objects.get(case=case)
    assert task.reason == RevisitReason.COMPLAINT and task.done_at is None
    assert task.team == case.team
    assert CaseEvent.objects.filter(case=case, type=EventType.FOLLOW_UP, data__follow_up="revisit").count() == 1
    assert not RevisitTask.objects.filter(case=inquiry).exists()


# --- the API ----------------------------------------------------------------------------------------------


def url(case: Case) -> str:
    return f"/api/v1/cases/{case.number}/classify/"


BODY = {"category": "logistics", "severity": "urgent", "reason": "快递丢件"}


@pytest.mark.parametrize("role", ["agent", "manager", "admin_user"])
def test_staff_who_change_cases_classify_over_the_api(request, role):
    case = complaint()
    response = token_client(request.getfixturevalue(role)).post(url(case), BODY, format="json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["complaint_category"], body["complaint_severity"]) == ("logistics", "urgent")
    assert body["events"][-1]["note"] == "快递丢件"


@pytest.mark.parametrize("role", ["integration_user", "outsider"])
def test_roles_without_change_case_get_403_and_nothing_is_written(request, role):
    case = complaint()
    response = token_client(request.getfixturevalue(role)).post(url(case), BODY, format="json")
    assert response.status_code == 403
    case.refresh_from_db()
    assert case.complaint_category is None


def test_anonymous_gets_401_and_an_unknown_case_404(agent):
    case = complaint()
    assert APIClient().post(url(case), BODY, format="json").status_code == 401
    assert token_client(agent).post("/api/v1/cases/RMA-2026-999999/classify/", BODY, format="json").status_code == 404


def test_the_api_refuses_bad_input_a_closed_case_and_a_stale_version(agent):
    api = token_client(agent)
    case = complaint()
    bad = api.post(url(case), {**BODY, "category": "weather"}, format="json")
    assert bad.status_code == 400 and "category" in str(bad.json())
    missing = api.post(url(case), {"category": "logistics"}, format="json")
    assert missing.status_code == 400
    stale = api.post(url(case), {**BODY, "version": 7}, format="json")
    assert stale.status_code == 409
    closed = CaseFactory(kind=CaseKind.COMPLAINT, status="closed", order=None)
    assert api.post(url(closed), BODY, format="json").status_code == 400
    case.refresh_from_db()
    assert (case.complaint_category, case.version) == (None, 1)


# --- the desk ---------------------------------------------------------------------------------------------


def test_an_agent_classifies_from_the_complaints_page(client, agent):
    case = complaint()
    client.force_login(agent)
    page = client.get(f"/desk/cases/{case.number}/")
    assert b'id="classify"' in page.content
    response = client.post(
        f"/desk/cases/{case.number}/classify/",
        {"version": case.version, "category": "account", "severity": "normal", "reason": "cannot log in"},
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert (case.complaint_category, case.complaint_severity) == ("account", "normal")


def test_the_desk_shows_a_refusal_and_writes_nothing(client, agent):
    case = complaint()
    client.force_login(agent)
    response = client.post(
        f"/desk/cases/{case.number}/classify/",
        {"version": case.version, "category": "account", "severity": "normal", "reason": ""},
    )
    assert response.status_code == 400
    assert "Say why the complaint is classified so." in response.content.decode()
    case.refresh_from_db()
    assert case.complaint_category is None


def test_a_return_has_no_classification_form(client, agent):
    case = CaseFactory(kind=CaseKind.RETURN)
    client.force_login(agent)
    assert b'id="classify"' not in client.get(f"/desk/cases/{case.number}/").content


@pytest.mark.parametrize("role", ["outsider", "integration_user"])
def test_the_desk_refuses_who_may_not_use_it(client, request, role):
    case = complaint()
    client.force_login(request.getfixturevalue(role))
    response = client.post(
        f"/desk/cases/{case.number}/classify/", {"category": "account", "severity": "normal", "reason": "x"}
    )
    assert response.status_code == 403
    case.refresh_from_db()
    assert case.complaint_category is None


def test_signed_out_the_desk_sends_to_the_login(client):
    case = complaint()
    response = client.post(
        f"/desk/cases/{case.number}/classify/", {"category": "account", "severity": "normal", "reason": "x"}
    )
    assert response.status_code == 302 and response["Location"].startswith("/desk/login/")
