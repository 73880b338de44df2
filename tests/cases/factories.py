"""factory_boy factories for the cases app: teams, customers, products, orders, cases, return
policies. Realistic defaults; override what a test is about. Users: tests/accounts/factories.py."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import factory
from django.core.files.base import ContentFile
from django.utils import timezone

from cases.models import (
    Attachment,
    Case,
    CaseKind,
    Channel,
    Customer,
    CustomerTier,
    Order,
    OrderLine,
    OrderStatus,
    Product,
    ProductVariant,
    Team,
)


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team

    code = factory.Sequence(lambda n: f"team-{n}")
    name = factory.Sequence(lambda n: f"Team {n}")


class CustomerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Customer

    name = factory.Faker("name", locale="zh_CN")
    email = factory.Sequence(lambda n: f"customer{n}@example.com")
    phone = factory.Sequence(lambda n: f"+86138{n:08d}")
    tier = CustomerTier.REGULAR
    language = "zh-hans"


class ProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Product

    sku = factory.Sequence(lambda n: f"SKU-{n:05d}")
    name = factory.Sequence(lambda n: f"T-shirt {n}")
    category = "apparel"
    supplier = "Hangzhou Textile Co."
    flags = factory.LazyFunction(list)


class ProductVariantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProductVariant

    product = factory.SubFactory(ProductFactory)
    sku = factory.Sequence(lambda n: f"VAR-{n:05d}")
    name = "M / black"
    attributes = factory.LazyFunction(lambda: {"size": "M", "colour": "black"})


class OrderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Order

    number = factory.Sequence(lambda n: f"SO{20260000 + n}")
    customer = factory.SubFactory(CustomerFactory)
    status = OrderStatus.DELIVERED
    placed_at = factory.LazyFunction(lambda: timezone.now() - timedelta(days=5))
    delivered_at = factory.LazyFunction(lambda: timezone.now() - timedelta(days=2))
    currency = "CNY"
    paid_amount = Decimal("0.00")


class OrderLineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OrderLine
        skip_postgeneration_save = True

    order = factory.SubFactory(OrderFactory)
    line_no = factory.Sequence(lambda n: n + 1)
    product = factory.SubFactory(ProductFactory)
    sku = factory.LazyAttribute(lambda o: o.product.sku if o.product else "SKU-X")
    name = factory.LazyAttribute(lambda o: o.product.name if o.product else "Item")
    quantity = 1
    unit_price = Decimal("199.00")
    paid_amount = factory.LazyAttribute(lambda o: o.unit_price * o.quantity)

    @factory.post_generation
    def add_to_order_total(self, create, extracted, **kwargs):
        if create:
            Order.objects.filter(pk=self.order_id).update(
                paid_amount=sum(ln.paid_amount for ln in self.order.lines.all())
            )
            self.order.refresh_from_db()


class CaseFactory(factory.django.DjangoModelFactory):
    """A bare case row in status ``new`` (no policy run). Use services.create_case for the real flow."""

    class Meta:
        model = Case

    number = factory.Sequence(lambda n: f"RMA-2026-T{n:06d}")
    kind = CaseKind.RETURN
    channel = Channel.PORTAL
    customer = factory.SubFactory(CustomerFactory)
    order = factory.SubFactory(OrderFactory, customer=factory.SelfAttribute("..customer"))
    created_at = factory.LazyFunction(timezone.now)


class ReturnPolicyFactory(factory.django.DjangoModelFactory):
    """A shop policy covering every order date; add rules with ReturnPolicyRuleFactory."""

    class Meta:
        model = "cases.ReturnPolicy"

    code = factory.Sequence(lambda n: f"shop-policy-{n}")
    version = "1"
    name_en = "Shop returns"
    name_zh = "店铺退货政策"
    effective_from = factory.LazyFunction(lambda: timezone.now().date() - timedelta(days=3650))


class ReturnPolicyRuleFactory(factory.django.DjangoModelFactory):
    """By default the 7-day no-reason window for returns."""

    class Meta:
        model = "cases.ReturnPolicyRule"

    policy = factory.SubFactory(ReturnPolicyFactory)
    rule_type = "window"
    kinds = factory.LazyFunction(lambda: ["return"])
    days = 7
    name_en = "7-day return"
    name_zh = "七天无理由退货"


def attach(case: Case, name: str = "photo.jpg", content: bytes = b"\xff\xd8\xff fake jpeg") -> Attachment:
    """A stored attachment of ``case`` (a JPEG by default), written to the storage like an upload."""
    attachment = Attachment(case=case, original_name=name, content_type="image/jpeg", size=len(content))
    attachment.file.save(name, ContentFile(content), save=True)
    return attachment


def make_order(number: str, email: str, language: str) -> Order:
    """An order delivered yesterday with one line, its customer speaking ``language`` (the shop the
    browser tests walk through)."""
    customer = CustomerFactory(email=email, language=language, name="王小明" if language != "en" else "Alex Smith")
    order = OrderFactory(
        number=number,
        customer=customer,
        placed_at=timezone.now() - timedelta(days=3),
        delivered_at=timezone.now() - timedelta(days=1),
    )
    OrderLineFactory(order=order, name="Linen shirt 亚麻衬衫", quantity=1)
    return order
