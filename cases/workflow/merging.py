"""Merging two open cases of one customer into one: the merged case's timeline, its messages, its lines and
its SLA clocks move to the case it is merged into, and the merged case closes with a link to it.

The SLA clocks: for each kind of clock, the earliest-due active one of the two cases is kept on the
surviving case (the customer has been waiting since then); the other is stopped. Everything the merged
case's state machine scheduled (follow-ups) is cancelled. The merged case keeps its ``created`` entry
and gets the closing step, so its own history still says what it was and where it went.
"""

from __future__ import annotations

from django.contrib.auth.models import User
from django.db import transaction
from django.utils.translation import gettext as _
from django_fsm import ConcurrentTransition

from cases.exceptions import CaseChanged, InvalidInput, TransitionForbidden
from cases.models import (
    ACTIVE_CLOCK_STATES,
    FINAL_STATUSES,
    WORK,
    Case,
    CaseLine,
    EventType,
    FollowUpKind,
    SlaClock,
)
from cases.sla import clocks, follow_ups
from cases.workflow.events import record_event
from core import clock


def _check_merge(*, merged: Case, into: Case) -> None:
    if into.pk == merged.pk:
        raise InvalidInput(_("A case cannot be merged into itself."))
    if into.customer_id != merged.customer_id:
        raise InvalidInput(_("Only a case of the same customer can be merged."))
    for case in (merged, into):
        if case.status in FINAL_STATUSES:
            raise InvalidInput(_("Case %(number)s is closed: only open cases can be merged.") % {"number": case.number})
    taken = set(into.lines.values_list("order_line_id", flat=True))
    if taken & set(merged.lines.values_list("order_line_id", flat=True)):
        raise InvalidInput(_("Both cases are about the same order line: resolve one of them instead of merging them."))
    if merged.lines.exists() and into.order_id not in (None, merged.order_id):
        raise InvalidInput(_("The two cases are about different orders: link them instead."))


def _move_clocks(*, merged: Case, into: Case) -> None:
    """Per kind, keep the earliest-due active clock on ``into`` and stop the other one."""
    now = clock.now()
    kept = {c.kind: c for c in SlaClock.objects.select_for_update().filter(case=into, state__in=ACTIVE_CLOCK_STATES)}
    for c in SlaClock.objects.select_for_update().filter(case=merged, state__in=ACTIVE_CLOCK_STATES):
        ours = kept.get(c.kind)
        if ours is not None and (c.due_at is None or (ours.due_at is not None and ours.due_at <= c.due_at)):
            clocks.stop_clock(c=c, at=now)
            continue
        if ours is not None:
            clocks.stop_clock(c=ours, at=now)
        c.case = into
        c.save(update_fields=["case"])
    clocks.sync_case_due_times(case=into)


def merge_cases(*, merged: Case, into: Case, actor: User, reason: str = "") -> Case:
    """Merge the open case ``merged`` into the open case ``into`` of the same customer; returns ``into``.

    One transaction: the merged case's events (but its ``created`` entry), channel messages, lines and
    winning clocks move; both cases are linked; ``into`` gets an internal note with the merged case's
    description and an ``updated`` event naming it; the merged case takes the ``merge`` step (cancelled,
    ``merged_into`` set). Refused: another customer's case, a closed case, a case into itself, two cases
    about the same order line (``InvalidInput``); a role that may not work cases (``TransitionForbidden``);
    a case changed meanwhile (``CaseChanged``). Nothing is written when refused.
    """
    if not actor.has_perm(WORK):
        raise TransitionForbidden(_("Your role does not allow writing on cases."))
    _check_merge(merged=merged, into=into)
    reason = (reason or "").strip()[:500]
    at = clock.now()
    try:
        with transaction.atomic():
            moved = list(merged.events.exclude(type=EventType.CREATED).values_list("pk", flat=True))
            merged.events.filter(pk__in=moved).update(case=into)
            merged.messages.update(case=into)  # channels_app's messages, by the reverse relation
            CaseLine.objects.filter(case=merged).update(case=into)
            if into.order_id is None and merged.order_id is not None:
                into.order = merged.order
                into.version += 1
                into.save(update_fields=["order", "version", "updated_at"])
            _move_clocks(merged=merged, into=into)
            follow_ups.cancel(case=merged, kinds=tuple(FollowUpKind.values), at=at)
            merged.related.add(into)
            from_status = merged.status
            merged.merge(at=at)
            merged.merged_into = into
            merged.version += 1
            merged.save()
            record_event(
                case=merged,
                type=EventType.TRANSITION,
                actor=actor,
                at=at,
                transition="merge",
                from_status=from_status,
                to_status=merged.status,
                public=True,
                note=_("Merged into %(number)s.") % {"number": into.number},
                data={"merged_into": into.number, "reason": reason, "events": len(moved)},
            )
            record_event(
                case=into,
                type=EventType.NOTE,
                actor=actor,
                at=at,
                note=merged.reason_text or merged.subject or merged.number,
                data={"merged": merged.number, "reason": reason, "events": len(moved)},
            )
    except ConcurrentTransition as exc:
        raise CaseChanged(
            _("Case %(number)s was changed by someone else meanwhile. Reload it and try again.")
            % {"number": merged.number}
        ) from exc
    return into
