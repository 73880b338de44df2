"""Asking for and deciding a refund above the asker's approval limit (issue 5).

The agent asks (``request_approval``: the same checks as resolving, nothing resolved yet); a user with
``cases.approve_refund`` grants it, which resolves the case in their name through ``transition_case``
(within their own limit, ``cases.money.approvals``), or turns it down. Both write a ``CaseEvent``.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.utils.translation import gettext as _

from cases.exceptions import InvalidInput, TransitionForbidden
from cases.models import REFUNDING_RESOLUTIONS, ApprovalRequest, Case, EventType
from cases.money import ledger as refunds
from cases.money.approvals import APPROVE, pending
from cases.workflow.events import record_event
from cases.workflow.steps import clean_step_params
from cases.workflow.transitions import transition_case
from core import clock


def request_approval(
    *, case: Case, actor: User, resolution_type: str, refund_amount: Any, resolution_note: str = ""
) -> ApprovalRequest:
    """Ask for a resolution above the actor's limit; the same checks as resolving, nothing resolved yet."""
    if not actor.has_perm("cases.work_case"):
        raise TransitionForbidden(_("Your role does not allow writing on cases."))
    cleaned = clean_step_params(
        case=case,
        name="resolve",
        params={"resolution_type": resolution_type, "refund_amount": refund_amount, "resolution_note": resolution_note},
    )
    if cleaned["resolution_type"] not in REFUNDING_RESOLUTIONS:
        raise InvalidInput(_("Only a refund needs an approval."))
    refunds.check_total(case=case, total=cleaned["refund_amount"])  # checked again, locked, on approval
    with transaction.atomic():
        if pending(case) is not None:
            raise InvalidInput(_("Case %(number)s already waits for an approval.") % {"number": case.number})
        request = ApprovalRequest.objects.create(
            case=case,
            resolution_type=cleaned["resolution_type"],
            refund_amount=cleaned["refund_amount"],
            resolution_note=cleaned["resolution_note"],
            requested_by=actor,
            requested_at=clock.now(),
        )
        record_event(
            case=case,
            type=EventType.UPDATED,
            actor=actor,
            note=cleaned["resolution_note"],
            data={
                "fields": ["approval"],
                "approval": request.pk,
                "resolution_type": request.resolution_type,
                "refund_amount": str(request.refund_amount),
            },
        )
    return request


def decide_approval(*, request: ApprovalRequest, actor: User, approve: bool, note: str = "") -> Case:
    """Grant (resolve the case in the approver's name, within their own limit) or turn down a request."""
    if not actor.has_perm(APPROVE):
        raise TransitionForbidden(_("Your role does not allow approving refunds."))
    with transaction.atomic():
        request = ApprovalRequest.objects.select_for_update().select_related("case").get(pk=request.pk)
        if request.decided_at is not None:
            raise InvalidInput(_("This request was already decided."))
        case = request.case
        request.decided_by, request.decided_at, request.approved = actor, clock.now(), approve
        request.decision_note = note.strip()[:2000]
        request.save(update_fields=["decided_by", "decided_at", "approved", "decision_note"])
        if approve:
            transition_case(
                case=case,
                name="resolve",
                actor=actor,
                approval=request,
                refund_key=f"approval-{request.pk}",
                note=request.decision_note,
                resolution_type=request.resolution_type,
                refund_amount=request.refund_amount,
                resolution_note=request.resolution_note,
            )
        else:
            record_event(
                case=case,
                type=EventType.UPDATED,
                actor=actor,
                note=request.decision_note,
                data={"fields": ["approval"], "approval": request.pk, "approved": False},
            )
    return case
