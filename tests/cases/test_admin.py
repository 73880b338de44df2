"""Admin: every model is there, the steps of the state machine run through the service, and who
may use it."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.contrib import admin
from django.urls import reverse

from cases.models import Case, CaseEvent, SlaPolicy
from tests.cases.factories import CaseFactory, OrderLineFactory


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
        "team": case.team_id or "",
        "assignee": case.assignee_id or "",
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


# --- the admin is no back door (issue 16, finding 4) ------------------------------------------------


def forged_service_fields(case: Case) -> dict:
    """Values for the fields a service owns, as a user would forge them in the change form's POST."""
    return {
        "status": "resolved",
        "currency": "USD",
        "first_response_due_at_0": "2030-01-01",
        "first_response_due_at_1": "00:00:00",
        "next_response_due_at_0": "2030-01-01",
        "next_response_due_at_1": "00:00:00",
        "resolution_due_at_0": "2030-01-01",
        "resolution_due_at_1": "00:00:00",
        "sla_due_at_0": "2030-01-01",
        "sla_due_at_1": "00:00:00",
        "first_responded_at_0": "2026-01-01",
        "first_responded_at_1": "00:00:00",
        "resolved_at_0": "2026-01-01",
        "resolved_at_1": "00:00:00",
        "refund_amount": "9999.00",
        "resolution_type": "refund",
        "channel": "chat" if case.channel != "chat" else "email",
    }


SERVICE_OWNED = [
    "status",
    "currency",
    "channel",
    "first_response_due_at",
    "next_response_due_at",
    "resolution_due_at",
    "sla_due_at",
    "first_responded_at",
    "resolved_at",
    "refund_amount",
    "resolution_type",
    "version",
]


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["agent", "manager", "admin_user"])
def test_the_case_admin_changes_no_money_or_sla_field_whatever_is_posted(client, request, role):
    """Finding 4 replayed: a CNY case posted back as USD with new SLA due times stays as it was."""
    from django.utils import timezone

    user = request.getfixturevalue(role)
    due = timezone.now().replace(microsecond=0)
    case = CaseFactory(currency="CNY", first_response_due_at=due, resolution_due_at=due, sla_due_at=due)
    before = {name: getattr(Case.objects.get(pk=case.pk), name) for name in SERVICE_OWNED}
    client.force_login(user)
    url = reverse("admin:cases_case_change", args=[case.pk])
    response = client.post(url, {**change_form_data(case), **forged_service_fields(case)})
    assert response.status_code == 302
    after = Case.objects.get(pk=case.pk)
    assert {name: getattr(after, name) for name in SERVICE_OWNED} == before
    assert not CaseEvent.objects.filter(case=case).exists()  # nothing changed: nothing to record


@pytest.mark.django_db
def test_the_case_admin_shows_money_and_sla_fields_without_an_input(client, manager):
    case = CaseFactory(currency="CNY")
    client.force_login(manager)
    html = client.get(reverse("admin:cases_case_change", args=[case.pk])).content.decode()
    for name in ("currency", "channel", "first_response_due_at_0", "sla_due_at_0", "refund_amount", "status"):
        assert f'name="{name}"' not in html, name
    assert 'name="team"' in html and 'name="assignee"' in html and 'name="priority"' in html


@pytest.mark.django_db
def test_a_team_change_in_the_admin_goes_through_the_service_and_writes_its_event(client, agent):
    from tests.cases.factories import TeamFactory

    team = TeamFactory()
    case = CaseFactory()
    client.force_login(agent)
    url = reverse("admin:cases_case_change", args=[case.pk])
    response = client.post(url, {**change_form_data(case), "team": str(team.pk), "assignee": str(agent.pk)})
    assert response.status_code == 302
    case.refresh_from_db()
    assert (case.team, case.assignee, case.version) == (team, agent, 2)
    event = CaseEvent.objects.get(case=case)
    assert (event.type, event.actor, event.public) == ("assigned", agent, False)
    assert event.data == {"fields": ["assignee", "team"], "assignee": agent.pk, "team": team.pk}


@pytest.mark.django_db
def test_the_admin_refuses_a_non_staff_assignee_like_the_desk_and_changes_nothing(client, manager, outsider):
    case = CaseFactory()
    client.force_login(manager)
    url = reverse("admin:cases_case_change", args=[case.pk])
    response = client.post(url, {**change_form_data(case), "assignee": str(outsider.pk)})
    assert response.status_code == 200  # the form again, with the desk's message
    assert "There is no such agent." in response.content.decode()
    case.refresh_from_db()
    assert (case.assignee, case.version) == (None, 1)
    assert not CaseEvent.objects.filter(case=case).exists()


@pytest.mark.django_db
def test_a_priority_change_in_the_admin_moves_the_sla_clocks_like_the_desk(client, agent):
    from cases.services import create_case
    from tests.cases.factories import CustomerFactory

    # The shipped policies go by a complaint's severity, not its priority: a manager's policy by priority.
    SlaPolicy.objects.create(name="Urgent cases", position=5, priorities=["urgent"], first_response_minutes=60)
    case = create_case(customer=CustomerFactory(), kind="complaint", channel="email", actor=agent, subject="x")
    due = case.first_response_due_at
    client.force_login(agent)
    url = reverse("admin:cases_case_change", args=[case.pk])
    response = client.post(url, {**change_form_data(case), "priority": "urgent"})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.priority == "urgent"
    assert due is not None and case.first_response_due_at < due
    event = CaseEvent.objects.filter(case=case).latest("id")
    assert event.data["fields"] == ["priority"]


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["agent", "manager", "admin_user"])
def test_cost_lines_are_view_only_in_the_admin(client, request, role):
    from cases.models import CostLine

    user = request.getfixturevalue(role)
    case = CaseFactory()
    cost = CostLine.objects.create(case=case, kind="shipping", amount="12.00", currency="CNY")
    client.force_login(user)
    assert client.get(reverse("admin:cases_costline_change", args=[cost.pk])).status_code == 200
    assert client.get(reverse("admin:cases_costline_add")).status_code == 403
    forged = {"case": case.pk, "kind": "refund", "amount": "999.00", "currency": "USD", "note": ""}
    assert client.post(reverse("admin:cases_costline_add"), forged).status_code == 403
    assert client.post(reverse("admin:cases_costline_change", args=[cost.pk]), forged).status_code == 403
    assert client.post(reverse("admin:cases_costline_delete", args=[cost.pk]), {"post": "yes"}).status_code == 403
    cost.refresh_from_db()
    assert (cost.kind, cost.amount, cost.currency, CostLine.objects.count()) == ("shipping", 12, "CNY", 1)


@pytest.mark.django_db
def test_the_case_admin_adds_no_cost_line_through_its_inline(client, manager):
    from cases.models import CostLine

    case = CaseFactory()
    client.force_login(manager)
    data = change_form_data(case)
    data.update(
        {
            "costs-TOTAL_FORMS": "1",
            "costs-0-kind": "refund",
            "costs-0-amount": "500.00",
            "costs-0-currency": "CNY",
            "costs-0-note": "by hand",
        }
    )
    client.post(reverse("admin:cases_case_change", args=[case.pk]), data)
    assert not CostLine.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["agent", "manager", "admin_user"])
def test_orders_and_their_lines_are_the_shops_mirror_and_read_only_in_the_admin(client, request, role):
    from cases.models import Order

    user = request.getfixturevalue(role)
    line = OrderLineFactory(paid_amount="582.00")
    order = line.order
    Order.objects.filter(pk=order.pk).update(paid_amount="582.00", currency="CNY")
    client.force_login(user)
    assert client.get(reverse("admin:cases_order_change", args=[order.pk])).status_code == 200
    forged = {
        "number": order.number,
        "customer": order.customer_id,
        "status": "delivered",
        "placed_at_0": "2026-01-01",
        "placed_at_1": "00:00:00",
        "currency": "USD",
        "paid_amount": "99999.00",
        "shipping_address": "elsewhere",
        "lines-TOTAL_FORMS": "0",
        "lines-INITIAL_FORMS": "0",
    }
    assert client.post(reverse("admin:cases_order_change", args=[order.pk]), forged).status_code == 403
    assert client.get(reverse("admin:cases_order_add")).status_code == 403
    assert client.post(reverse("admin:cases_orderline_change", args=[line.pk]), {"paid_amount": "1"}).status_code == 403
    order.refresh_from_db()
    line.refresh_from_db()
    assert (order.currency, str(order.paid_amount), str(line.paid_amount)) == ("CNY", "582.00", "582.00")
