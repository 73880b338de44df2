"""The workbench's "convert or reclassify" page: what it shows (the customer's orders from the customer
360 with each line's units left to claim and its variants, the kinds and reasons) and reading its forms
into the arguments of ``services.convert_case`` and ``services.reclassify_case``.

The convert form names the order by number (typed, or picked from the customer's orders) and a quantity
per line (``qty_<order line id>``; empty or 0 is not asked for) with the wanted variant of an exchange
(``variant_<order line id>``, a SKU). A quantity on a line of another order is refused, not ignored.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.http import QueryDict
from django.utils.translation import gettext as _

from cases import selectors, services
from cases.exceptions import InvalidInput
from cases.models import Case, CaseKind, Order, OrderLine, ProductVariant, ReasonCode
from cases.policy.engine import claimed_quantities


@dataclass(frozen=True)
class LineChoice:
    line: OrderLine
    left: int
    variants: list[ProductVariant]


def conversion_page(*, case: Case, error: str = "", posted: QueryDict | None = None) -> dict[str, Any]:
    """The page's context: the case, the customer's orders with their lines (units left to claim by
    other cases, variants for an exchange), the choices, and what the agent posted after a refusal."""
    orders = selectors.customer_360(case=case).orders
    lines = [line for order in orders for line in order.lines.all()]
    claimed = claimed_quantities(order_line_ids=[ln.pk for ln in lines], exclude_case_id=case.pk)
    variants: dict[int, list[ProductVariant]] = {}
    for variant in ProductVariant.objects.filter(product_id__in={ln.product_id for ln in lines}).order_by("sku"):
        variants.setdefault(variant.product_id, []).append(variant)
    return {
        "case": case,
        "orders": [
            (
                order,
                [
                    LineChoice(ln, max(ln.quantity - claimed.get(ln.pk, 0), 0), variants.get(ln.product_id or 0, []))
                    for ln in order.lines.all()
                ],
            )
            for order in orders
        ],
        "convert_kinds": [(k, CaseKind(k).label) for k in services.CONVERSION_KINDS],
        "kinds": CaseKind.choices,
        "reasons": ReasonCode.choices,
        "convertible": case.status == "new" and not case.lines.exists(),
        "error": error,
        "posted": posted or QueryDict(),
    }


def posted_conversion(post: QueryDict) -> dict[str, Any]:
    """The convert form as ``convert_case``'s arguments; an unknown order, line quantity or variant is
    ``InvalidInput`` (the service checks everything else)."""
    number = post.get("order", "").strip()
    order = Order.objects.filter(number=number).first() if number else None
    if number and order is None:
        raise InvalidInput(_("There is no order %(number)s.") % {"number": number[:64]})
    asked = _asked_quantities(post)
    by_id = {ln.pk: ln for ln in order.lines.all()} if order else {}
    if set(asked) - set(by_id):
        raise InvalidInput(_("Quantities can only be given for lines of the chosen order."))
    skus = {line_id: post.get(f"variant_{line_id}", "").strip() for line_id in asked}
    known = {v.sku: v for v in ProductVariant.objects.filter(sku__in=[s for s in skus.values() if s])}
    lines = []
    for line_id, quantity in asked.items():
        sku = skus[line_id]
        if sku and sku not in known:
            raise InvalidInput(_("There is no variant %(sku)s.") % {"sku": sku[:64]})
        lines.append(
            services.LineRequest(order_line=by_id[line_id], quantity=quantity, requested_variant=known.get(sku))
        )
    return {
        "kind": post.get("kind", ""),
        "order": order,
        "lines": lines,
        "reason_code": post.get("reason_code", ""),
        "reason_text": post.get("reason_text", "")[:5000],
        "has_photos": post.get("has_photos") == "1",
    }


def _asked_quantities(post: QueryDict) -> dict[int, int]:
    asked = {}
    for key in post:
        value = post.get(key, "").strip()
        if not key.startswith("qty_") or value in ("", "0"):
            continue
        line_id = key.removeprefix("qty_")
        if not line_id.isdigit() or not value.isdigit():
            raise InvalidInput(_("Each quantity must be a whole number."))
        asked[int(line_id)] = int(value)
    return asked
