"""The demo data, written through the real services (``seed``; the command ``seed_demo`` calls it).

Cases are opened with ``services.create_case`` (so the return policy decides goods cases as it would
for a customer) and moved with ``services.transition_case`` along the state machine's shortest path
(``devdata.state_machine``) to the status each case is meant to show. If the policy made that
status unreachable (say the installed policy rejects what the demo expected to be approved), a
stand-in case on an undelivered order, which the policy always sends to review, takes its place.

The story happened in the past: orders were delivered days or months ago and each case was opened
a few days after its delivery. To give the timeline real dates, the services' clock
(``core.clock.now``, the one seam they read the time from) is set to the moment of each step.

Running ``seed`` again changes nothing: the demo data is recognised by ``MARKER_CUSTOMER`` and
skipped as a whole; users are only created when missing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from cases import services
from cases.exceptions import NeedsApproval
from cases.models import (
    GOODS_KINDS,
    REFUNDING_RESOLUTIONS,
    Case,
    CaseKind,
    CaseStatus,
    Channel,
    Customer,
    Order,
    OrderLine,
    OrderStatus,
    Product,
    ProductVariant,
    ReasonCode,
    ResolutionType,
    Team,
)
from cases.money import ledger as refunds
from core import clock, phones
from core.roles import AGENT, MANAGER
from devdata.demo.catalogue import ADDRESSES, CUSTOMERS, FALLBACK_ORDER, MARKER_CUSTOMER, ORDERS, PRODUCTS, TEAMS
from devdata.demo.specs import CASES, CaseSpec
from devdata.demo.texts import CARRIERS, DEFAULT_REJECT_REASON, REJECT_REASONS, RESOLUTIONS, STEP_NOTES, TEXTS
from devdata.demo.users import DemoUser, ensure_users
from devdata.state_machine import path_to

Progress = Callable[[str], None]


@contextmanager
def services_clock_at(moment: datetime) -> Iterator[None]:
    """Let the services read ``moment`` as the current time (``core.clock`` is their one clock)."""
    real_now = clock.now
    clock.now = lambda: moment
    try:
        yield
    finally:
        clock.now = real_now


@dataclass
class SeedReport:
    created: bool
    users: list[DemoUser]
    counts: dict[str, int] = field(default_factory=dict)
    stand_ins: list[str] = field(default_factory=list)
    missed: list[tuple[str, str]] = field(default_factory=list)


def demo_data_present() -> bool:
    return Customer.objects.filter(external_id=MARKER_CUSTOMER).exists()


def seed(*, progress: Progress = lambda message: None, reset_passwords: bool = False) -> SeedReport:
    """Create the demo users and, unless already there, the demo data (all of it or nothing)."""
    progress(_("Roles and demo users"))
    users = ensure_users(reset_passwords=reset_passwords)
    if demo_data_present():
        progress(_("Demo data is already there: nothing to add."))
        return SeedReport(created=False, users=users)
    report = SeedReport(created=True, users=users)
    with transaction.atomic():
        _Seeder(report=report, progress=progress).run()
    return report


class _Seeder:
    def __init__(self, *, report: SeedReport, progress: Progress):
        self.report = report
        self.progress = progress
        self.now = timezone.now().replace(microsecond=0)
        user_model = get_user_model()
        self.agent = user_model.objects.get(username=AGENT)
        self.manager = user_model.objects.get(username=MANAGER)
        self.teams: dict[str, Team] = {}
        self.customers: dict[str, Customer] = {}
        self.variants: dict[str, ProductVariant] = {}
        self.prices: dict[str, Decimal] = {}
        self.orders: dict[str, Order] = {}
        self.counter = 0

    def run(self) -> None:
        self.progress(_("Teams"))
        self.make_teams()
        self.progress(_("Customers (Chinese and English)"))
        self.make_customers()
        self.progress(_("Products and variants"))
        self.make_products()
        self.progress(_("Orders and order lines"))
        self.make_orders()
        self.progress(_("Cases through the return policy and the state machine"))
        for spec in CASES:
            self.make_case(spec)
        self.report.counts = {
            "teams": len(self.teams),
            "customers": len(self.customers),
            "products": len({v.product_id for v in self.variants.values()}),
            "orders": len(self.orders),
            "cases": Case.objects.filter(customer__in=self.customers.values()).count(),
        }

    # -- catalogue

    def make_teams(self) -> None:
        for code, name in TEAMS:
            team, _created = Team.objects.get_or_create(code=code, defaults={"name": name, "lead": self.manager})
            team.members.add(self.agent, self.manager)
            self.teams[code] = team

    def make_customers(self) -> None:
        for key, name, email, phone, tier, language in CUSTOMERS:
            self.customers[key] = Customer.objects.create(
                external_id=f"demo-{key}",
                name=name,
                email=email,
                phone=phones.e164(phone),
                tier=tier,
                language=language,
            )

    def make_products(self) -> None:
        for sku, name, category, supplier, flags, price, variants in PRODUCTS:
            product = Product.objects.create(
                sku=sku,
                name=name,
                category=category,
                supplier=supplier,
                flags=[str(flag) for flag in flags],
                returnable=not flags,
            )
            self.prices[sku] = Decimal(price)
            for suffix, variant_name, attributes in variants:
                variant = ProductVariant.objects.create(
                    product=product, sku=f"{sku}-{suffix}", name=variant_name, attributes=attributes
                )
                self.variants[variant.sku] = variant

    def make_orders(self) -> None:
        for suffix, customer_key, delivered_days_ago, status, lines in ORDERS:
            customer = self.customers[customer_key]
            if delivered_days_ago is None:
                placed_at = self.now - timedelta(days=2 if status == OrderStatus.SHIPPED else 1, hours=3)
                delivered_at = None
            else:
                delivered_at = self.now - timedelta(days=delivered_days_ago, hours=5)
                placed_at = delivered_at - timedelta(days=2, hours=7)
            order = Order.objects.create(
                number=f"DEMO-2026-{suffix}",
                customer=customer,
                status=status,
                placed_at=placed_at,
                delivered_at=delivered_at,
                currency="CNY",
                shipping_address=ADDRESSES[customer.language],
            )
            total = Decimal("0.00")
            for line_no, (variant_sku, quantity) in enumerate(lines, start=1):
                variant = self.variants[variant_sku]
                product = variant.product
                unit_price = self.prices[product.sku]
                paid = unit_price * quantity
                OrderLine.objects.create(
                    order=order,
                    line_no=line_no,
                    product=product,
                    variant=variant,
                    sku=variant.sku,
                    name=f"{product.name} ({variant.name})",
                    quantity=quantity,
                    unit_price=unit_price,
                    paid_amount=paid,
                )
                total += paid
            order.paid_amount = total
            order.save(update_fields=["paid_amount", "updated_at"])
            self.orders[suffix] = order

    # -- cases

    def text(self, customer: Customer, pair: tuple[str, str]) -> str:
        return pair[0] if customer.language.startswith("zh") else pair[1]

    def opened_at(self, spec: CaseSpec, order: Order | None) -> datetime:
        if order is not None and order.delivered_at is not None:
            moment = order.delivered_at + timedelta(days=spec.after_days, hours=2)
        else:
            base = order.placed_at if order is not None else self.now - timedelta(days=spec.after_days + 1)
            moment = base + timedelta(days=spec.after_days)
        return min(moment, self.now - timedelta(hours=2))

    def make_case(self, spec: CaseSpec) -> None:
        customer = self.customers[spec.customer]
        order = self.orders[spec.order] if spec.order else None
        at = self.opened_at(spec, order)
        case = self.open_case(spec=spec, customer=customer, order=order, at=at)
        steps = path_to(kind=spec.kind, source=case.status, target=spec.target)
        if steps is None:
            # The installed policy decided otherwise; a stand-in on the undelivered order goes to review.
            self.report.stand_ins.append(f"{case.number} ({case.status}) -> {spec.kind}/{spec.target}")
            fallback = self.orders[FALLBACK_ORDER.rsplit("-", 1)[1]]
            case = self.open_case(
                spec=spec, customer=fallback.customer, order=fallback, at=at, fallback_line=1, reason=ReasonCode.OTHER
            )
            steps = path_to(kind=spec.kind, source=case.status, target=spec.target)
            if steps is None:
                self.report.missed.append((spec.kind, spec.target))
                return
        self.drive(case=case, spec=spec, steps=steps, start=at)

    def open_case(
        self,
        *,
        spec: CaseSpec,
        customer: Customer,
        order: Order | None,
        at: datetime,
        fallback_line: int | None = None,
        reason: str | None = None,
    ) -> Case:
        lines = []
        if spec.kind in GOODS_KINDS and order is not None:  # every goods case of CASES names its order
            order_line = order.lines.get(line_no=fallback_line or spec.line or 0)
            wanted = self.variants[spec.to_variant] if spec.to_variant and not fallback_line else None
            lines.append(
                services.LineRequest(order_line=order_line, quantity=1, opened=spec.opened, requested_variant=wanted)
            )
        reason = reason or spec.reason
        photos = spec.photos
        if photos is None:
            photos = reason in (ReasonCode.DAMAGED, ReasonCode.DEFECTIVE, ReasonCode.WRONG_ITEM)
        zh_subject, zh_text, en_subject, en_text = TEXTS[spec.topic]
        zh = customer.language.startswith("zh")
        team = self.teams["cn-aftersales-1" if zh else "returns-en"]
        if zh and spec.kind in (CaseKind.REPAIR, CaseKind.COMPLAINT):
            team = self.teams["cn-aftersales-2"]
        # Phone and chat cases are logged by the agent; the other channels come from the customer.
        by_agent = spec.channel in (Channel.PHONE, Channel.CHAT)
        with services_clock_at(at), translation.override(customer.language):
            return services.create_case(
                customer=customer,
                kind=spec.kind,
                channel=spec.channel,
                actor=self.agent if by_agent else None,
                actor_label=None if by_agent else "customer",
                order=order,
                lines=lines,
                reason_code=reason,
                reason_text=zh_text if zh else en_text,
                subject=zh_subject if zh else en_subject,
                priority=spec.priority,
                has_photos=photos,
                team=team,
                assignee=self.agent if spec.target != CaseStatus.NEW else None,
            )

    def drive(self, *, case: Case, spec: CaseSpec, steps: list[str], start: datetime) -> None:
        if not steps:
            return
        gap = min((self.now - start) / (len(steps) + 1), timedelta(days=3))
        at = start
        for name in steps:
            at += gap
            self.counter += 1
            params = self.step_params(case=case, spec=spec, name=name)
            actor = self.manager if name == "reopen" else self.agent
            with services_clock_at(at), translation.override(case.customer.language):
                try:
                    services.transition_case(
                        case=case,
                        name=name,
                        actor=actor,
                        note=self.text(case.customer, STEP_NOTES[name]),
                        channel=spec.channel,
                        **params,
                    )
                except NeedsApproval:
                    # Above the agent's limit: the agent asks and the manager grants it (issue 16).
                    request = services.request_approval(case=case, actor=actor, **params)
                    services.decide_approval(request=request, actor=self.manager, approve=True)
                    case.refresh_from_db()

    def step_params(self, *, case: Case, spec: CaseSpec, name: str) -> dict[str, Any]:
        customer = case.customer
        if name == "reject":
            return {"reason": self.text(customer, REJECT_REASONS.get(spec.kind, DEFAULT_REJECT_REASON))}
        if name == "ship_return":
            carrier = CARRIERS[self.counter % len(CARRIERS)]
            return {"carrier": carrier, "tracking_number": f"{carrier}{7310000000 + case.pk * 97:010d}"}
        if name == "inspect":
            if spec.inspection_passed:
                return {"passed": True, "grade": "A", "inspection_note": self.text(customer, ("完好", "As new"))}
            return {
                "passed": False,
                "grade": "C",
                "inspection_note": self.text(customer, ("有使用痕迹，配件不全", "Signs of use, parts missing")),
            }
        if name == "resolve":
            resolution = RESOLUTIONS[spec.kind]
            if not spec.inspection_passed:
                resolution = ResolutionType.PARTIAL_REFUND
            amount = None
            if resolution in REFUNDING_RESOLUTIONS:
                amount = self.claim_value(case)
                if resolution == ResolutionType.PARTIAL_REFUND:
                    amount = (amount / 2).quantize(Decimal("0.01"))
                amount = min(amount, refunds.may_refund_up_to(case=case))
                if amount <= 0:
                    resolution, amount = ResolutionType.GOODWILL_COUPON, None
            params: dict[str, Any] = {
                "resolution_type": resolution,
                "resolution_note": self.text(customer, STEP_NOTES["resolve"]),
            }
            if amount is not None:
                params["refund_amount"] = amount
            return params
        return {}

    def claim_value(self, case: Case) -> Decimal:
        total = Decimal("0.00")
        for line in case.lines.select_related("order_line"):
            order_line = line.order_line
            total += order_line.paid_amount * line.quantity / order_line.quantity
        return total.quantize(Decimal("0.01"))
