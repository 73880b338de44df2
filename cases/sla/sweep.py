"""The sweep: find the clocks and follow-ups that fell due, and act on each exactly once.

Run by the beat task ``cases.tasks.sweep`` every ``SLA_SWEEP_SECONDS``. Each batch is one
transaction: the due rows are read through their partial indexes with ``FOR UPDATE SKIP LOCKED``
on PostgreSQL (two workers take different rows; the embedded SQLite default runs one worker and
reads plainly), each row is claimed by a conditional UPDATE (``breached_at IS NULL`` ...) so it can
fire only once, and the escalation, events and notifications are written in the same
transaction. A worker killed mid-batch rolls the whole batch back; the next sweep does it again.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

from django.db import connection, transaction
from django.db.models import Model, QuerySet
from django.utils.translation import gettext as _

from cases.exceptions import CaseError
from cases.models import (
    Case,
    CaseStatus,
    ClockKind,
    ClockState,
    EventType,
    FollowUp,
    NotificationKind,
    Priority,
    ServiceSettings,
    SlaClock,
)
from cases.notifications import notify_customer, notify_users
from cases.sla.clocks import REPLY_CLOCKS
from cases.sla.follow_ups import run_follow_up
from cases.workflow.editing import save_case_edit
from cases.workflow.events import record_event
from cases.workflow.transitions import transition_case
from core import clock

log = logging.getLogger(__name__)
_Row = TypeVar("_Row", bound=Model)  # a clock or a follow-up row
BATCH = 500
RAISE: dict[str, str] = {Priority.LOW: Priority.NORMAL, Priority.NORMAL: Priority.HIGH, Priority.HIGH: Priority.URGENT}


@dataclass
class SweepResult:
    breached: int = 0
    warned: int = 0
    follow_ups: int = 0


def sweep(*, now: datetime | None = None, batch: int = BATCH) -> SweepResult:
    """One pass over everything due at ``now``: breaches first (a breach makes its warning moot)."""
    now = now or clock.now()
    return SweepResult(
        breached=_sweep_clocks(now=now, batch=batch, breach=True),
        warned=_sweep_clocks(now=now, batch=batch, breach=False),
        follow_ups=_sweep_follow_ups(now=now, batch=batch),
    )


def _lock(qs: QuerySet[_Row]) -> QuerySet[_Row]:
    """Lock the rows' *cases*, skipping cases another sweeper holds.

    Locking the case rather than the clock row gives each case to one sweeper at a time: an
    escalation recomputes the case's other clocks, and two sweepers each holding one clock of the
    same case would deadlock on them.
    """
    if connection.features.has_select_for_update_skip_locked:
        return qs.select_related("case").select_for_update(skip_locked=True, of=("case",))
    return qs


def _drain(
    *,
    due: Callable[[], QuerySet[_Row]],
    order: tuple[str, ...],
    claim: Callable[[_Row], bool],
    act: Callable[[_Row], object],
    batch: int,
) -> int:
    """Act once on every row ``due()`` yields, a batch per transaction; returns how many acted.

    ``claim(row)`` marks the row done with a conditional UPDATE and says whether this call won it;
    ``act(row)`` does the work. Both run in a savepoint: when the case changed under an escalation
    (``CaseError``), the claim rolls back with it and the next sweep tries that row again.
    """
    done, failed = 0, set[int]()
    while True:
        with transaction.atomic():
            rows = list(_lock(due().exclude(pk__in=failed)).order_by(*order)[:batch])
            for row in rows:
                try:
                    with transaction.atomic():
                        if not claim(row):
                            continue
                        act(row)
                        done += 1
                except CaseError:
                    log.info("%s %s: the case changed meanwhile; retried next sweep", type(row).__name__, row.pk)
                    failed.add(row.pk)
        if len(rows) < batch:
            return done


def _sweep_clocks(*, now: datetime, batch: int, breach: bool) -> int:
    due_field, done_field = ("due_at", "breached_at") if breach else ("warn_at", "warned_at")
    running = {"state": ClockState.RUNNING, f"{done_field}__isnull": True}

    def claim(c: SlaClock) -> bool:
        # A breach makes the warning moot: it is marked too, so it never fires after the breach.
        values = {done_field: now, "warned_at": c.warned_at or now} if breach else {done_field: now}
        if not SlaClock.objects.filter(pk=c.pk, **running).update(**values):
            return False
        for name, value in values.items():
            setattr(c, name, value)
        return True

    return _drain(
        due=lambda: SlaClock.objects.filter(**running, **{f"{due_field}__lte": now}),
        order=(due_field, "id"),
        claim=claim,
        act=lambda c: (_on_breach if breach else _on_warning)(c, now),
        batch=batch,
    )


def _sweep_follow_ups(*, now: datetime, batch: int) -> int:
    pending = {"done_at__isnull": True, "cancelled_at__isnull": True}

    def claim(row: FollowUp) -> bool:
        row.done_at = now
        return bool(FollowUp.objects.filter(pk=row.pk, **pending).update(done_at=now))

    return _drain(
        due=lambda: FollowUp.objects.filter(**pending, due_at__lte=now),
        order=("due_at", "id"),
        claim=claim,
        act=lambda row: run_follow_up(follow_up=row, at=now),
        batch=batch,
    )


def _case(c: SlaClock) -> Case:
    return (
        Case.objects.select_for_update(of=("self",))
        .select_related("customer", "team__lead", "assignee")
        .get(pk=c.case_id)
    )


def _clock_label(c: SlaClock) -> str:
    return str(ClockKind(c.kind).label)


def _on_warning(c: SlaClock, now: datetime) -> None:
    case = _case(c)
    if c.kind == ClockKind.SHIP_BY:
        record_event(
            case=case,
            type=EventType.SLA_WARNING,
            actor=None,
            at=now,
            data={"clock": c.kind, "due_at": c.due_at.isoformat() if c.due_at else None},
        )
        notify_customer(
            case=case,
            kind=NotificationKind.SHIP_REMINDER,
            render=lambda: (
                _("Please send back your return %(case)s") % {"case": case.number},
                _(
                    "Your return %(case)s was approved. Please hand the parcel to the carrier by %(due)s and "
                    "enter the tracking number; after that date the return is cancelled."
                )
                % {"case": case.number, "due": _local(c.due_at)},
            ),
            at=now,
        )
        return
    record_event(
        case=case,
        type=EventType.SLA_WARNING,
        actor=None,
        at=now,
        data={"clock": c.kind, "due_at": c.due_at.isoformat() if c.due_at else None},
    )
    if c.policy is not None and not c.policy.notify:
        return
    lead = case.team.lead if case.team_id else None  # type: ignore[union-attr]  # team_id: a team
    notify_users(
        users=[case.assignee or lead],
        case=case,
        kind=NotificationKind.SLA_WARNING,
        render=lambda: (
            _("Case %(case)s: %(clock)s due %(due)s")
            % {"case": case.number, "clock": _clock_label(c), "due": _local(c.due_at)},
            _("The %(clock)s target of case %(case)s runs out at %(due)s.")
            % {"clock": _clock_label(c), "case": case.number, "due": _local(c.due_at)},
        ),
        at=now,
    )


def _on_breach(c: SlaClock, now: datetime) -> None:
    case = _case(c)
    record_event(
        case=case,
        type=EventType.SLA_BREACH,
        actor=None,
        at=now,
        data={"clock": c.kind, "due_at": c.due_at.isoformat() if c.due_at else None},
    )
    if c.kind == ClockKind.SHIP_BY:
        if case.status == CaseStatus.APPROVED:
            days = ServiceSettings.get_solo().ship_by_days
            transition_case(
                case=case,
                name="cancel",
                actor=None,
                note=_("Cancelled: the return was not shipped within %(days)s days.") % {"days": days},
            )
        return
    policy = c.policy
    previous = case.assignee
    lead = case.team.lead if case.team_id else None  # type: ignore[union-attr]  # team_id: a team
    changed, done = [], []
    if c.kind in REPLY_CLOCKS and policy is not None and policy.escalate_priority and case.priority in RAISE:
        case.priority = RAISE[case.priority]
        changed.append("priority")
        done.append(_("priority raised to %(priority)s") % {"priority": Priority(case.priority).label})
    if policy is not None and policy.escalate_to_lead and lead is not None and case.assignee_id != lead.pk:
        case.assignee = lead
        changed.append("assignee")
        done.append(_("reassigned to %(lead)s") % {"lead": lead.get_full_name() or lead.get_username()})
    if changed:
        save_case_edit(case=case, actor=None, changed_fields=changed)
    if policy is not None and not policy.notify:
        return
    notify_users(
        users=[previous, lead],
        case=case,
        kind=NotificationKind.SLA_BREACH,
        render=lambda: (
            _("Case %(case)s: %(clock)s target missed") % {"case": case.number, "clock": _clock_label(c)},
            _("The %(clock)s target of case %(case)s ran out at %(due)s.")
            % {"clock": _clock_label(c), "case": case.number, "due": _local(c.due_at)}
            + (" " + _("Escalated: %(what)s.") % {"what": "; ".join(str(d) for d in done)} if done else ""),
        ),
        at=now,
    )


def _local(at: datetime | None) -> str:
    from django.utils import timezone

    return timezone.localtime(at).strftime("%Y-%m-%d %H:%M") if at else ""
