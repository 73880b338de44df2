"""Admin: every model is there, the steps of the state machine run through the service, and who
may use it."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.contrib import admin
from django.urls import reverse

from cases.models import Case, CaseEvent
from tests.factories import CaseFactory, OrderLineFactory


def test_every_model_of_the_cases_app_is_in_the_admin():
    missing = [m.__name__ for m in apps.get_app_config("cases").get_models() if not admin.site.is_registered(m)]
    assert missing == []


def change_form_data(case: Case) -> dict:
    """The change form's fields as the browser would post them, with empty inlines."""
    data = {
        "channel": case.channel,
        "priority": case.priority,
        "reason_code": case.reason_code,
        "subject": case.subject,
        "reason_text": case.reason_text,
        "team": "",
        "assignee": "",
        "currency": case.currency,
    }
    for prefix in ("lines", "costs", "attachments", "events"):
        data.update({f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0", f"{prefix}-MAX_NUM_FORMS": "1000"})
    return data


@pytest.mark.django_db
@pytest.mark.parametrize("model", [m for m in apps.get_app_config("cases").get_models() if admin.site.is_registered(m)])
def test_admin_lists_and_pages_render_for_admin(client, admin_user, model):
    OrderLineFactory()
    CaseFactory()
    client.force_login(admin_user)
    opts = model._meta
    response = client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"))
    assert response.status_code == 200
    obj = model.objects.first()
    if obj is not None:
        response = client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk]))
        assert response.status_code == 200


@pytest.mark.django_db
def test_case_page_shows_the_steps_and_approve_runs_through_the_service(client, agent):
    case = CaseFactory()
    client.force_login(agent)
    url = reverse("admin:cases_case_change", args=[case.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert b"_fsm_transition_to" in page.content and b"approve" in page.content

    response = client.post(url, {**change_form_data(case), "_fsm_transition_to": "approve"})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == "approved"
    event = CaseEvent.objects.get(case=case, type="transition")
    assert (event.transition, event.actor) == ("approve", agent)


@pytest.mark.django_db
def test_admin_reject_asks_for_the_reason_and_refuses_an_empty_one(client, agent):
    case = CaseFactory()
    client.force_login(agent)
    url = reverse("admin:cases_case_transition", kwargs={"object_id": case.pk, "transition_name": "reject"})
    assert client.get(url).status_code == 200
    response = client.post(url, {"reason": ""})
    assert response.status_code == 200  # the form again, with its error
    assert Case.objects.get(pk=case.pk).status == "new"
    response = client.post(url, {"reason": "Custom-made item"})
    assert response.status_code == 302
    case.refresh_from_db()
    assert (case.status, case.rejection_reason) == ("rejected", "Custom-made item")


@pytest.mark.django_db
def test_admin_edit_bumps_version_and_writes_an_audit_event(client, agent):
    case = CaseFactory()
    client.force_login(agent)
    url = reverse("admin:cases_case_change", args=[case.pk])
    response = client.post(url, {**change_form_data(case), "priority": "urgent"})
    assert response.status_code == 302
    case.refresh_from_db()
    assert (case.priority, case.version) == ("urgent", 2)
    event = CaseEvent.objects.get(case=case)
    assert event.type == "updated" and event.data["fields"] == ["priority"] and not event.public


@pytest.mark.django_db
def test_admin_transition_not_allowed_shows_an_error_and_changes_nothing(client, agent):
    case = CaseFactory(kind="complaint")
    client.force_login(agent)
    url = reverse("admin:cases_case_change", args=[case.pk])
    response = client.post(url, {**change_form_data(case), "_fsm_transition_to": "approve"}, follow=True)
    assert response.status_code == 200
    assert "about goods" in response.content.decode()
    assert Case.objects.get(pk=case.pk).status == "new"


@pytest.mark.django_db
def test_admin_access_by_role(client, agent, outsider, integration_user):
    case = CaseFactory()
    url = reverse("admin:cases_case_change", args=[case.pk])
    policy_add = reverse("admin:cases_returnpolicy_add")

    assert client.get(url).status_code == 302  # anonymous: to the login page
    client.force_login(outsider)
    assert client.get(url).status_code == 302  # not staff
    client.force_login(integration_user)
    assert client.get(url).status_code == 302  # the shop's API user is not staff
    client.force_login(agent)
    assert client.get(url).status_code == 200
    assert client.get(policy_add).status_code == 403  # agents read the policy, managers edit it
    assert client.get(reverse("admin:cases_case_add")).status_code == 403  # cases open through channels


@pytest.mark.django_db
def test_manager_edits_policies_and_audit_trail_is_read_only(client, manager):
    client.force_login(manager)
    assert client.get(reverse("admin:cases_returnpolicy_add")).status_code == 200
    event_case = CaseFactory()
    from cases import services

    services.transition_case(case=event_case, name="approve", actor=manager)
    event = CaseEvent.objects.get(case=event_case)
    response = client.post(reverse("admin:cases_caseevent_change", args=[event.pk]), {"note": "rewritten"})
    assert response.status_code == 403
    assert CaseEvent.objects.get(pk=event.pk).note == ""


def rule_form(policy, **overrides):
    data = {
        "policy": policy.pk,
        "position": 10,
        "rule_type": "window",
        "name_en": "30-day return",
        "name_zh": "30天退货",
        "kinds": '["return"]',
        "reasons": "[]",
        "categories": "[]",
        "skus": "[]",
        "product_flags": "[]",
        "tiers": "[]",
        "days": "30",
        "months": "",
        "vip_extra_days": "0",
        "amount_over": "",
        "outcome": "reject",
        "active": "on",
    }
    return {**data, **overrides}


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"kinds": '["retrun"]'}, "kinds", "Unknown values: retrun"),
        ({"product_flags": '"digital"'}, "product_flags", "Give a list"),
        ({"days": ""}, "days", "needs its number of days"),
        ({"rule_type": "warranty", "days": ""}, "months", "needs its number of months"),
    ],
)
def test_manager_cannot_save_a_rule_the_engine_could_not_apply(client, manager, overrides, field, message):
    from cases.models import ReturnPolicy, ReturnPolicyRule

    policy = ReturnPolicy.objects.create(
        code="shop", version="2", name_en="Shop", name_zh="本店", effective_from="2026-01-01"
    )
    client.force_login(manager)
    response = client.post(reverse("admin:cases_returnpolicyrule_add"), rule_form(policy, **overrides))
    assert response.status_code == 200
    assert message in str(response.context["adminform"].form.errors[field])
    assert not ReturnPolicyRule.objects.exists()

    ok = client.post(reverse("admin:cases_returnpolicyrule_add"), rule_form(policy))
    assert ok.status_code == 302
    assert ReturnPolicyRule.objects.get().days == 30


@pytest.mark.django_db
def test_a_policy_cannot_end_before_it_starts(client, manager):
    from cases.models import ReturnPolicy

    client.force_login(manager)
    data = {
        "code": "shop",
        "version": "2",
        "name_en": "Shop",
        "name_zh": "本店",
        "region": "",
        "effective_from": "2026-06-01",
        "effective_until": "2026-05-01",
        "active": "on",
        "description": "",
        "rules-TOTAL_FORMS": "0",
        "rules-INITIAL_FORMS": "0",
    }
    response = client.post(reverse("admin:cases_returnpolicy_add"), data)
    assert response.status_code == 200
    assert "end date" in str(response.context["adminform"].form.errors["effective_until"])
    assert not ReturnPolicy.objects.exists()
