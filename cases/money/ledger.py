"""The refund ledger's one write path (DESIGN.md §7, issue 16).

Every refund, from any surface (the workbench, the API, the admin's buttons, an approval decision,
the policy engine, anything added later), is made here: ``transition_case`` calls ``lock_order``
then ``record_refund`` when a case is resolved with a refunding resolution, and ``request_refund``
does the same steps for a caller outside a resolve. Its rules:

* it runs under ``SELECT … FOR UPDATE`` on the order row, so two cases on one order resolved at
  the same moment are served one after the other: the second sees the first one's refund;
* the live refunds of an order (requested or succeeded) never add up to more than the order's
  paid amount, nor, when the case names its order lines, more than each line's paid amount;
* a resolve's ``refund_amount`` is what the case refunds *in all*: a case that is reopened keeps
  its refund, and resolving it again requests only the difference (nothing when the amount is
  already refunded); a refund is never lowered (it can only fail or be cancelled);
* each refund has a stable idempotency key: the same key finds the refund it already made;
* the refund's cost line (kind ``refund``) and its ``refund`` event are written here, in the same
  transaction; the shop's ``refund.requested`` is built from that event and carries the refund's id.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any, cast

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from cases.exceptions import InvalidInput, TransitionForbidden
from cases.models import (
    LIVE_REFUND_STATUSES,
    ApprovalRequest,
    Case,
    CaseLine,
    CostKind,
    CostLine,
    EventType,
    Order,
    OrderLine,
    Refund,
    RefundLine,
    RefundStatus,
)
from cases.workflow.events import record_event
from core import clock

ZERO = Decimal("0.00")
SETTLE = "cases.settle_refund"


def _money(value: Decimal | int | str | None) -> Decimal:
    """Two decimals whatever the database returns (SQLite's sums come back as 384, not 384.00)."""
    return Decimal(value or 0).quantize(ZERO)


def _sum(qs: QuerySet[Any], field: str = "amount") -> Decimal:
    return _money(qs.aggregate(total=Sum(field))["total"])


def case_refunded(*, case: Case) -> Decimal:
    """What the case's live refunds (requested or succeeded) add up to."""
    if case.pk is None:
        return ZERO
    return _sum(Refund.objects.filter(case=case, status__in=LIVE_REFUND_STATUSES))


def case_compensation(*, case: Case) -> Decimal:
    """Compensation recorded on the case (counted with its refunds against approval limits)."""
    return _sum(CostLine.objects.filter(case=case, kind=CostKind.COMPENSATION))


@dataclass(frozen=True)
class Standing:
    """What an order's ledger holds for one case, read in one go (under the order's lock when it
    matters): the case's live refunds, the order's room, and the room of each line the case names."""

    refunded: Decimal
    left: Decimal
    lines: dict[int, Decimal]


def standing(*, case: Case, order: Order | None = None) -> Standing:
    """The case's refunds and what its order (and its lines) can still give: two queries."""
    order = order or case.order
    if order is None:
        return Standing(ZERO, ZERO, {})
    live = Q(status__in=LIVE_REFUND_STATUSES)
    totals = Refund.objects.filter(live, order=order).aggregate(
        order_total=Sum("amount"), case_total=Sum("amount", filter=Q(case_id=case.pk))
    )
    left = max(order.paid_amount - _money(totals["order_total"]), ZERO)
    lines: dict[int, Decimal] = {}
    if case.pk is not None:
        taken = (
            RefundLine.objects.filter(order_line=OuterRef("pk"), refund__status__in=LIVE_REFUND_STATUSES)
            .values("order_line")
            .annotate(total=Sum("amount"))
            .values("total")
        )
        rows = (
            OrderLine.objects.filter(pk__in=CaseLine.objects.filter(case_id=case.pk).values("order_line_id"))
            .annotate(taken=Coalesce(Subquery(taken), ZERO))
            .order_by("line_no", "pk")
            .values_list("pk", "paid_amount", "taken")
        )
        lines = {pk: max(_money(paid) - _money(taken), ZERO) for pk, paid, taken in rows}
    if lines:
        left = min(left, sum(lines.values(), ZERO))
    return Standing(_money(totals["case_total"]), _money(left), lines)


def refundable_amount(*, case: Case) -> Decimal:
    """What the case may still add to its refunds: the order's paid amount minus its live refunds,
    and no more than its lines still hold when the case names them. Read without a lock (for the
    forms and the case page); a resolve checks again under the lock."""
    return standing(case=case).left


def may_refund_up_to(*, case: Case) -> Decimal:
    """The most a resolve may give as the case's total refund now: what it refunded plus what is left."""
    now = standing(case=case)
    return now.refunded + now.left


def check_total(*, case: Case, total: Decimal, now: Standing | None = None) -> Decimal:
    """The new money a resolve with ``total`` asks for; a clear ``InvalidInput`` when it cannot be.

    Raises when ``total`` is below what the case already refunded (a refund is never lowered) or
    above what the order still holds. ``now`` is the standing read under the lock, if any.
    """
    if case.order_id is None:
        if total:
            raise InvalidInput(_("Case %(number)s has no order: nothing can be refunded.") % {"number": case.number})
        return ZERO
    now = now or standing(case=case)
    refunded, left = now.refunded, now.left
    if total < refunded:
        raise InvalidInput(
            _(
                "Case %(number)s already refunded %(refunded)s: a refund is never lowered. Give at least "
                "%(refunded)s as the refund amount (what the case refunds in all)."
            )
            % {"number": case.number, "refunded": refunded}
        )
    new = total - refunded
    if new > left:
        raise InvalidInput(
            _(
                "The refund %(amount)s is more than can still be refunded on this order: %(left)s is left "
                "(case %(number)s already refunded %(refunded)s, so the most it may refund in all is %(most)s)."
            )
            % {"amount": total, "left": left, "number": case.number, "refunded": refunded, "most": refunded + left},
            details={"refund_amount": [_("At most %(most)s.") % {"most": refunded + left}]},
        )
    return new


def lock_order(*, case: Case) -> Standing | None:
    """Lock the case's order row (``SELECT … FOR UPDATE``) and read its standing under the lock.

    Call inside a transaction, before anything that may refund: every refund of the order waits
    here, so the standing read stays true until the transaction ends. None when there is no order.
    """
    if case.order_id is None:
        return None
    order = Order.objects.select_for_update().get(pk=case.order_id)
    case.order = order
    return standing(case=case, order=order)


def record_refund(
    *,
    case: Case,
    now: Standing,
    total: Decimal,
    resolution_type: str,
    actor: User | None,
    key: str,
    approval: ApprovalRequest | None = None,
    reason: str = "",
) -> Refund | None:
    """Write the refund that brings the case's live refunds up to ``total`` (None when nothing is
    new): the refund, its lines, its cost line and its ``refund`` event. ``now`` must come from
    ``lock_order`` in the same transaction."""
    new = check_total(case=case, total=total, now=now)
    if new <= 0:
        return None
    order = cast(Order, case.order)  # a refund needs the case's order (check_total)
    at = clock.now()
    cost_line = CostLine.objects.create(
        case=case,
        kind=CostKind.REFUND,
        amount=new,
        currency=order.currency,
        note=_("Refund on resolution"),
        created_by=actor,
    )
    refund = Refund.objects.create(
        case=case,
        order=order,
        amount=new,
        currency=order.currency,
        resolution_type=resolution_type,
        reason=(reason or "")[:200],
        key=key,
        requested_by=approval.requested_by if approval is not None else actor,
        approved_by=actor if approval is not None else None,
        approval=approval,
        cost_line=cost_line,
        created_at=at,
    )
    parts, rest = [], new
    for line_id, room in now.lines.items():
        part = min(room, rest)
        if part > 0:
            parts.append(RefundLine(refund=refund, order_line_id=line_id, amount=part))
            rest -= part
    RefundLine.objects.bulk_create(parts)
    record_event(
        case=case,
        type=EventType.REFUND,
        actor=actor,
        at=at,
        public=True,
        data={
            "refund": refund.pk,
            "key": refund.key,
            "amount": str(new),
            "currency": refund.currency,
            "total": str(total),
            "status": refund.status,
        },
    )
    return refund


def request_refund(
    *,
    case: Case,
    total: Decimal,
    resolution_type: str,
    actor: User | None,
    key: str,
    approval: ApprovalRequest | None = None,
    reason: str = "",
) -> Refund | None:
    """Bring the case's live refunds up to ``total`` on its own: lock, check, write (``lock_order``
    then ``record_refund``). A refund already made with ``key`` is returned as it is: a replay asks
    nothing twice. (A resolve does the same steps inside ``transition_case``.)"""
    existing = Refund.objects.filter(key=key).first()
    if existing is not None:
        return existing
    with transaction.atomic():
        now = lock_order(case=case)
        if now is None:
            check_total(case=case, total=total)
            return None
        return record_refund(
            case=case,
            now=now,
            total=total,
            resolution_type=resolution_type,
            actor=actor,
            key=key,
            approval=approval,
            reason=reason,
        )


def settle_refund(*, refund: Refund, actor: User, status: str, note: str = "") -> Refund:
    """The shop (or a manager) reports what became of a requested refund: succeeded, failed or
    cancelled. A failed or cancelled refund stops counting: its amount may be refunded again.
    Settling is once; the same answer again changes nothing, another answer is a 400."""
    if not actor.has_perm(SETTLE):
        raise TransitionForbidden(_("Your role does not allow reporting refund outcomes."))
    settled = (RefundStatus.SUCCEEDED, RefundStatus.FAILED, RefundStatus.CANCELLED)
    if status not in settled:
        raise InvalidInput(
            _("A refund's outcome is one of: %(choices)s.") % {"choices": ", ".join(str(s) for s in settled)}
        )
    note = (note or "").strip() if isinstance(note, str) else ""
    if len(note) > 200:
        raise InvalidInput(_("The note is too long (at most %(n)s characters).") % {"n": 200})
    with transaction.atomic():
        refund = Refund.objects.select_for_update(of=("self",)).select_related("case", "cost_line").get(pk=refund.pk)
        if refund.status == status:
            return refund
        if refund.status != RefundStatus.REQUESTED:
            raise InvalidInput(
                _("Refund R%(id)s is already %(status)s.")
                % {"id": refund.pk, "status": RefundStatus(refund.status).label}
            )
        refund.status, refund.settled_at, refund.settlement_note = status, clock.now(), note
        refund.save(update_fields=["status", "settled_at", "settlement_note"])
        if status != RefundStatus.SUCCEEDED and refund.cost_line is not None:
            # The money did not leave: the refund costs nothing, and the case's total drops.
            cost_line = refund.cost_line
            refund.cost_line = None
            refund.save(update_fields=["cost_line"])
            cost_line.delete()
        case = refund.case
        live = case_refunded(case=case)
        if case.refund_amount is not None and case.refund_amount != live:
            Case.objects.filter(pk=case.pk).update(refund_amount=live)
            case.refund_amount = live
        record_event(
            case=case,
            type=EventType.REFUND,
            actor=actor,
            public=status == RefundStatus.SUCCEEDED,
            note=note,
            data={
                "refund": refund.pk,
                "key": refund.key,
                "amount": str(refund.amount),
                "currency": refund.currency,
                "status": status,
            },
        )
    return refund


def order_is_within_paid(*, order: Order) -> bool:
    """The ledger's invariant for one order, checked from the rows (the property, race and seeding
    tests use it): live refunds ≤ paid, per line and in total."""
    live = Q(status__in=LIVE_REFUND_STATUSES)
    if _sum(order.refunds.filter(live)) > order.paid_amount:
        return False
    per_line = (
        RefundLine.objects.filter(refund__order=order, refund__status__in=LIVE_REFUND_STATUSES)
        .values("order_line_id", "order_line__paid_amount")
        .annotate(total=Sum("amount"))
    )
    return all(row["total"] <= row["order_line__paid_amount"] for row in per_line)
