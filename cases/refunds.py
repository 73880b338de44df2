"""The refund ledger's one write path (DESIGN.md §7, issue 16).

Every refund, from any surface (the workbench, the API, an approval decision, the policy engine,
anything added later), is made by ``request_refund``, called by ``transition_case`` when a case is
resolved with a refunding resolution. Its rules:

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

from decimal import Decimal

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import Q, Sum
from django.utils.translation import gettext as _

from . import clock
from .exceptions import InvalidInput, TransitionForbidden
from .models import (
    LIVE_REFUND_STATUSES,
    Case,
    CostKind,
    CostLine,
    EventType,
    Order,
    Refund,
    RefundLine,
    RefundStatus,
)

ZERO = Decimal("0.00")
SETTLE = "cases.settle_refund"


def _sum(qs, field: str = "amount") -> Decimal:
    return qs.aggregate(total=Sum(field))["total"] or ZERO


def case_refunded(*, case: Case) -> Decimal:
    """What the case's live refunds (requested or succeeded) add up to."""
    if case.pk is None:
        return ZERO
    return _sum(Refund.objects.filter(case=case, status__in=LIVE_REFUND_STATUSES))


def case_compensation(*, case: Case) -> Decimal:
    """Compensation recorded on the case (counted with its refunds against approval limits)."""
    return _sum(CostLine.objects.filter(case=case, kind=CostKind.COMPENSATION))


def _line_room(*, case: Case) -> dict[int, Decimal]:
    """For each order line the case names: its paid amount minus the live refunds on it."""
    line_ids = list(case.lines.values_list("order_line_id", flat=True).distinct()) if case.pk else []
    if not line_ids:
        return {}
    paid = dict(case.order.lines.filter(pk__in=line_ids).values_list("pk", "paid_amount"))
    taken = dict(
        RefundLine.objects.filter(order_line_id__in=line_ids, refund__status__in=LIVE_REFUND_STATUSES)
        .values("order_line_id")
        .annotate(total=Sum("amount"))
        .values_list("order_line_id", "total")
    )
    return {line_id: max(paid[line_id] - taken.get(line_id, ZERO), ZERO) for line_id in sorted(paid)}


def refundable_amount(*, case: Case) -> Decimal:
    """What the case may still add to its refunds: the order's paid amount minus its live refunds,
    and no more than its lines still hold when the case names them. Read without a lock (for the
    forms and early messages); ``request_refund`` checks again under the lock."""
    if case.order_id is None:
        return ZERO
    order = case.order
    room = max(order.paid_amount - _sum(order.refunds.filter(status__in=LIVE_REFUND_STATUSES)), ZERO)
    lines = _line_room(case=case)
    if lines:
        room = min(room, sum(lines.values(), ZERO))
    return room


def may_refund_up_to(*, case: Case) -> Decimal:
    """The most a resolve may give as the case's total refund now: what it refunded plus what is left."""
    return case_refunded(case=case) + refundable_amount(case=case)


def check_total(*, case: Case, total: Decimal) -> Decimal:
    """The new money a resolve with ``total`` asks for; a clear ``InvalidInput`` when it cannot be.

    Raises when ``total`` is below what the case already refunded (a refund is never lowered) or
    above what the order still holds.
    """
    if case.order_id is None:
        if total:
            raise InvalidInput(_("Case %(number)s has no order: nothing can be refunded.") % {"number": case.number})
        return ZERO
    refunded = case_refunded(case=case)
    if total < refunded:
        raise InvalidInput(
            _(
                "Case %(number)s already refunded %(refunded)s: a refund is never lowered. Give at least "
                "%(refunded)s as the refund amount (what the case refunds in all)."
            )
            % {"number": case.number, "refunded": refunded}
        )
    new = total - refunded
    left = refundable_amount(case=case)
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


def request_refund(
    *,
    case: Case,
    total: Decimal,
    resolution_type: str,
    actor: AbstractBaseUser | None,
    key: str,
    approval=None,
    reason: str = "",
) -> Refund | None:
    """Bring the case's live refunds up to ``total``: one new ``Refund`` for the difference, or None.

    Call inside the transaction of the resolve. Locks the order row first; a refund with ``key``
    already made is returned as it is (a replay asks nothing twice).
    """
    from .services import record_event

    if case.order_id is None and not total:
        return None
    existing = Refund.objects.filter(key=key).first()
    if existing is not None:
        return existing
    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=case.order_id)
        case.order = order
        new = check_total(case=case, total=total)
        if new <= 0:
            return None
        at = clock.now()
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
            created_at=at,
        )
        rest = new
        lines = []
        for line_id, room in _line_room(case=case).items():
            part = min(room, rest)
            if part > 0:
                lines.append(RefundLine(refund=refund, order_line_id=line_id, amount=part))
                rest -= part
        RefundLine.objects.bulk_create(lines)
        refund.cost_line = CostLine.objects.create(
            case=case,
            kind=CostKind.REFUND,
            amount=new,
            currency=order.currency,
            note=_("Refund R%(id)s") % {"id": refund.pk},
            created_by=actor,
        )
        refund.save(update_fields=["cost_line"])
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


def settle_refund(*, refund: Refund, actor: AbstractBaseUser, status: str, note: str = "") -> Refund:
    """The shop (or a manager) reports what became of a requested refund: succeeded, failed or
    cancelled. A failed or cancelled refund stops counting: its amount may be refunded again.
    Settling is once; the same answer again changes nothing, another answer is a 400."""
    from .services import record_event

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
    """The ledger's invariant for one order (used by tests and a health check): live refunds ≤ paid,
    per line and in total."""
    live = Q(status__in=LIVE_REFUND_STATUSES)
    if _sum(order.refunds.filter(live)) > order.paid_amount:
        return False
    per_line = (
        RefundLine.objects.filter(refund__order=order, refund__status__in=LIVE_REFUND_STATUSES)
        .values("order_line_id", "order_line__paid_amount")
        .annotate(total=Sum("amount"))
    )
    return all(row["total"] <= row["order_line__paid_amount"] for row in per_line)
