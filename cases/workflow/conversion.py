"""Making a case the right case: *convert* an inquiry (or any new case without lines) into a return,
exchange, repair, refund-only case or complaint, and *reclassify* a case's kind or reason.

A conversion keeps the case (same number, same timeline, the conversation so far) and gives it what
``create_case`` would have: the order, the lines, the reason, and for goods kinds the return policy's
verdict, decided by the same code as for a case opened in the portal (``creation._validate_new_case``,
``creation._apply_policy``: approve, reject or review, explained in the customer's language). The SLA
clocks follow the new kind (``recompute_case_clocks``). Each write is one transaction with one
``updated`` event (``data.converted_from`` / ``data.to``, or ``data.reclassified``) naming who and why;
analytics read the kind and reason from the case row, so the case counts under its current class.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.utils.translation import gettext as _
from django_fsm import ConcurrentTransition

from cases.exceptions import CaseChanged, InvalidInput, TransitionForbidden
from cases.models import (
    CONVERSATION_KINDS,
    GOODS_KINDS,
    OPEN_STATUSES,
    WORK,
    Case,
    CaseKind,
    CaseStatus,
    EventType,
    Order,
    OrderLine,
    PolicyOutcome,
    ReasonCode,
)
from cases.policy.engine import claimed_quantities
from cases.sla.clocks import recompute_case_clocks
from cases.workflow.creation import LineRequest, _add_lines, _apply_policy, _validate_new_case
from cases.workflow.events import record_event
from core import clock

# What a case can be converted into: every kind but the inquiry it usually starts as.
CONVERSION_KINDS = (*sorted(GOODS_KINDS), CaseKind.COMPLAINT)
# A policy decision that settled the case: its reason and kind are what it was decided on.
DECIDED = frozenset({PolicyOutcome.APPROVE, PolicyOutcome.REJECT})
COMPLAINT_ONLY_FIELDS = ("complaint_category", "complaint_severity")


def convert_case(
    *,
    case: Case,
    actor: User,
    kind: str,
    order: Order | None,
    lines: Sequence[LineRequest] = (),
    reason_code: str,
    reason_text: str = "",
    has_photos: bool = False,
    expected_version: int | None = None,
) -> Case:
    """Turn a new case without lines into a ``kind`` case about ``order`` and ``lines``.

    Checks, before anything is written: the actor holds ``cases.work_case``; nobody changed the case
    since ``expected_version``; the case is ``new`` (the status the policy's approve and reject start
    from) and has no lines; what ``create_case`` checks (the order is the customer's, its lines, the
    quantities against what was bought, a variant only for an exchange); and, under the order lines'
    row locks, each quantity against what is left to claim. Then one transaction: the case's kind,
    reason, order and lines, the ``updated`` event ``{"converted_from": old, "to": kind, ...}``, the
    SLA clocks recomputed, and for goods kinds the policy's decision and its step, explained to the
    customer in their language. Raises ``TransitionForbidden``, ``CaseChanged`` or ``InvalidInput``.
    """
    _check_may_change(case=case, actor=actor, expected_version=expected_version)
    lines = list(lines)
    _check_convertible(case=case, kind=kind, lines=lines)
    _validate_new_case(
        customer=case.customer,
        kind=kind,
        channel=case.channel,
        order=order,
        lines=lines,
        reason_code=reason_code,
        priority=case.priority,
    )
    now = clock.now()
    converted_from = case.kind
    try:
        with transaction.atomic():
            _lock_and_check_left_to_claim(case=case, lines=lines)
            case.kind, case.reason_code, case.order = kind, reason_code, order
            case.reason_text = reason_text.strip() or case.reason_text
            if order is not None:
                case.currency = order.currency
            case.version += 1
            case.save()
            _add_lines(case=case, lines=lines)
            record_event(
                case=case,
                type=EventType.UPDATED,
                actor=actor,
                at=now,
                note=reason_text.strip(),
                data={
                    "converted_from": converted_from,
                    "to": kind,
                    "order": order.number if order else None,
                    "lines": [[ln.order_line.pk, ln.quantity] for ln in lines],
                    "reason": reason_code,
                },
            )
            recompute_case_clocks(case=case, at=now)
            if kind in GOODS_KINDS:
                _apply_policy(case=case, lines=lines, has_photos=has_photos, at=now)
    except ConcurrentTransition as exc:
        raise _changed(case) from exc
    return case


def reclassify_case(
    *,
    case: Case,
    actor: User,
    why: str,
    kind: str | None = None,
    reason_code: str | None = None,
    expected_version: int | None = None,
) -> Case:
    """Correct an open case's kind and/or reason, with the agent's ``why``, in one ``updated`` event
    (``data.reclassified``: each changed field's old and new value).

    The kind may move among the conversation kinds (inquiry, complaint) while the case has no lines,
    and among the goods kinds while it has no lines and no decision; turning a conversation into a
    goods case needs the order and lines: that is ``convert_case``. The reason may change until the
    policy approved or rejected the case on it. A complaint reclassified away loses its complaint
    category and severity. The SLA clocks follow a new kind.
    """
    _check_may_change(case=case, actor=actor, expected_version=expected_version)
    why = why.strip() if isinstance(why, str) else ""
    if not why:
        raise InvalidInput(_("Say why the case is reclassified."))
    if case.status not in OPEN_STATUSES:
        raise InvalidInput(
            _("Case %(number)s is %(status)s: only an open case can be reclassified.")
            % {"number": case.number, "status": CaseStatus(case.status).label}
        )
    changes: dict[str, list[Any]] = {}
    if kind is not None and kind != case.kind:
        _check_kind_change(case=case, kind=kind)
        changes["kind"] = [case.kind, kind]
    if reason_code is not None and reason_code != case.reason_code:
        _check_reason_change(case=case, reason_code=reason_code)
        changes["reason"] = [case.reason_code, reason_code]
    if not changes:
        raise InvalidInput(_("Nothing to change: the kind and reason are already these."))
    now = clock.now()
    try:
        with transaction.atomic():
            if "kind" in changes:
                case.kind = changes["kind"][1]
                if case.kind != CaseKind.COMPLAINT:
                    _drop_complaint_classification(case)
            if "reason" in changes:
                case.reason_code = changes["reason"][1]
            case.version += 1
            case.save()
            record_event(
                case=case, type=EventType.UPDATED, actor=actor, at=now, note=why, data={"reclassified": changes}
            )
            if "kind" in changes:
                recompute_case_clocks(case=case, at=now)
    except ConcurrentTransition as exc:
        raise _changed(case) from exc
    return case


def _drop_complaint_classification(case: Case) -> None:
    """Only a complaint carries a complaint category and severity (a check constraint holds it); the
    fields are another change's (cases.workflow.classification), so they are cleared where they exist."""
    for field in COMPLAINT_ONLY_FIELDS:
        if hasattr(case, field):
            setattr(case, field, None)


def _check_may_change(*, case: Case, actor: User, expected_version: int | None) -> None:
    if not actor.has_perm(WORK):
        raise TransitionForbidden(_("Your role does not allow working on cases."))
    if expected_version is not None and expected_version != case.version:
        raise CaseChanged(
            _(
                "Case %(number)s changed since you loaded it (version %(theirs)s, now %(ours)s). "
                "Reload it and try again."
            )
            % {"number": case.number, "theirs": expected_version, "ours": case.version}
        )


def _changed(case: Case) -> CaseChanged:
    case.version -= 1
    return CaseChanged(
        _("Case %(number)s was changed by someone else at the same time. Reload it and try again.")
        % {"number": case.number}
    )


def _check_convertible(*, case: Case, kind: str, lines: list[LineRequest]) -> None:
    if kind not in CONVERSION_KINDS:
        raise InvalidInput(
            _("A case can be converted into a return, exchange, repair, refund-only case or complaint, not “%(kind)s”.")
            % {"kind": kind}
        )
    if kind == case.kind:
        raise InvalidInput(_("Case %(number)s already is this kind of case.") % {"number": case.number})
    if case.status != CaseStatus.NEW:
        raise InvalidInput(
            _("Case %(number)s is %(status)s: only a new case can be converted (the policy decides from there).")
            % {"number": case.number, "status": CaseStatus(case.status).label}
        )
    if case.lines.exists():
        raise InvalidInput(
            _("Case %(number)s already has order lines: it cannot be converted.") % {"number": case.number}
        )
    if kind == CaseKind.COMPLAINT and lines:
        raise InvalidInput(_("A complaint has no order lines: name the order only."))


def _lock_and_check_left_to_claim(*, case: Case, lines: list[LineRequest]) -> None:
    """Under the order lines' row locks (as ``create_case`` takes them), each quantity is at most what
    the other open cases have not claimed yet."""
    if not lines:
        return
    ids = [ln.order_line.pk for ln in lines]
    list(OrderLine.objects.select_for_update().filter(pk__in=ids))
    claimed = claimed_quantities(order_line_ids=ids, exclude_case_id=case.pk)
    for ln in lines:
        left = ln.order_line.quantity - claimed.get(ln.order_line.pk, 0)
        if ln.quantity > left:
            raise InvalidInput(
                _("Line %(line)s: %(asked)s asked, but only %(left)s left to claim (the rest is in other cases).")
                % {"line": ln.order_line.line_no, "asked": ln.quantity, "left": max(left, 0)}
            )


def _check_kind_change(*, case: Case, kind: str) -> None:
    if kind not in CaseKind.values:
        raise InvalidInput(_("Unknown case kind “%(kind)s”.") % {"kind": kind})
    if case.lines.exists():
        raise InvalidInput(
            _("Case %(number)s has order lines: its kind can no longer change.") % {"number": case.number}
        )
    if kind in CONVERSATION_KINDS:
        return
    if case.kind in CONVERSATION_KINDS:
        raise InvalidInput(_("To make a conversation a goods case, convert it: choose the order and its lines."))
    if case.policy_outcome in DECIDED:
        raise InvalidInput(
            _("The return policy already decided case %(number)s as it is: its kind cannot change.")
            % {"number": case.number}
        )


def _check_reason_change(*, case: Case, reason_code: str) -> None:
    if reason_code not in ReasonCode.values:
        raise InvalidInput(_("Unknown reason “%(reason)s”.") % {"reason": reason_code})
    if case.policy_outcome in DECIDED:
        raise InvalidInput(
            _("The return policy decided case %(number)s on its reason: the reason cannot change any more.")
            % {"number": case.number}
        )
