"""GET /api/v1/cases/{number}/transitions/ and POST /api/v1/cases/{number}/transitions/{name}/.

Who: agents, managers and admins list the steps and take them (the step's own permission:
work_case, decide_case, reopen_case). The integration role may open cases but holds none of the
step permissions: its POST is 403, and it may not list the steps (403). Anonymous is 401, a user
without a role 403. Answers: 200 with the case, 400 no such step / not from this status / bad
inputs, 403 not permitted, 404 no such case, 409 the case changed since the client read it.
"""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from cases import selectors
from cases.models import Case, CaseEvent, CaseStatus, CostLine
from tests.accounts.factories import UserFactory
from tests.cases.factories import CaseFactory
from tests.clients import token_client

pytestmark = pytest.mark.django_db


def steps_url(case) -> str:
    return f"/api/v1/cases/{case.number}/transitions/"


def step_url(case, name: str) -> str:
    return f"/api/v1/cases/{case.number}/transitions/{name}/"


# --- the list of steps ----------------------------------------------------------------------------


def test_a_new_return_offers_approve_reject_and_cancel(agent):
    case = CaseFactory(kind="return")
    response = token_client(agent).get(steps_url(case))
    assert response.status_code == 200
    by_name = {step["name"]: step for step in response.json()}
    assert list(by_name) == ["approve", "reject", "cancel", "start"]
    assert by_name["approve"] == {
        "name": "approve",
        "label": "Approve",
        "target": "approved",
        "allowed": True,
        "permitted": True,
        "unmet_conditions": [],
        "params": [],
    }
    assert by_name["reject"]["params"] == ["reason"]
    # start is for conversations: listed, but not allowed, with the reason.
    assert by_name["start"]["allowed"] is False
    assert by_name["start"]["unmet_conditions"] == ["the case is a complaint or an inquiry"]


def test_steps_without_permission_are_listed_as_not_permitted(agent):
    reader = UserFactory(username="reader")
    reader.user_permissions.add(*agent.groups.get().permissions.filter(codename__in=["view_case", "view_caseevent"]))
    case = CaseFactory(kind="complaint")
    steps = token_client(reader).get(steps_url(case)).json()
    assert {s["name"]: (s["permitted"], s["allowed"]) for s in steps}["start"] == (False, False)


@pytest.mark.parametrize(("role", "status"), [("manager", 200), ("admin_user", 200), ("integration_user", 403)])
def test_who_may_list_the_steps(request, role, status):
    case = CaseFactory()
    assert token_client(request.getfixturevalue(role)).get(steps_url(case)).status_code == status


def test_listing_steps_refuses_outsider_anonymous_and_unknown_cases(agent, outsider):
    case = CaseFactory()
    assert token_client(outsider).get(steps_url(case)).status_code == 403
    assert APIClient().get(steps_url(case)).status_code == 401
    unknown = token_client(agent).get("/api/v1/cases/RMA-1999-000001/transitions/")
    assert unknown.status_code == 404


# --- taking a step --------------------------------------------------------------------------------


def test_approving_answers_200_with_the_changed_case_and_its_event(agent):
    case = CaseFactory(kind="return")
    response = token_client(agent).post(step_url(case, "approve"), {"version": 1, "note": "OK"}, format="json")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["status"], body["version"]) == ("approved", 2)
    assert body["events"][-1]["transition"] == "approve"
    assert body["events"][-1]["note"] == "OK"
    event = CaseEvent.objects.get(case=case)
    assert (event.actor, event.from_status, event.to_status) == (agent, "new", "approved")


def test_a_step_with_inputs_passes_them_to_the_service(manager):
    case = CaseFactory(kind="complaint")
    client = token_client(manager)
    assert client.post(step_url(case, "start"), {}, format="json").status_code == 200
    response = client.post(
        step_url(case, "resolve"),
        {"resolution_type": "goodwill_coupon", "resolution_note": "Coupon sent", "version": 2},
        format="json",
    )
    assert response.status_code == 200, response.json()
    assert (response.json()["status"], response.json()["resolution_type"]) == ("resolved", "goodwill_coupon")


def test_a_refund_resolution_records_the_refund(agent):
    case = CaseFactory(kind="refund_only")
    case.order.paid_amount = "100.00"
    case.order.save()
    client = token_client(agent)
    client.post(step_url(case, "approve"), {}, format="json")
    response = client.post(
        step_url(case, "resolve"), {"resolution_type": "refund", "refund_amount": "40.00"}, format="json"
    )
    assert response.status_code == 200, response.json()
    assert response.json()["refund_amount"] == "40.00"
    assert CostLine.objects.get(case=case).amount == 40


def test_an_unknown_step_is_400(agent):
    case = CaseFactory()
    response = token_client(agent).post(step_url(case, "teleport"), {}, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "transition_not_allowed"
    assert "teleport" in response.json()["detail"]


def test_a_step_not_allowed_from_the_status_is_400_and_changes_nothing(agent):
    case = CaseFactory(kind="return")
    response = token_client(agent).post(step_url(case, "receive"), {}, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "transition_not_allowed"
    assert Case.objects.get(pk=case.pk).status == CaseStatus.NEW
    assert not CaseEvent.objects.filter(case=case).exists()


def test_a_condition_unmet_is_400_and_says_which(agent):
    case = CaseFactory(kind="complaint")
    response = token_client(agent).post(step_url(case, "approve"), {}, format="json")
    assert response.status_code == 400
    assert "about goods" in response.json()["detail"]


def test_missing_or_unknown_inputs_are_400(agent):
    case = CaseFactory()
    client = token_client(agent)
    missing = client.post(step_url(case, "reject"), {}, format="json")
    assert (missing.status_code, missing.json()["code"]) == (400, "invalid")
    unknown = client.post(step_url(case, "approve"), {"teleport_to": "Mars"}, format="json")
    assert unknown.status_code == 400
    assert "teleport_to" in unknown.json()
    not_taken = client.post(step_url(case, "approve"), {"carrier": "SF"}, format="json")
    assert (not_taken.status_code, not_taken.json()["code"]) == (400, "invalid")
    assert Case.objects.get(pk=case.pk).status == CaseStatus.NEW


def test_the_integration_may_not_take_steps(integration_user):
    case = CaseFactory()
    response = token_client(integration_user).post(step_url(case, "approve"), {}, format="json")
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    assert Case.objects.get(pk=case.pk).status == CaseStatus.NEW


def test_outsider_is_403_and_anonymous_401(outsider):
    case = CaseFactory()
    assert token_client(outsider).post(step_url(case, "approve"), {}, format="json").status_code == 403
    assert APIClient().post(step_url(case, "approve"), {}, format="json").status_code == 401
    assert Case.objects.get(pk=case.pk).status == CaseStatus.NEW


def test_a_step_on_an_unknown_case_is_404(agent):
    response = token_client(agent).post("/api/v1/cases/RMA-1999-000001/transitions/approve/", {}, format="json")
    assert response.status_code == 404


def test_a_stale_version_is_409_and_changes_nothing(agent):
    case = CaseFactory(kind="return")
    client = token_client(agent)
    client.post(step_url(case, "approve"), {"version": 1}, format="json")
    response = client.post(step_url(case, "cancel"), {"version": 1}, format="json")
    assert response.status_code == 409
    assert response.json()["code"] == "case_changed"
    assert Case.objects.get(pk=case.pk).status == CaseStatus.APPROVED


def test_a_change_between_reading_and_writing_is_409(agent, monkeypatch):
    case = CaseFactory(kind="return")
    read = selectors.case_by_number

    def read_then_someone_else_saves(*, number):
        loaded = read(number=number)
        Case.objects.filter(pk=loaded.pk).update(version=loaded.version + 1)
        return loaded

    monkeypatch.setattr(selectors, "case_by_number", read_then_someone_else_saves)
    response = token_client(agent).post(step_url(case, "approve"), {}, format="json")
    assert response.status_code == 409
    assert response.json()["code"] == "case_changed"
    stored = Case.objects.get(pk=case.pk)
    assert (stored.status, stored.version) == (CaseStatus.NEW, 2)
    assert not CaseEvent.objects.filter(case=case).exists()


def test_staff_with_a_session_need_the_csrf_token(agent):
    case = CaseFactory()
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(agent)
    assert client.post(step_url(case, "approve"), {}, format="json").status_code == 403
    assert Case.objects.get(pk=case.pk).status == CaseStatus.NEW
