"""The shop pushes its orders in; this module keeps our mirror of them (DESIGN.md §1, §2).

``upsert_order`` is the one write: it creates or updates an order by its number, with its
customer, its lines and the products they refer to. It is idempotent: sending the same order
twice writes nothing the second time (rows are saved only when a value differs), so the shop may
retry freely. The shop is the source of truth, with one exception: units that a live case claims
stay, because a case is already running on them (``OrderConflict``, HTTP 409).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any, cast

from django.db import IntegrityError, transaction
from django.db.models import Model
from django.utils.translation import gettext as _

from cases.exceptions import CaseError, InvalidInput
from cases.models import CaseLine, CaseStatus, Customer, CustomerTier, Order, OrderLine, Product
from cases.sla import clocks as sla
from core import phones

# Cases in these statuses hold no units of the order lines they name (as in cases.policy.engine).
RELEASED_STATUSES = (CaseStatus.REJECTED, CaseStatus.CANCELLED)


class OrderConflict(CaseError):
    """The order cannot change this way because cases refer to it; nothing was written."""

    http_status = 409
    code = "order_conflict"


@dataclass(frozen=True)
class CustomerData:
    external_id: str
    name: str
    email: str = ""
    phone: str = ""
    language: str = "zh-hans"
    tier: str = CustomerTier.REGULAR


@dataclass(frozen=True)
class ProductData:
    """What the policy engine needs to know about a product: category and return flags."""

    category: str
    flags: tuple[str, ...] = ()
    returnable: bool = True
    supplier: str = ""


@dataclass(frozen=True)
class LineData:
    line_no: int
    sku: str
    name: str
    quantity: int
    unit_price: Decimal
    paid_amount: Decimal
    product: ProductData | None = None


@dataclass(frozen=True)
class OrderData:
    customer: CustomerData
    status: str
    placed_at: datetime
    lines: list[LineData] = field(default_factory=list)
    delivered_at: datetime | None = None
    currency: str = "CNY"
    paid_amount: Decimal | None = None  # None: the sum of the lines' paid amounts
    shipping_address: str = ""


def _assign_changed(instance: Model, values: dict[str, Any]) -> list[str]:
    """Set the values that differ on ``instance``; return the names of the fields that changed."""
    changed = []
    for name, value in values.items():
        if getattr(instance, name) != value:
            setattr(instance, name, value)
            changed.append(name)
    return changed


def _save_changed(instance: Model, values: dict[str, Any], *, extra_fields: tuple[str, ...] = ()) -> None:
    changed = _assign_changed(instance, values)
    if changed:
        instance.save(update_fields=[*changed, *extra_fields])


def _phone(value: str) -> str:
    """The customer's phone as E.164 (core.phones); a number that cannot exist is refused."""
    if not value.strip():
        return ""
    try:
        return phones.e164(value)
    except phones.InvalidPhoneNumber as exc:
        raise InvalidInput(exc.message, details={"customer": {"phone": [exc.message]}}) from None


def _upsert_customer(data: CustomerData) -> Customer:
    values = {
        "name": data.name,
        "email": data.email,
        "phone": _phone(data.phone),
        "language": data.language,
        "tier": data.tier,
    }
    customer = Customer.objects.select_for_update().filter(external_id=data.external_id).first()
    if customer is None:
        return Customer.objects.create(external_id=data.external_id, **values)
    old_tier = customer.tier
    _save_changed(customer, values)
    if customer.tier != old_tier:
        # The SLA targets depend on the tier: move the due times of the customer's open cases.
        sla.recompute_customer_cases(customer=customer)
    return customer


def _upsert_products(lines: list[LineData]) -> dict[str, Product]:
    """Products by SKU: created or updated from the lines that describe them, looked up for the rest."""
    described = {line.sku: line for line in lines if line.product is not None}
    products = {p.sku: p for p in Product.objects.select_for_update().filter(sku__in={ln.sku for ln in lines})}
    for sku, line in described.items():
        product = cast(ProductData, line.product)  # described: the lines with a product
        values = {
            "name": line.name,
            "category": product.category,
            "flags": list(product.flags),
            "returnable": product.returnable,
            "supplier": product.supplier,
        }
        if sku in products:
            _save_changed(products[sku], values)
        else:
            products[sku] = Product.objects.create(sku=sku, **values)
    return products


def _conflicts(*, order: Order, existing: dict[int, OrderLine], lines: list[LineData]) -> list[str]:
    """Why the new lines cannot replace the old ones: removed or shrunk below what cases claim."""
    wanted = {line.line_no: line for line in lines}
    claims: dict[int, list[CaseLine]] = defaultdict(list)
    for claim in CaseLine.objects.filter(order_line__order=order).select_related("case").order_by("case__number"):
        claims[claim.order_line_id].append(claim)
    problems = []
    for line_no, old in sorted(existing.items()):
        live = [c for c in claims[old.pk] if c.case.status not in RELEASED_STATUSES]
        new = wanted.get(line_no)
        if new is None and claims[old.pk]:
            problems.append(
                _("Line %(line)s cannot be removed: case %(cases)s refers to it.")
                % {"line": line_no, "cases": ", ".join(c.case.number for c in claims[old.pk])}
            )
        elif new is not None and live:
            claimed = sum(c.quantity for c in live)
            if new.quantity < claimed:
                problems.append(
                    _("Line %(line)s cannot go down to %(quantity)s: open case %(cases)s claims %(claimed)s.")
                    % {
                        "line": line_no,
                        "quantity": new.quantity,
                        "cases": ", ".join(c.case.number for c in live),
                        "claimed": claimed,
                    }
                )
    return problems


def upsert_order(*, number: str, data: OrderData) -> tuple[Order, bool]:
    """Create or update the order ``number`` exactly as the shop sent it; return (order, created).

    Lines are matched by ``line_no``: new numbers are added, known ones updated, missing ones
    removed. Raises ``OrderConflict`` (and writes nothing) when a line a case refers to would be
    removed, when a line would drop below the units live cases (not rejected or cancelled) claim,
    or when an order with cases would move to another customer. Identical data writes nothing.
    """
    try:
        with transaction.atomic():
            return _upsert_order(number=number, data=data)
    except IntegrityError as exc:
        # Two first pushes of the same order (or customer) raced; the other one won.
        raise OrderConflict(
            _("Order %(number)s was written by another request at the same time. Send it again.") % {"number": number}
        ) from exc


def _upsert_order(*, number: str, data: OrderData) -> tuple[Order, bool]:
    customer = _upsert_customer(data.customer)
    order = Order.objects.select_for_update().filter(number=number).first()
    created = order is None
    existing: dict[int, OrderLine] = {}
    if order is not None:
        # Lock the lines as create_case does, so no case claims units while we change them.
        existing = {ln.line_no: ln for ln in OrderLine.objects.select_for_update().filter(order=order)}
        problems = _conflicts(order=order, existing=existing, lines=data.lines)
        if order.customer_id != customer.pk and order.cases.exists():
            problems.insert(
                0,
                _("Order %(number)s has cases and cannot move to another customer.") % {"number": number},
            )
        if problems:
            raise OrderConflict(" ".join(problems), details={"problems": problems})

    paid_amount = data.paid_amount
    if paid_amount is None:
        paid_amount = sum((line.paid_amount for line in data.lines), Decimal("0.00"))
    values = {
        "customer_id": customer.pk,
        "status": data.status,
        "placed_at": data.placed_at,
        "delivered_at": data.delivered_at,
        "currency": data.currency,
        "paid_amount": paid_amount,
        "shipping_address": data.shipping_address,
    }
    if order is None:
        order = Order.objects.create(number=number, **values)
    else:
        _save_changed(order, values, extra_fields=("updated_at",))

    products = _upsert_products(data.lines)
    wanted = {line.line_no for line in data.lines}
    removed = [old.pk for line_no, old in existing.items() if line_no not in wanted]
    if removed:
        OrderLine.objects.filter(pk__in=removed).delete()
    for line in data.lines:
        values = {
            "sku": line.sku,
            "name": line.name,
            "quantity": line.quantity,
            "unit_price": line.unit_price,
            "paid_amount": line.paid_amount,
            "product_id": products[line.sku].pk if line.sku in products else None,
        }
        old = existing.get(line.line_no)
        if old is None:
            OrderLine.objects.create(order=order, line_no=line.line_no, **values)
        else:
            _save_changed(old, values)
    return order, created


__all__ = ["CustomerData", "LineData", "OrderConflict", "OrderData", "ProductData", "upsert_order"]
