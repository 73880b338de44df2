"""The refund approval matrix (issue 5): who may grant which refunding resolution up to how much.

``transition_case`` refuses a ``resolve`` above the actor's limit (``NeedsApproval``), so neither the
workbench nor the API can go round it. The agent then asks (``request_approval``); a user with
``cases.approve_refund`` (managers) grants it, which resolves the case in their name, or turns it
down. A role without a limit row for a resolution has no limit for it.
"""

from __future__ import annotations

from decimal import Decimal

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils.translation import gettext as _

from . import clock
from .exceptions import InvalidInput, NeedsApproval, TransitionForbidden
from .models import REFUNDING_RESOLUTIONS, ApprovalLimit, ApprovalRequest, Case, EventType

APPROVE = "cases.approve_refund"
MATRIX_ROLES = ("agent", "manager")


def approval_limit(*, user: AbstractBaseUser, resolution_type: str) -> Decimal | None:
    """The most ``user`` may grant for this resolution: the most generous of their roles in the
    matrix (agent, manager); None means no limit (a role without a row, a superuser, no such role)."""
    if user.is_superuser or resolution_type not in REFUNDING_RESOLUTIONS:
        return None
    roles = [name for name in user.groups.values_list("name", flat=True) if name in MATRIX_ROLES]
    if not roles:
        return None
    limits = dict(
        ApprovalLimit.objects.filter(role__in=roles, resolution_type=resolution_type).values_list("role", "max_amount")
    )
    if any(role not in limits for role in roles):
        return None
    return max(limits.values())


def check_limit(*, user: AbstractBaseUser | None, resolution_type: str, amount: Decimal | None) -> None:
    """Raise ``NeedsApproval`` when ``amount`` is above what ``user`` may grant."""
    if user is None or amount is None:
        return
    limit = approval_limit(user=user, resolution_type=resolution_type)
    if limit is not None and amount > limit:
        raise NeedsApproval(
            _("A refund of %(amount)s is above your approval limit of %(limit)s: ask a manager to approve it.")
            % {"amount": amount, "limit": limit}
        )


def pending(case: Case) -> ApprovalRequest | None:
    return case.approvals.filter(decided_at__isnull=True).select_related("requested_by").first()


def request_approval(
    *, case: Case, actor: AbstractBaseUser, resolution_type: str, refund_amount, resolution_note: str = ""
) -> ApprovalRequest:
    """Ask for a resolution above the actor's limit; the same checks as resolving, nothing resolved yet."""
    from .services import _clean_params, record_event

    if not actor.has_perm("cases.work_case"):
        raise TransitionForbidden(_("Your role does not allow writing on cases."))
    cleaned = _clean_params(
        case=case,
        name="resolve",
        params={"resolution_type": resolution_type, "refund_amount": refund_amount, "resolution_note": resolution_note},
    )
    if cleaned["resolution_type"] not in REFUNDING_RESOLUTIONS:
        raise InvalidInput(_("Only a refund needs an approval."))
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


def decide_approval(*, request: ApprovalRequest, actor: AbstractBaseUser, approve: bool, note: str = "") -> Case:
    """Grant (resolve the case in the approver's name, within their own limit) or turn down a request."""
    from .services import record_event, transition_case

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
