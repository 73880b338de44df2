"""The refund approval matrix (issues 5 and 16): who may grant how much refund on a case.

``transition_case`` refuses a ``resolve`` that would take the case's refunds (and compensation)
above the actor's limit (``NeedsApproval``), so neither the workbench nor the API can go round it.
The agent then asks (``request_approval``); a user with ``cases.approve_refund`` grants it, which
resolves the case in their name (within their own limit), or turns it down.

It fails closed: a limit counts the case's total refunds and compensation, not one call; an agent or
manager whose role has no row for the resolution needs approval for any refund, and so does any
other staff user. Only administrators (the ``admin`` role, superusers) and the system (the policy
engine, no user) have no limit. Default limits ship as data (migration ``0017``), which managers edit
in the admin: agent 500.00, manager 5,000.00 per refunding resolution.
"""

from __future__ import annotations

from decimal import Decimal

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils.translation import gettext as _

from cases.exceptions import InvalidInput, NeedsApproval, TransitionForbidden
from cases.models import REFUNDING_RESOLUTIONS, ApprovalLimit, ApprovalRequest, Case, EventType
from cases.money import ledger as refunds
from core import clock
from core.roles import ADMIN

APPROVE = "cases.approve_refund"
MATRIX_ROLES = ("agent", "manager")
NO_LIMIT_ROLES = (ADMIN,)
ZERO = Decimal("0.00")


def approval_limits(*, user: AbstractBaseUser) -> dict[str, Decimal] | None:
    """The most refund (and compensation) ``user`` may grant on one case, per refunding resolution.

    None means no limit: a superuser or an administrator. Otherwise, per resolution, the most
    generous row of the user's roles in the matrix; a resolution without a row, or a user with no
    role in it, gets 0.00: every refund needs an approval. Two queries.
    """
    if user.is_superuser:
        return None
    groups = set(user.groups.values_list("name", flat=True))
    if groups & set(NO_LIMIT_ROLES):
        return None
    roles = [name for name in groups if name in MATRIX_ROLES]
    limits = dict.fromkeys(sorted(REFUNDING_RESOLUTIONS), ZERO)
    for resolution, amount in ApprovalLimit.objects.filter(role__in=roles).values_list("resolution_type", "max_amount"):
        if resolution in limits:
            limits[resolution] = max(limits[resolution], amount)
    return limits


def approval_limit(*, user: AbstractBaseUser, resolution_type: str) -> Decimal | None:
    """The limit of ``approval_limits`` for one resolution (None: no limit)."""
    limits = approval_limits(user=user)
    return None if limits is None else limits.get(resolution_type, ZERO)


def remaining_without_approval(
    *, user: AbstractBaseUser, case: Case, refunded: Decimal | None = None
) -> Decimal | None:
    """How much more ``user`` may refund on ``case`` without asking, whatever the resolution (the
    smallest of their limits less the case's refunds and compensation); None: no limit.
    ``refunded`` is the case's live refunds when the caller read them already."""
    limits = approval_limits(user=user)
    if limits is None:
        return None
    if refunded is None:
        refunded = refunds.case_refunded(case=case)
    return max(min(limits.values()) - refunded - refunds.case_compensation(case=case), ZERO)


def check_limit(
    *,
    user: AbstractBaseUser | None,
    case: Case,
    resolution_type: str,
    amount: Decimal | None,
    refunded: Decimal | None = None,
) -> None:
    """Raise ``NeedsApproval`` when a resolve with ``amount`` as the case's total refund would take the
    case above what ``user`` may grant. A resolve that asks no new money needs no approval.
    ``refunded`` is the case's live refunds when the caller read them already (under the lock)."""
    if user is None or amount is None or resolution_type not in REFUNDING_RESOLUTIONS:
        return
    if refunded is None:
        refunded = refunds.case_refunded(case=case)
    if amount <= refunded:
        return
    limit = approval_limit(user=user, resolution_type=resolution_type)
    if limit is None:
        return
    total = amount + refunds.case_compensation(case=case)
    if total > limit:
        raise NeedsApproval(
            _(
                "A refund of %(amount)s takes case %(number)s to %(total)s in refunds and compensation, above "
                "your approval limit of %(limit)s: ask someone allowed to approve it."
            )
            % {"amount": amount, "number": case.number, "total": total, "limit": limit}
        )


def pending(case: Case) -> ApprovalRequest | None:
    return case.approvals.filter(decided_at__isnull=True).select_related("requested_by").first()


def request_approval(
    *, case: Case, actor: AbstractBaseUser, resolution_type: str, refund_amount, resolution_note: str = ""
) -> ApprovalRequest:
    """Ask for a resolution above the actor's limit; the same checks as resolving, nothing resolved yet."""
    from cases.services import _clean_params, record_event

    if not actor.has_perm("cases.work_case"):
        raise TransitionForbidden(_("Your role does not allow writing on cases."))
    cleaned = _clean_params(
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


def decide_approval(*, request: ApprovalRequest, actor: AbstractBaseUser, approve: bool, note: str = "") -> Case:
    """Grant (resolve the case in the approver's name, within their own limit) or turn down a request."""
    from cases.services import record_event, transition_case

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
