"""Cost lines of a case (shipping labels, compensation, write-offs); refunds are not costs: they go through
the refund ledger (``cases.money.ledger``).
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.utils.translation import gettext as _

from cases.exceptions import InvalidInput, TransitionForbidden
from cases.models import (
    Case,
    CostKind,
    CostLine,
    EventType,
)
from cases.workflow.events import record_event


def add_cost_line(*, case: Case, actor: User, kind: str, amount: Any, note: str = "") -> CostLine:
    """Record money the case cost the shop (shipping, compensation, repair, handling), with its event.

    Never a refund: refund cost lines are written by the refund ledger only (``cases.money.ledger``)."""
    if not actor.has_perm("cases.add_costline"):
        raise TransitionForbidden(_("Your role does not allow recording costs."))
    if kind not in CostKind.values:
        raise InvalidInput(_("Unknown cost kind “%(kind)s”.") % {"kind": kind})
    if kind == CostKind.REFUND:
        raise InvalidInput(
            _("Refunds are not recorded by hand: resolve the case with a refund, and the refund ledger records it.")
        )
    try:
        value = Decimal(str(amount)).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        raise InvalidInput(_("The amount must be a number, for example 12.50.")) from None
    if not Decimal("0") < value < Decimal("1000000"):
        raise InvalidInput(_("The amount must be more than 0 and less than 1,000,000."))
    note = (note or "").strip()[:200]
    with transaction.atomic():
        line = CostLine.objects.create(
            case=case, kind=kind, amount=value, currency=case.currency, note=note, created_by=actor
        )
        record_event(
            case=case,
            type=EventType.COST,
            actor=actor,
            note=note,
            data={"kind": kind, "amount": str(value), "currency": case.currency},
        )
    return line
