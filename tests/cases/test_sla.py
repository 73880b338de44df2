"""SLA clocks: targets from the policies, pauses, recomputation, and the sweep's once-only actions."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.db import connection, transaction

from cases.models import (
    Case,
    CaseEvent,
    CaseKind,
    CaseStatus,
    Channel,
    ClockKind,
    ClockState,
    Customer,
    CustomerTier,
    EventType,
    FollowUp,
    FollowUpKind,
    Notification,
    NotificationKind,
    Priority,
    RevisitReason,
    RevisitTask,
    ServiceSettings,
    SlaClock,
    SlaPolicy,
)
from cases.notifications import send_pending
from cases.services import classify_complaint, create_case, save_case_edit, transition_case
from cases.signals import survey_due, survey_reminder_due
from cases.sla import clocks as sla
from cases.sla.follow_ups import create_revisit, record_shipment_movement
from cases.sla.sweep import SweepResult, sweep
from core import clock
from tests.accounts.factories import UserFactory
from tests.cases.factories import CustomerFactory, OrderLineFactory, TeamFactory
from tests.cases.shop_payloads import order_payload
from tests.clients import token_client

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
# A Monday, 10:00 in Shanghai.
MONDAY_10 = datetime(2026, 11, 16, 10, 0, tzinfo=SHANGHAI)


@pytest.fixture
def now(monkeypatch):
    """The product's clock, frozen and moved by the test: ``now.set(t)``, ``now.move(hours=1)``."""

    class Frozen:
        at = MONDAY_10

        def set(self, at):
            self.at = at

        def move(self, **delta):
            self.at = self.at + timedelta(**delta)
            return self.at

    frozen = Frozen()
    monkeypatch.setattr(clock, "now", lambda: frozen.at)
    return frozen


@pytest.fixture
def team(db):
    lead = UserFactory(username="lead-wang", role="agent", first_name="Wang", last_name="Lead")
    return TeamFactory(code="cs-1", name="售后一组", lead=lead)


@pytest.fixture
def worker(team):
    return UserFactory(username="agent-zhao", role="agent", first_name="Zhao")


def open_case(kind=CaseKind.COMPLAINT, channel=Channel.EMAIL, priority=Priority.NORMAL, **kw) -> Case:
    customer = kw.pop("customer", None) or CustomerFactory()
    return create_case(customer=customer, kind=kind, channel=channel, priority=priority, **kw)


def running(case: Case, kind: str) -> SlaClock:
    return case.clocks.get(kind=kind, state__in=[ClockState.RUNNING, ClockState.PAUSED])


def test_an_email_complaint_gets_24_hours_to_answer_and_3_days_to_resolve(now):
    case = open_case()
    assert running(case, ClockKind.FIRST_RESPONSE).due_at == MONDAY_10 + timedelta(hours=24)
    assert running(case, ClockKind.RESOLUTION).due_at == MONDAY_10 + timedelta(days=3)
    case.refresh_from_db()
    assert case.first_response_due_at == MONDAY_10 + timedelta(hours=24)
    assert case.sla_due_at == MONDAY_10 + timedelta(hours=24), "the queue sorts by the earliest due time"


def test_an_urgent_complaint_gets_one_hour(now, worker):
    case = open_case()
    classify_complaint(case=case, actor=worker, category="logistics", severity="urgent", reason="parcel lost")
    assert running(case, ClockKind.FIRST_RESPONSE).due_at == MONDAY_10 + timedelta(hours=1)


def test_a_chat_in_the_evening_is_answered_within_5_minutes_of_opening_next_morning(now):
    now.set(datetime(2026, 11, 16, 20, 58, tzinfo=SHANGHAI))
    case = open_case(kind=CaseKind.INQUIRY, channel=Channel.CHAT)
    # 2 minutes left on Monday (till 21:00), 3 more from 09:00 on Tuesday.
    assert running(case, ClockKind.FIRST_RESPONSE).due_at == datetime(2026, 11, 17, 9, 3, tzinfo=SHANGHAI)


def test_the_agents_first_step_stops_the_first_response_clock(now, worker):
    case = open_case()
    now.move(hours=2)
    transition_case(case=case, name="start", actor=worker)
    first = case.clocks.get(kind=ClockKind.FIRST_RESPONSE)
    assert first.state == ClockState.STOPPED and first.breached_at is None
    assert first.used_seconds == 2 * 3600
    case.refresh_from_db()
    assert case.first_responded_at == now.at
    assert case.first_response_due_at is None
    assert case.sla_due_at == MONDAY_10 + timedelta(days=3)


def test_waiting_on_the_customer_pauses_the_resolution_clock(now, worker):
    case = open_case()
    transition_case(case=case, name="start", actor=worker)
    now.move(hours=5)
    transition_case(case=case, name="wait_for_customer", actor=worker)
    resolution = running(case, ClockKind.RESOLUTION)
    assert resolution.state == ClockState.PAUSED and resolution.due_at is None
    assert resolution.used_seconds == 5 * 3600
    case.refresh_from_db()
    assert case.resolution_due_at is None
    now.move(hours=30)
    transition_case(case=case, name="resume", actor=worker)
    resolution.refresh_from_db()
    assert resolution.state == ClockState.RUNNING
    assert resolution.due_at == MONDAY_10 + timedelta(days=3, hours=30), "the 30 hours waiting do not count"
    # The customer's answer starts the next-response clock.
    assert running(case, ClockKind.NEXT_RESPONSE).due_at == now.at + timedelta(hours=24)


def test_raising_the_priority_recomputes_with_the_time_already_used(now):
    # The shipped policies go by a complaint's severity, not its priority (cases.models.SlaPolicy): a
    # manager's policy by priority.
    SlaPolicy.objects.create(name="Urgent cases", position=5, priorities=["urgent"], first_response_minutes=60)
    case = open_case()
    now.move(minutes=30)
    case.priority = Priority.URGENT
    save_case_edit(case=case, actor=None, changed_fields=["priority"])
    first = running(case, ClockKind.FIRST_RESPONSE)
    assert first.due_at == MONDAY_10 + timedelta(hours=1), "30 minutes used, 30 left of the urgent hour"
    assert first.policy.name == "Urgent cases"


def test_an_edited_policy_moves_the_due_times_of_open_cases(now):
    case = open_case()
    SlaPolicy.objects.filter(name="Standard").update(first_response_minutes=120)
    now.move(minutes=10)
    assert sla.recompute_open_clocks() == 1
    assert running(case, ClockKind.FIRST_RESPONSE).due_at == MONDAY_10 + timedelta(hours=2)
    case.refresh_from_db()
    assert case.first_response_due_at == MONDAY_10 + timedelta(hours=2)


def test_a_customer_who_becomes_vip_gets_the_vip_targets(now):
    SlaPolicy.objects.create(name="VIP", position=5, tiers=[CustomerTier.VIP], first_response_minutes=30)
    case = open_case()
    case.customer.tier = CustomerTier.VIP
    case.customer.save()
    assert sla.recompute_customer_cases(customer=case.customer) == 1
    assert running(case, ClockKind.FIRST_RESPONSE).due_at == MONDAY_10 + timedelta(minutes=30)
    assert not case.clocks.filter(kind=ClockKind.RESOLUTION, state=ClockState.RUNNING).exists(), (
        "the VIP policy sets no resolution target, so that clock stops"
    )


def test_a_rolled_back_change_leaves_the_clocks_as_they_were(now, worker):
    case = open_case()
    before = list(case.clocks.values_list("kind", "state", "due_at"))
    with pytest.raises(RuntimeError), transaction.atomic():
        transition_case(case=case, name="start", actor=worker)
        raise RuntimeError
    assert list(case.clocks.values_list("kind", "state", "due_at")) == before


# --- the sweep ----------------------------------------------------------------------------------------------


def test_the_sweep_warns_at_80_percent_then_breaches_once_and_escalates(now, team, worker):
    case = open_case(team=team, assignee=worker)
    now.move(hours=19)
    assert sweep().warned == 0
    now.move(hours=1)  # 20 of 24 hours: 80 %
    result = sweep()
    assert (result.warned, result.breached) == (1, 0)
    warning = Notification.objects.get(kind=NotificationKind.SLA_WARNING)
    assert warning.user == worker and case.number in warning.subject

    now.move(hours=4)
    assert sweep().breached == 1
    assert sweep().breached == 0, "a second sweep finds nothing"
    case.refresh_from_db()
    assert case.priority == Priority.HIGH
    assert case.assignee == team.lead
    assert CaseEvent.objects.filter(case=case, type=EventType.SLA_BREACH).count() == 1
    assert CaseEvent.objects.filter(case=case, type=EventType.SLA_WARNING).count() == 1
    breach_notes = Notification.objects.filter(kind=NotificationKind.SLA_BREACH)
    assert sorted(n.user.username for n in breach_notes) == ["agent-zhao", "lead-wang"]
    assert send_pending() == 3
    assert sorted(m.to[0] for m in mail.outbox) == sorted([worker.email, worker.email, team.lead.email])
    assert send_pending() == 0, "each notification is emailed once"


def test_a_stopped_clock_never_breaches(now, worker):
    case = open_case()
    transition_case(case=case, name="start", actor=worker)
    now.move(days=2)
    assert sweep().breached == 0
    assert not CaseEvent.objects.filter(case=case, type=EventType.SLA_BREACH).exists()


@pytest.mark.django_db(transaction=True)
def test_two_sweeps_at_once_breach_each_clock_once(now):
    cases = [open_case() for _ in range(30)]
    now.move(days=4)
    results, errors = [], []
    barrier = threading.Barrier(2)

    def run():
        try:
            barrier.wait()
            results.append(sweep(batch=7))
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    # Each case has two clocks due (first response and resolution).
    assert sum(r.breached for r in results) == 60
    for case in cases:
        assert CaseEvent.objects.filter(case=case, type=EventType.SLA_BREACH).count() == 2
    assert SlaClock.objects.filter(breached_at__isnull=True, case__in=cases).count() == 0


def test_an_empty_sweep_costs_a_fixed_number_of_queries(now, django_assert_num_queries):
    for _ in range(5):
        open_case()
    # Three reads (due breaches, due warnings, due follow-ups) through their partial indexes, each
    # in its own transaction (a savepoint inside the test's transaction: SAVEPOINT, SELECT, RELEASE).
    with django_assert_num_queries(9):
        assert sweep() == SweepResult()
    for _ in range(20):
        open_case()
    with django_assert_num_queries(9):
        assert sweep() == SweepResult()


# --- ship-by, follow-ups, revisits ----------------------------------------------------------------------


def approved_return(now, **kw) -> Case:
    line = OrderLineFactory(quantity=1)
    case = open_case(
        kind=CaseKind.RETURN,
        channel=Channel.PORTAL,
        customer=line.order.customer,
        order=line.order,
        lines=[_line(line)],
        **kw,
    )
    transition_case(case=case, name="approve", actor=None)
    return case


def _line(order_line):
    from cases.services import LineRequest

    return LineRequest(order_line=order_line, quantity=1)


def test_an_unshipped_return_is_reminded_on_day_3_and_cancelled_on_day_7(now):
    case = approved_return(now)
    ship_by = running(case, ClockKind.SHIP_BY)
    assert ship_by.due_at == MONDAY_10 + timedelta(days=7)
    now.move(days=3)
    assert sweep().warned == 1
    assert Notification.objects.filter(case=case, kind=NotificationKind.SHIP_REMINDER).count() == 1
    send_pending()
    (reminder,) = [m for m in mail.outbox if "寄回" in m.subject]  # in the customer's language
    assert reminder.to == [case.customer.email] and case.number in reminder.subject
    now.move(days=4)
    sweep()
    case.refresh_from_db()
    assert case.status == CaseStatus.CANCELLED
    assert not case.clocks.filter(state=ClockState.RUNNING).exists()


def test_shipping_the_return_stops_the_ship_by_clock_and_a_stalled_parcel_is_chased(now, team, worker):
    case = approved_return(now, team=team, assignee=worker)
    now.move(days=1)
    transition_case(case=case, name="ship_return", actor=worker, carrier="SF", tracking_number="SF1234567890")
    assert case.clocks.get(kind=ClockKind.SHIP_BY).state == ClockState.STOPPED
    now.move(days=3)
    record_shipment_movement(case=case, note="到达杭州转运中心")
    now.move(days=3)
    assert sweep().follow_ups == 0, "the movement restarted the 5 days"
    now.move(days=2)
    assert sweep().follow_ups == 1
    assert case.tags.filter(name="shipment-stalled").exists()
    # By day 9 the 3-day resolution target had run out and moved the case to the team lead.
    case.refresh_from_db()
    assert case.assignee == team.lead
    assert Notification.objects.filter(kind=NotificationKind.SHIPMENT_STALLED, user=team.lead).count() == 1
    assert FollowUp.objects.get(case=case, kind=FollowUpKind.SHIPMENT_CHASE, done_at__isnull=True)


def test_receipt_starts_the_warehouse_inspection_clock_in_warehouse_hours(now, worker):
    case = approved_return(now)
    transition_case(case=case, name="ship_return", actor=worker, carrier="SF", tracking_number="SF1")
    now.set(datetime(2026, 11, 20, 17, 0, tzinfo=SHANGHAI))  # Friday 17:00
    transition_case(case=case, name="receive", actor=worker)
    # 16 warehouse hours: 1 on Friday, 9 on Monday, 6 on Tuesday.
    assert running(case, ClockKind.INSPECT).due_at == datetime(2026, 11, 24, 15, 0, tzinfo=SHANGHAI)
    transition_case(case=case, name="inspect", actor=worker, passed=True, grade="A")
    assert running(case, ClockKind.REFUND).calendar.code == "warehouse"


def test_resolution_sends_the_survey_once_reminds_once_and_closes_after_7_days(now, worker):
    received = []

    def on_survey(sender, case, **kw):
        received.append(("survey", case.number))

    def on_reminder(sender, case, **kw):
        received.append(("reminder", case.number))

    survey_due.connect(on_survey)
    survey_reminder_due.connect(on_reminder)
    try:
        case = open_case()
        transition_case(case=case, name="start", actor=worker)
        transition_case(case=case, name="resolve", actor=worker, resolution_type="answered")
        now.move(minutes=61)
        sweep()
        sweep()
        assert received == [("survey", case.number)]
        now.move(days=3)
        sweep()
        assert received == [("survey", case.number), ("reminder", case.number)]
        now.move(days=4)
        sweep()
        case.refresh_from_db()
        assert case.status == CaseStatus.CLOSED
        assert sweep() == SweepResult(), "nothing left to do"
    finally:
        survey_due.disconnect(on_survey)
        survey_reminder_due.disconnect(on_reminder)


def test_reopening_cancels_the_survey_and_the_auto_close(now, manager):
    case = open_case()
    transition_case(case=case, name="start", actor=manager)
    transition_case(case=case, name="resolve", actor=manager, resolution_type="answered")
    transition_case(case=case, name="reopen", actor=manager)
    assert not FollowUp.objects.filter(case=case, done_at__isnull=True, cancelled_at__isnull=True).exists()
    assert running(case, ClockKind.RESOLUTION).due_at == MONDAY_10 + timedelta(days=3)
    now.move(days=8)
    sweep()
    case.refresh_from_db()
    assert case.status == CaseStatus.IN_PROGRESS


def test_a_sample_of_resolved_cases_and_every_low_score_get_a_revisit(now, team, worker):
    settings = ServiceSettings.get_solo()
    settings.revisit_sample_percent = 100
    settings.save()
    # An inquiry: every complaint gets a revisit of its own (tests/cases/test_complaints.py).
    case = open_case(kind=CaseKind.INQUIRY, team=team, assignee=worker)
    transition_case(case=case, name="start", actor=worker)
    transition_case(case=case, name="resolve", actor=worker, resolution_type="answered")
    task = RevisitTask.objects.get(case=case, reason=RevisitReason.SAMPLE)
    assert task.assignee == team.lead and task.due_at == MONDAY_10 + timedelta(days=2)
    low, created = create_revisit(case=case, reason=RevisitReason.LOW_SCORE, note="CSAT 1")
    again, created_again = create_revisit(case=case, reason=RevisitReason.LOW_SCORE, note="CSAT 1")
    assert created and not created_again and low == again
    assert Notification.objects.filter(kind=NotificationKind.REVISIT, user=team.lead).count() == 2


def test_a_failing_mail_server_is_retried_and_nothing_is_lost(now, worker, settings):
    case = open_case(assignee=worker)
    now.move(hours=20)
    sweep()
    settings.EMAIL_BACKEND = "tests.cases.test_sla.FailingBackend"
    assert send_pending() == 0
    row = Notification.objects.get(kind=NotificationKind.SLA_WARNING)
    assert row.attempts == 1 and "refused" in row.last_error and row.sent_at is None
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert send_pending() == 1
    assert mail.outbox[0].subject.startswith(f"Case {case.number}") or case.number in mail.outbox[0].subject


class FailingBackend:
    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        raise ConnectionRefusedError("connection refused by the mail server")


def test_the_shop_pushing_a_vip_tier_moves_the_due_times_of_the_customers_open_cases(now, integration_user):
    SlaPolicy.objects.create(name="VIP", position=5, tiers=[CustomerTier.VIP], first_response_minutes=30)
    payload = order_payload()
    payload["customer"]["tier"] = "regular"
    shop = token_client(integration_user)
    assert shop.put("/api/v1/orders/SO-9/", payload, format="json").status_code in (200, 201)
    case = open_case(customer=Customer.objects.get(external_id="C-1001"))
    assert running(case, ClockKind.FIRST_RESPONSE).due_at == MONDAY_10 + timedelta(hours=24)
    now.move(minutes=10)
    payload["customer"]["tier"] = "vip"
    assert shop.put("/api/v1/orders/SO-9/", payload, format="json").status_code == 200
    assert running(case, ClockKind.FIRST_RESPONSE).due_at == MONDAY_10 + timedelta(minutes=30)
