"""SLA clocks (DESIGN.md §4): which promises run on a case, and how they follow its changes.

Every change of a case is written as a ``CaseEvent``; ``on_case_event`` (connected in
``CasesConfig.ready``) starts, pauses, resumes and stops the case's clocks inside the same
transaction, so a rolled-back change leaves the clocks as they were. The clocks' due times live in
``SlaClock`` rows and are copied to the case's ``*_due_at`` columns for the queues; the sweep
(``cases.sla.sweep``) finds what fell due. Business time is computed only by ``cases.sla.business_time``.

Which events move which clock:

=====================  ========================================================================
event                  clocks
=====================  ========================================================================
created                start first response and resolution (targets from the SLA policy)
a response             stop first response / next response. Responses: an agent's public
                       reply, and the steps approve, reject, start, wait_for_customer, resolve
                       (an automatic approval or rejection by the return policy answers too)
customer message       start next response (once the first response was given)
wait_for_customer      pause resolution (and next response)
resume                 resume resolution, start next response
approve (goods back)   start ship-by (calendar days; its warning reminds the customer)
ship_return            stop ship-by
receive                start inspect (warehouse calendar)
inspect (passed)       stop inspect; start refund for a return
resolve, reject, ...   stop every clock
reopen                 start a new resolution clock and next response
priority changed       recompute the reply and resolution clocks (policy may change); so do
                       a changed channel or kind, and a complaint's severity (classify_complaint)
=====================  ========================================================================
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Min

from cases.models import (
    ACTIVE_CLOCK_STATES,
    SHIPPING_KINDS,
    BusinessCalendar,
    Case,
    CaseEvent,
    CaseKind,
    ClockKind,
    ClockState,
    Customer,
    EventType,
    ServiceSettings,
    SlaClock,
    SlaPolicy,
)
from cases.sla import business_time as calendar
from core import clock

DAY = 86400
REPLY_CLOCKS = (ClockKind.FIRST_RESPONSE, ClockKind.NEXT_RESPONSE, ClockKind.RESOLUTION)
# The clocks an agent or the warehouse owes; the queue's ``sla_due_at`` is the earliest of them.
QUEUE_CLOCKS = (*REPLY_CLOCKS, ClockKind.INSPECT, ClockKind.REFUND)
RESPONSE_STEPS = frozenset({"approve", "reject", "start", "wait_for_customer", "resolve"})
ENDING_STEPS = frozenset({"resolve", "reject", "cancel", "close"})


# --- choosing the targets -------------------------------------------------------------------------


def policy_for(case: Case) -> SlaPolicy | None:
    """The first active SLA policy (by position) that matches the case's priority, channel, kind, tier and
    complaint severity."""
    tier, severity = case.customer.tier, case.complaint_severity or ""
    for candidate in SlaPolicy.objects.filter(active=True).select_related("calendar").order_by("position", "id"):
        if candidate.matches(
            priority=case.priority, channel=case.channel, kind=case.kind, tier=tier, severity=severity
        ):
            return candidate
    return None


@dataclass(frozen=True)
class Target:
    seconds: int
    warn_seconds: int
    calendar: BusinessCalendar | None
    policy: SlaPolicy | None


def _warn(seconds: int, percent: int) -> int:
    return max(1, seconds * percent // 100) if seconds else 0


def target_for(
    case: Case, kind: str, *, policy: SlaPolicy | None = None, settings: ServiceSettings | None = None
) -> Target | None:
    """The target of clock ``kind`` for ``case``, or None when no target applies."""
    if kind in REPLY_CLOCKS:
        policy = policy if policy is not None else policy_for(case)
        if policy is None:
            return None
        minutes = {
            ClockKind.FIRST_RESPONSE: policy.first_response_minutes,
            ClockKind.NEXT_RESPONSE: policy.next_response_minutes,
            ClockKind.RESOLUTION: policy.resolution_minutes,
        }[kind]  # type: ignore[index]  # kind: a ClockKind value
        if not minutes:
            return None
        return Target(minutes * 60, _warn(minutes * 60, policy.warn_percent), policy.calendar, policy)
    settings = settings or ServiceSettings.get_solo()
    if kind == ClockKind.SHIP_BY:
        return Target(settings.ship_by_days * DAY, settings.ship_reminder_days * DAY, None, None)
    minutes = settings.inspect_within_minutes if kind == ClockKind.INSPECT else settings.refund_within_minutes
    if not minutes:
        return None
    return Target(minutes * 60, _warn(minutes * 60, settings.warehouse_warn_percent), settings.warehouse_calendar, None)


# --- one clock --------------------------------------------------------------------------------------


def _schedule(c: SlaClock) -> None:
    """Set due_at / warn_at of a running clock from what is left of its target."""
    wt = calendar.working_time(c.calendar)
    left = max(0, c.target_seconds - c.used_seconds)
    c.due_at = calendar.add_business_seconds(wt, c.resumed_at, left)  # type: ignore[arg-type]  # running: resumed
    if c.warned_at is None:
        c.warn_at = calendar.add_business_seconds(wt, c.resumed_at, max(0, c.warn_seconds - c.used_seconds))  # type: ignore[arg-type]
    else:
        c.warn_at = None


def _used_until(c: SlaClock, at: datetime) -> int:
    if c.state != ClockState.RUNNING or c.resumed_at is None:
        return c.used_seconds
    wt = calendar.working_time(c.calendar)
    return c.used_seconds + calendar.business_seconds_between(wt, c.resumed_at, at)


def start_clock(
    *, case: Case, kind: str, at: datetime, target: Target | None = None, new_case: bool = False
) -> SlaClock | None:
    """Start clock ``kind`` unless one is already running or paused; None when no target applies.
    ``new_case``: the case was created in this transaction, so it has no clock to look for."""
    existing = None if new_case else case.clocks.filter(kind=kind, state__in=ACTIVE_CLOCK_STATES).first()
    if existing is not None:
        return existing
    target = target or target_for(case, kind)
    if target is None:
        return None
    c = SlaClock(
        case=case,
        kind=kind,
        policy=target.policy,
        calendar=target.calendar,
        target_seconds=target.seconds,
        warn_seconds=target.warn_seconds,
        started_at=at,
        resumed_at=at,
        state=ClockState.RUNNING,
    )
    _schedule(c)
    c.save()
    return c


def pause_clock(*, c: SlaClock, at: datetime) -> None:
    if c.state != ClockState.RUNNING:
        return
    c.used_seconds = _used_until(c, at)
    c.state, c.paused_at, c.resumed_at, c.due_at, c.warn_at = ClockState.PAUSED, at, None, None, None
    c.save(update_fields=["used_seconds", "state", "paused_at", "resumed_at", "due_at", "warn_at"])


def resume_clock(*, c: SlaClock, at: datetime) -> None:
    if c.state != ClockState.PAUSED:
        return
    c.state, c.paused_at, c.resumed_at = ClockState.RUNNING, None, at
    _schedule(c)
    c.save(update_fields=["state", "paused_at", "resumed_at", "due_at", "warn_at"])


def stop_clock(*, c: SlaClock, at: datetime) -> None:
    """Stop a clock for good; ``due_at`` stays as the promise it was measured against."""
    if c.state == ClockState.STOPPED:
        return
    c.used_seconds = _used_until(c, at)
    c.state, c.stopped_at, c.resumed_at, c.paused_at, c.warn_at = ClockState.STOPPED, at, None, None, None
    c.save(update_fields=["used_seconds", "state", "stopped_at", "resumed_at", "paused_at", "warn_at"])


def _active(case: Case, *kinds: str) -> list[SlaClock]:
    qs = case.clocks.filter(state__in=ACTIVE_CLOCK_STATES).select_related("calendar")
    if kinds:
        qs = qs.filter(kind__in=kinds)
    return list(qs)


def recompute_case_clocks(*, case: Case, at: datetime | None = None) -> None:
    """Re-read the SLA policy and move the due times of the reply and resolution clocks.

    Time already used stays used (measured on the clock's old calendar); the rest of the new
    target runs on the new calendar. A warning already recorded stays recorded; a clock already
    breached keeps its due time (the broken promise is what reports measure). A clock whose new
    policy has no target for it stops.
    """
    at = at or clock.now()
    with transaction.atomic():
        policy = policy_for(case)
        for c in _active(case, *REPLY_CLOCKS):
            if c.breached_at is not None:
                continue  # the promise was broken and recorded: its due time stays what it was
            target = target_for(case, c.kind, policy=policy) if policy else None
            if target is None:
                stop_clock(c=c, at=at)
                continue
            if c.state == ClockState.RUNNING:
                c.used_seconds = _used_until(c, at)
                c.resumed_at = at
            c.policy, c.calendar = target.policy, target.calendar
            c.target_seconds, c.warn_seconds = target.seconds, target.warn_seconds
            if c.state == ClockState.RUNNING:
                _schedule(c)
            c.save()
        sync_case_due_times(case=case)


def recompute_customer_cases(*, customer: Customer, at: datetime | None = None) -> int:
    """After a customer's tier changed: recompute the clocks of their open cases; returns how many."""
    at = at or clock.now()
    cases = list(Case.objects.filter(customer=customer, clocks__state__in=ACTIVE_CLOCK_STATES).distinct())
    for case in cases:
        recompute_case_clocks(case=case, at=at)
    return len(cases)


def recompute_open_clocks(*, batch: int = 500, at: datetime | None = None) -> int:
    """After an SLA policy changed: recompute every case with an active reply or resolution clock.

    Goes through the cases in id order, one transaction per case, so it can run beside the sweep.
    Returns how many cases it recomputed.
    """
    at = at or clock.now()
    done, last = 0, 0
    while True:
        ids = list(
            SlaClock.objects.filter(state__in=ACTIVE_CLOCK_STATES, kind__in=REPLY_CLOCKS, case_id__gt=last)
            .order_by("case_id")
            .values_list("case_id", flat=True)
            .distinct()[:batch]
        )
        if not ids:
            return done
        for case in Case.objects.filter(pk__in=ids).select_related("customer").order_by("pk"):
            recompute_case_clocks(case=case, at=at)
            done += 1
        last = ids[-1]


def sync_case_due_times(*, case: Case) -> None:
    """Copy the running clocks' due times to the case's columns (the queues sort and filter by them).

    Written with an UPDATE beside the case's own optimistic locking (these columns are derived),
    and set on the instance too, so a later ``save()`` of the same instance writes the same values.
    """
    due = dict(case.clocks.filter(state=ClockState.RUNNING).values_list("kind").annotate(due=Min("due_at")).order_by())
    values = {
        "first_response_due_at": due.get(ClockKind.FIRST_RESPONSE),
        "next_response_due_at": due.get(ClockKind.NEXT_RESPONSE),
        "resolution_due_at": due.get(ClockKind.RESOLUTION),
        "sla_due_at": min((due[k] for k in QUEUE_CLOCKS if due.get(k)), default=None),
    }
    if any(getattr(case, name) != value for name, value in values.items()):
        Case.objects.filter(pk=case.pk).update(**values)
        for name, value in values.items():
            setattr(case, name, value)


# --- following the case's events -----------------------------------------------------------------------


def _is_response(event: CaseEvent) -> bool:
    if event.type == EventType.TRANSITION:
        return event.transition in RESPONSE_STEPS
    if event.type == EventType.REPLY:
        return event.public and event.data.get("direction", "out") == "out"
    return False


def _respond(case: Case, at: datetime) -> None:
    for c in _active(case, ClockKind.FIRST_RESPONSE, ClockKind.NEXT_RESPONSE):
        stop_clock(c=c, at=at)
    if case.first_responded_at is None:
        case.first_responded_at = at
        Case.objects.filter(pk=case.pk).update(first_responded_at=at)


def on_case_event(*, case: Case, event: CaseEvent) -> None:
    """Move the case's clocks for one event (inside the event's transaction)."""
    at = event.created_at
    kind, step = event.type, event.transition
    if kind == EventType.CREATED:
        policy = policy_for(case)  # one lookup for both clocks of the new case
        for clock_kind in (ClockKind.FIRST_RESPONSE, ClockKind.RESOLUTION):
            target = target_for(case, clock_kind, policy=policy) if policy is not None else None
            if target is not None:
                start_clock(case=case, kind=clock_kind, at=at, target=target, new_case=True)
    elif kind == EventType.REPLY and event.data.get("direction") == "in":
        if case.first_responded_at is not None and case.is_open:
            start_clock(case=case, kind=ClockKind.NEXT_RESPONSE, at=at)
    elif kind in (EventType.UPDATED, EventType.ASSIGNED) and {
        "priority",
        "channel",
        "kind",
        "complaint_severity",
    } & set(event.data.get("fields", [])):
        recompute_case_clocks(case=case, at=at)
        return
    elif kind not in (EventType.TRANSITION, EventType.REPLY):
        return
    if _is_response(event):
        _respond(case, at)
    if kind == EventType.TRANSITION:
        _on_step(case, step, event, at)
    sync_case_due_times(case=case)


def _on_step(case: Case, step: str, event: CaseEvent, at: datetime) -> None:
    if step in ENDING_STEPS:
        for c in _active(case):
            stop_clock(c=c, at=at)
    elif step == "wait_for_customer":
        for c in _active(case, ClockKind.RESOLUTION, ClockKind.NEXT_RESPONSE):
            pause_clock(c=c, at=at)
    elif step == "resume":
        for c in _active(case, ClockKind.RESOLUTION):
            resume_clock(c=c, at=at)
        start_clock(case=case, kind=ClockKind.NEXT_RESPONSE, at=at)
    elif step == "approve" and case.kind in SHIPPING_KINDS:
        start_clock(case=case, kind=ClockKind.SHIP_BY, at=at)
    elif step == "ship_return":
        for c in _active(case, ClockKind.SHIP_BY):
            stop_clock(c=c, at=at)
    elif step == "receive":
        start_clock(case=case, kind=ClockKind.INSPECT, at=at)
    elif step == "inspect":
        for c in _active(case, ClockKind.INSPECT):
            stop_clock(c=c, at=at)
        if event.data.get("passed") and case.kind == CaseKind.RETURN:
            start_clock(case=case, kind=ClockKind.REFUND, at=at)
    elif step == "reopen":
        start_clock(case=case, kind=ClockKind.RESOLUTION, at=at)
        start_clock(case=case, kind=ClockKind.NEXT_RESPONSE, at=at)


def time_left(c: SlaClock, *, at: datetime | None = None) -> timedelta | None:
    """Wall-clock time until a running clock is due (negative once overdue); None when not running."""
    if c.state != ClockState.RUNNING or c.due_at is None:
        return None
    return c.due_at - (at or clock.now())
