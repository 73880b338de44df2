"""Follow-ups (DESIGN.md §4): survey invitation and reminder, auto-close, shipment chasing, revisits.

Revisits: every resolved complaint gets one (reason ``complaint``); other cases a stable sample.

``on_case_event`` (connected in ``CasesConfig.ready``) schedules and cancels ``FollowUp`` rows in
the transaction of the case's change; the sweep (``cases.sla.sweep``) does each one once when due.
Every number is a field of ``ServiceSettings`` that a manager edits in admin.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from cases.models import (
    Case,
    CaseEvent,
    CaseKind,
    CaseStatus,
    EventType,
    FollowUp,
    FollowUpKind,
    NotificationKind,
    RevisitReason,
    RevisitTask,
    ServiceSettings,
    Tag,
)
from cases.notifications import notify_users
from cases.signals import survey_due, survey_reminder_due
from cases.workflow.events import record_event
from cases.workflow.transitions import transition_case
from core import clock

STALLED_TAG = "shipment-stalled"


def _pending(case: Case, *kinds: str) -> QuerySet[FollowUp]:
    return FollowUp.objects.filter(case=case, kind__in=kinds, done_at__isnull=True, cancelled_at__isnull=True)


def schedule(*, case: Case, kind: str, due_at: datetime, at: datetime) -> FollowUp:
    """Schedule follow-up ``kind``; a pending one of the same kind moves to the new time."""
    pending = _pending(case, kind).first()
    if pending is not None:
        pending.due_at = due_at
        pending.save(update_fields=["due_at"])
        return pending
    return FollowUp.objects.create(case=case, kind=kind, due_at=due_at, created_at=at)


def cancel(*, case: Case, kinds: tuple[str, ...], at: datetime) -> int:
    return _pending(case, *kinds).update(cancelled_at=at)


def in_revisit_sample(case: Case, percent: int) -> bool:
    """A stable sample: the same case is in or out however often it is resolved or the task runs."""
    digest = hashlib.sha256(case.number.encode()).digest()
    return int.from_bytes(digest[:4], "big") % 100 < percent


def on_case_event(*, case: Case, event: CaseEvent) -> None:
    """Schedule or cancel the case's follow-ups for one event (inside the event's transaction)."""
    at = event.created_at
    if event.type == EventType.SHIPMENT:
        if case.status == CaseStatus.IN_TRANSIT:
            days = ServiceSettings.get_solo().stalled_shipment_days
            schedule(case=case, kind=FollowUpKind.SHIPMENT_CHASE, due_at=at + timedelta(days=days), at=at)
        return
    if event.type != EventType.TRANSITION:
        return
    step = event.transition
    if step == "resolve":
        settings = ServiceSettings.get_solo()
        schedule(
            case=case,
            kind=FollowUpKind.SURVEY,
            due_at=at + timedelta(minutes=settings.survey_delay_minutes),
            at=at,
        )
        schedule(case=case, kind=FollowUpKind.AUTO_CLOSE, due_at=at + timedelta(days=settings.auto_close_days), at=at)
        if case.kind == CaseKind.COMPLAINT:
            create_revisit(case=case, reason=RevisitReason.COMPLAINT, at=at)  # every complaint, not a sample
        elif in_revisit_sample(case, settings.revisit_sample_percent):
            create_revisit(case=case, reason=RevisitReason.SAMPLE, at=at)
    elif step == "reopen":
        cancel(case=case, kinds=(FollowUpKind.SURVEY, FollowUpKind.SURVEY_REMINDER, FollowUpKind.AUTO_CLOSE), at=at)
    elif step in ("reject", "cancel"):
        cancel(case=case, kinds=tuple(FollowUpKind.values), at=at)
    elif step == "close":
        cancel(case=case, kinds=(FollowUpKind.AUTO_CLOSE, FollowUpKind.SHIPMENT_CHASE), at=at)
    elif step == "ship_return":
        days = ServiceSettings.get_solo().stalled_shipment_days
        schedule(case=case, kind=FollowUpKind.SHIPMENT_CHASE, due_at=at + timedelta(days=days), at=at)
    elif step == "receive":
        cancel(case=case, kinds=(FollowUpKind.SHIPMENT_CHASE,), at=at)


# --- services other parts call --------------------------------------------------------------------------


def record_shipment_movement(
    *, case: Case, note: str = "", data: dict[str, Any] | None = None, at: datetime | None = None
) -> CaseEvent:
    """A tracking update of the return shipment: written to the timeline; it restarts the chase clock."""
    with transaction.atomic():
        event = record_event(
            case=case, type=EventType.SHIPMENT, actor=None, at=at, note=note, public=True, data=data or {}
        )
        Case.tags.through.objects.filter(case=case, tag__name=STALLED_TAG).delete()
    return event


def create_revisit(*, case: Case, reason: str, note: str = "", at: datetime | None = None) -> tuple[RevisitTask, bool]:
    """Open a revisit (回访) task for the case's team lead (else its agent); one open task per reason.

    The feedback app calls it for every low satisfaction score. Returns (task, created).
    """
    at = at or clock.now()
    settings = ServiceSettings.get_solo()
    with transaction.atomic():
        existing = RevisitTask.objects.filter(case=case, reason=reason, done_at__isnull=True).first()
        if existing is not None:
            return existing, False
        lead = case.team.lead if case.team_id and case.team.lead_id else None  # type: ignore[union-attr]  # team_id: a team
        task = RevisitTask.objects.create(
            case=case,
            reason=reason,
            note=note,
            team=case.team,
            assignee=lead or case.assignee,
            due_at=at + timedelta(days=settings.revisit_due_days),
            created_at=at,
        )
        record_event(
            case=case,
            type=EventType.FOLLOW_UP,
            actor=None,
            at=at,
            note=note,
            data={"follow_up": "revisit", "reason": reason, "task": task.pk},
        )
        if task.assignee is not None:
            notify_users(
                users=[task.assignee],
                case=case,
                kind=NotificationKind.REVISIT,
                render=lambda: (
                    _("Revisit %(case)s by %(due)s") % {"case": case.number, "due": f"{task.due_at:%Y-%m-%d}"},
                    _("Call the customer back about case %(case)s (%(reason)s) and record the outcome.")
                    % {"case": case.number, "reason": RevisitReason(reason).label},
                ),
                at=at,
            )
    return task, True


def complete_revisit(*, task: RevisitTask, actor: User | None, outcome: str, at: datetime | None = None) -> RevisitTask:
    """Record what came of a revisit and close the task (once)."""
    at = at or clock.now()
    with transaction.atomic():
        task = RevisitTask.objects.select_for_update().get(pk=task.pk)
        if task.done_at is not None:
            return task
        task.done_at, task.outcome = at, outcome
        task.save(update_fields=["done_at", "outcome"])
        record_event(
            case=task.case,
            type=EventType.FOLLOW_UP,
            actor=actor,
            at=at,
            note=outcome,
            data={"follow_up": "revisit_done", "task": task.pk},
        )
    return task


# --- what the sweep does when a follow-up falls due -------------------------------------------------


def run_follow_up(*, follow_up: FollowUp, at: datetime) -> None:
    """Do one due follow-up (called by the sweep inside its transaction, once per row)."""
    case = (
        Case.objects.select_for_update(of=("self",))
        .select_related("customer", "team__lead", "assignee")
        .get(pk=follow_up.case_id)
    )
    kind = follow_up.kind
    settings = ServiceSettings.get_solo()
    if kind in (FollowUpKind.SURVEY, FollowUpKind.SURVEY_REMINDER):
        if case.status not in (CaseStatus.RESOLVED, CaseStatus.CLOSED):
            return
        record_event(case=case, type=EventType.FOLLOW_UP, actor=None, at=at, data={"follow_up": kind})
        if kind == FollowUpKind.SURVEY:
            survey_due.send(sender=Case, case=case)
            schedule(
                case=case,
                kind=FollowUpKind.SURVEY_REMINDER,
                due_at=at + timedelta(days=settings.survey_reminder_days),
                at=at,
            )
        else:
            survey_reminder_due.send(sender=Case, case=case)
    elif kind == FollowUpKind.AUTO_CLOSE:
        if case.status == CaseStatus.RESOLVED:
            transition_case(
                case=case,
                name="close",
                actor=None,
                note=_("Closed automatically %(days)s days after resolution.") % {"days": settings.auto_close_days},
            )
    elif kind == FollowUpKind.SHIPMENT_CHASE:
        if case.status != CaseStatus.IN_TRANSIT:
            return
        tag, _created = Tag.objects.get_or_create(name=STALLED_TAG)
        case.tags.add(tag)
        days = settings.stalled_shipment_days
        record_event(
            case=case,
            type=EventType.FOLLOW_UP,
            actor=None,
            at=at,
            note=_("The return shipment has not moved for %(days)s days.") % {"days": days},
            data={"follow_up": kind, "carrier": case.return_carrier, "tracking": case.return_tracking_number},
        )
        lead = case.team.lead if case.team_id else None  # type: ignore[union-attr]  # team_id: a team
        notify_users(
            users=[case.assignee, lead],
            case=case,
            kind=NotificationKind.SHIPMENT_STALLED,
            render=lambda: (
                _("Case %(case)s: return shipment without movement") % {"case": case.number},
                _(
                    "The return shipment %(carrier)s %(tracking)s of case %(case)s has not moved for %(days)s days. "
                    "Chase the carrier or contact the customer."
                )
                % {
                    "carrier": case.return_carrier,
                    "tracking": case.return_tracking_number,
                    "case": case.number,
                    "days": days,
                },
            ),
            at=at,
        )
        schedule(case=case, kind=FollowUpKind.SHIPMENT_CHASE, due_at=at + timedelta(days=days), at=at)
