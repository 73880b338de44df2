"""Admin of the SLA data: who may edit what, and edits that move the clocks."""

from __future__ import annotations

import pytest
from django.urls import reverse

from cases.models import BusinessCalendar, CalendarDay, ClockKind, ClockState, RevisitReason, SlaPolicy
from cases.services import create_case
from cases.sla.follow_ups import create_revisit
from tests.cases.factories import CustomerFactory

pytestmark = pytest.mark.django_db


def url(model: str, action: str = "changelist", *args) -> str:
    return reverse(f"admin:cases_{model}_{action}", args=args)


def policy_form(policy: SlaPolicy, **changes) -> dict:
    data = {
        "name": policy.name,
        "position": policy.position,
        "active": "on",
        "priorities": "[]",
        "channels": "[]",
        "kinds": "[]",
        "tiers": "[]",
        "calendar": "",
        "first_response_minutes": policy.first_response_minutes or "",
        "next_response_minutes": policy.next_response_minutes or "",
        "resolution_minutes": policy.resolution_minutes or "",
        "warn_percent": policy.warn_percent,
        "escalate_priority": "on",
        "escalate_to_lead": "on",
        "notify": "on",
    }
    data.update(changes)
    return data


def test_a_manager_edits_an_sla_policy_and_the_open_cases_are_recomputed_after_commit(
    client, manager, django_capture_on_commit_callbacks
):
    create_case(customer=CustomerFactory(), kind="complaint", channel="email")
    standard = SlaPolicy.objects.get(name="Standard")
    client.force_login(manager)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post(
            url("slapolicy", "change", standard.pk), policy_form(standard, first_response_minutes=90)
        )
    assert response.status_code == 302
    standard.refresh_from_db()
    assert standard.first_response_minutes == 90
    assert len(callbacks) == 1, "one recompute is queued once the edit is committed"


@pytest.mark.parametrize(
    "changes, field",
    [
        ({"warn_percent": 100}, "warn_percent"),
        ({"channels": '["fax"]'}, "channels"),
        ({"kinds": '"complaint"'}, "kinds"),
    ],
)
def test_a_policy_the_sweep_could_not_use_is_refused_with_a_message(client, manager, changes, field):
    standard = SlaPolicy.objects.get(name="Standard")
    client.force_login(manager)
    response = client.post(url("slapolicy", "change", standard.pk), policy_form(standard, **changes))
    assert response.status_code == 200
    assert field in response.context["adminform"].form.errors
    standard.refresh_from_db()
    assert standard.warn_percent == 80 and standard.channels == [] and standard.kinds == []


def test_calendar_hours_and_time_zone_are_checked(client, manager):
    client.force_login(manager)
    response = client.post(
        url("businesscalendar", "add"),
        {
            "code": "bad",
            "name": "Bad",
            "time_zone": "Mars/Olympus",
            "hours": '{"mon": [["18:00", "09:00"]]}',
            "days-TOTAL_FORMS": "0",
            "days-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert "time_zone" in errors
    assert not BusinessCalendar.objects.filter(code="bad").exists()


def test_a_holiday_added_in_admin_moves_the_calendar_version(client, manager):
    warehouse = BusinessCalendar.objects.get(code="warehouse")
    before = warehouse.updated_at
    client.force_login(manager)
    response = client.post(
        url("calendarday", "add"), {"calendar": warehouse.pk, "date": "2026-12-31", "kind": "holiday"}
    )
    assert response.status_code == 302
    assert CalendarDay.objects.filter(calendar=warehouse, date="2026-12-31").exists()
    warehouse.refresh_from_db()
    assert warehouse.updated_at > before


def test_agents_read_the_sla_data_but_only_managers_change_it(client, agent, manager, outsider):
    standard = SlaPolicy.objects.get(name="Standard")
    client.force_login(agent)
    assert client.get(url("slapolicy")).status_code == 200
    assert (
        client.post(
            url("slapolicy", "change", standard.pk), policy_form(standard, first_response_minutes=1)
        ).status_code
        == 403
    )
    assert client.get(url("servicesettings", "change")).status_code == 403
    assert client.get(url("slaclock")).status_code == 200
    client.force_login(manager)
    assert client.get(url("servicesettings", "change")).status_code == 200
    client.force_login(outsider)
    assert client.get(url("slapolicy")).status_code == 302, "a user without a role is sent to the login page"
    standard.refresh_from_db()
    assert standard.first_response_minutes == 24 * 60


def test_clocks_follow_ups_and_notifications_are_read_only(client, admin_user):
    case = create_case(customer=CustomerFactory(), kind="complaint", channel="email")
    clock = case.clocks.get(kind=ClockKind.FIRST_RESPONSE)
    client.force_login(admin_user)
    assert client.get(url("slaclock", "add")).status_code == 403
    response = client.post(url("slaclock", "change", clock.pk), {"state": "stopped"})
    assert response.status_code == 403
    clock.refresh_from_db()
    assert clock.state == ClockState.RUNNING


def test_an_agent_records_the_outcome_of_a_revisit(client, agent):
    case = create_case(customer=CustomerFactory(), kind="complaint", channel="email")
    task, _ = create_revisit(case=case, reason=RevisitReason.LOW_SCORE, note="CSAT 1")
    client.force_login(agent)
    response = client.post(url("revisittask", "change", task.pk), {"outcome": "客户表示满意，已补发优惠券"})
    assert response.status_code == 302
    task.refresh_from_db()
    assert task.done_at is not None and task.outcome == "客户表示满意，已补发优惠券"
    assert case.events.filter(type="follow_up", data__follow_up="revisit_done").count() == 1


def test_a_manager_raising_a_customer_to_vip_in_admin_recomputes_their_cases(client, manager):
    SlaPolicy.objects.create(name="VIP", position=5, tiers=["vip"], first_response_minutes=30)
    customer = CustomerFactory()
    case = create_case(customer=customer, kind="complaint", channel="email")
    due_before = case.clocks.get(kind=ClockKind.FIRST_RESPONSE).due_at
    client.force_login(manager)
    response = client.post(
        url("customer", "change", customer.pk),
        {
            "name": customer.name,
            "email": customer.email,
            "phone": customer.phone,
            "tier": "vip",
            "language": customer.language,
            # The contact identities inline (channels_app adds it to the customer page), empty.
            "identities-TOTAL_FORMS": "0",
            "identities-INITIAL_FORMS": "0",
            "identities-MAX_NUM_FORMS": "1000",
        },
    )
    assert response.status_code == 302, response.content[:500]
    due_after = case.clocks.get(kind=ClockKind.FIRST_RESPONSE, state=ClockState.RUNNING).due_at
    assert (due_before - due_after).total_seconds() > 20 * 3600
