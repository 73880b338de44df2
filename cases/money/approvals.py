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

from django.contrib.auth.models import User
from django.utils.translation import gettext as _

from cases.exceptions import NeedsApproval
from cases.models import REFUNDING_RESOLUTIONS, ApprovalLimit, ApprovalRequest, Case
from cases.money import ledger as refunds
from core.roles import ADMIN

APPROVE = "cases.approve_refund"
MATRIX_ROLES = ("agent", "manager")
NO_LIMIT_ROLES = (ADMIN,)
ZERO = Decimal("0.00")


def approval_limits(*, user: User) -> dict[str, Decimal] | None:
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
    limits: dict[str, Decimal] = dict.fromkeys(sorted(REFUNDING_RESOLUTIONS), ZERO)
    for resolution, amount in ApprovalLimit.objects.filter(role__in=roles).values_list("resolution_type", "max_amount"):
        if resolution in limits:
            limits[resolution] = max(limits[resolution], amount)
    return limits


def approval_limit(*, user: User, resolution_type: str) -> Decimal | None:
    """The limit of ``approval_limits`` for one resolution (None: no limit)."""
    limits = approval_limits(user=user)
    return None if limits is None else limits.get(resolution_type, ZERO)


def remaining_without_approval(*, user: User, case: Case, refunded: Decimal | None = None) -> Decimal | None:
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
    user: User | None,
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
