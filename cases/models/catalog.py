"""Customers, teams and the mirror of the shop's catalogue and orders."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Upper
from django.utils.translation import gettext_lazy as _

from cases.models.choices import CaseKind, Channel, choices_problem


class CustomerTier(models.TextChoices):
    REGULAR = "regular", _("Regular")
    VIP = "vip", _("VIP")


class Team(models.Model):
    code = models.SlugField(_("code"), max_length=50, unique=True)
    name = models.CharField(_("name"), max_length=100)
    lead = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("team lead"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="led_teams",
    )
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("members"), blank=True, related_name="teams"
    )
    round_robin_last = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("last agent given a case (round robin)"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )

    class Meta:
        verbose_name = _("team")
        verbose_name_plural = _("teams")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Customer(models.Model):
    """A shopper. Customers are not staff users; they reach the product through the channels."""

    external_id = models.CharField(_("shop customer id"), max_length=64, unique=True, null=True, blank=True)
    name = models.CharField(_("name"), max_length=200)
    email = models.EmailField(_("email"), blank=True)
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    tier = models.CharField(_("tier"), max_length=16, choices=CustomerTier.choices, default=CustomerTier.REGULAR)
    language = models.CharField(_("language"), max_length=10, choices=settings.LANGUAGES, default="zh-hans")
    dedicated_agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("dedicated agent"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="dedicated_customers",
        help_text=_("New cases of a VIP customer go to this agent while they are available."),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        indexes = [
            models.Index(fields=["email"], name="customer_by_email"),
            # Email addresses match without regard to case (channels: who wrote this mail?).
            models.Index(Upper("email"), name="customer_by_email_ci"),
            models.Index(fields=["phone"], name="customer_by_phone"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_vip(self) -> bool:
        return self.tier == CustomerTier.VIP


class ProductFlag(models.TextChoices):
    """Properties of a product that statutory return rules refer to."""

    CUSTOM_MADE = "custom_made", _("Custom-made")
    PERISHABLE = "perishable", _("Fresh or perishable")
    DIGITAL = "digital", _("Digital goods (audio, video, software)")
    PERIODICAL = "periodical", _("Newspapers and periodicals")
    HYGIENE = "hygiene", _("Hygiene product (sealed)")
    SEALED_HEALTH = "sealed_health", _("Sealed health or protection item")
    FINAL_SALE = "final_sale", _("Final sale")


class Product(models.Model):
    sku = models.CharField(_("SKU"), max_length=64, unique=True)
    name = models.CharField(_("name"), max_length=200)
    category = models.CharField(_("category"), max_length=64, db_index=True)
    supplier = models.CharField(_("supplier"), max_length=100, blank=True)
    flags = models.JSONField(
        _("return flags"),
        default=list,
        blank=True,
        help_text=_("Any of: custom_made, perishable, digital, periodical, hygiene, sealed_health, final_sale."),
    )
    returnable = models.BooleanField(_("returnable"), default=True)

    class Meta:
        verbose_name = _("product")
        verbose_name_plural = _("products")

    def __str__(self) -> str:
        return f"{self.sku} {self.name}"


class ProductVariant(models.Model):
    """A buyable variant (size, colour); exchanges name the variant the customer wants."""

    product = models.ForeignKey(Product, verbose_name=_("product"), on_delete=models.CASCADE, related_name="variants")
    sku = models.CharField(_("SKU"), max_length=64, unique=True)
    name = models.CharField(_("name"), max_length=100)
    attributes = models.JSONField(_("attributes"), default=dict, blank=True)
    in_stock = models.BooleanField(_("in stock"), default=True)

    class Meta:
        verbose_name = _("product variant")
        verbose_name_plural = _("product variants")

    def __str__(self) -> str:
        return f"{self.sku} {self.name}"


class OrderStatus(models.TextChoices):
    PLACED = "placed", _("Placed")
    SHIPPED = "shipped", _("Shipped")
    DELIVERED = "delivered", _("Delivered")
    CANCELLED = "cancelled", _("Cancelled")


class Order(models.Model):
    """The shop's order as it pushed it to us (the shop is the source of truth)."""

    number = models.CharField(_("order number"), max_length=64, unique=True)
    customer = models.ForeignKey(Customer, verbose_name=_("customer"), on_delete=models.PROTECT, related_name="orders")
    status = models.CharField(_("status"), max_length=16, choices=OrderStatus.choices, default=OrderStatus.PLACED)
    placed_at = models.DateTimeField(_("placed at"))
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    currency = models.CharField(_("currency"), max_length=3, default="CNY")
    paid_amount = models.DecimalField(_("paid amount"), max_digits=12, decimal_places=2, default=Decimal("0.00"))
    shipping_address = models.TextField(_("shipping address"), blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("order")
        verbose_name_plural = _("orders")
        indexes = [
            models.Index(fields=["customer", "-placed_at"], name="order_by_customer_recent"),
            # The analytics refresh reads the orders changed since its last run.
            models.Index(fields=["updated_at"], name="order_by_updated"),
            # Orders placed per day (the complaint rate's denominator).
            models.Index(fields=["placed_at"], name="order_by_placed"),
        ]

    def __str__(self) -> str:
        return self.number


class OrderLine(models.Model):
    order = models.ForeignKey(Order, verbose_name=_("order"), on_delete=models.CASCADE, related_name="lines")
    line_no = models.PositiveIntegerField(_("line"))
    product = models.ForeignKey(Product, verbose_name=_("product"), null=True, blank=True, on_delete=models.PROTECT)
    variant = models.ForeignKey(
        ProductVariant, verbose_name=_("variant"), null=True, blank=True, on_delete=models.PROTECT
    )
    sku = models.CharField(_("SKU"), max_length=64)
    name = models.CharField(_("name"), max_length=200)
    quantity = models.PositiveIntegerField(_("quantity"))
    unit_price = models.DecimalField(_("unit price"), max_digits=12, decimal_places=2)
    paid_amount = models.DecimalField(
        _("paid amount"),
        max_digits=12,
        decimal_places=2,
        help_text=_("What the customer paid for this line, after discounts."),
    )

    class Meta:
        verbose_name = _("order line")
        verbose_name_plural = _("order lines")
        ordering = ["order", "line_no"]
        constraints = [
            models.UniqueConstraint(fields=["order", "line_no"], name="order_line_unique_no"),
            models.CheckConstraint(condition=models.Q(quantity__gt=0), name="order_line_quantity_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.order.number}#{self.line_no} {self.sku} x{self.quantity}"


class CannedReply(models.Model):
    """A reply agents insert and adapt; {name}, {order} and {rma} are filled in from the case."""

    title = models.CharField(_("title"), max_length=100)
    body_en = models.TextField(_("text (English)"))
    body_zh = models.TextField(_("text (Chinese)"))
    position = models.PositiveIntegerField(_("position"), default=100)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("canned reply")
        verbose_name_plural = _("canned replies")
        ordering = ["position", "title"]

    def __str__(self) -> str:
        return self.title


class AgentProfile(models.Model):
    """What routing needs to know of an agent: available now, and their skills."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, verbose_name=_("agent"), on_delete=models.CASCADE, related_name="agent_profile"
    )
    available = models.BooleanField(_("available for new cases"), default=True)
    skills = models.JSONField(
        _("skills"), default=list, blank=True, help_text=_('For example ["zh", "en", "electronics"].')
    )

    class Meta:
        verbose_name = _("agent profile")
        verbose_name_plural = _("agent profiles")

    def __str__(self) -> str:
        return str(self.user)


class RoutingMethod(models.TextChoices):
    LEAST_LOADED = "least_loaded", _("Least-loaded available agent")
    ROUND_ROBIN = "round_robin", _("Round robin")
    TEAM_ONLY = "team_only", _("Team queue only (nobody assigned)")


class RoutingRule(models.Model):
    """Which team a new case goes to, and how an agent of that team is chosen.

    The first active rule (by position) whose non-empty lists all contain the case's kind,
    channel and customer tier applies.
    """

    name = models.CharField(_("name"), max_length=100)
    position = models.PositiveIntegerField(_("position"), default=100)
    active = models.BooleanField(_("active"), default=True)
    kinds = models.JSONField(_("case kinds"), default=list, blank=True, help_text=_("Empty: any."))
    channels = models.JSONField(_("channels"), default=list, blank=True, help_text=_("Empty: any."))
    tiers = models.JSONField(_("customer tiers"), default=list, blank=True, help_text=_("Empty: any."))
    team = models.ForeignKey(Team, verbose_name=_("team"), on_delete=models.CASCADE, related_name="routing_rules")
    method = models.CharField(
        _("how an agent is chosen"), max_length=16, choices=RoutingMethod.choices, default=RoutingMethod.LEAST_LOADED
    )
    skill = models.CharField(_("needed skill"), max_length=50, blank=True, help_text=_("Empty: any agent."))

    class Meta:
        verbose_name = _("routing rule")
        verbose_name_plural = _("routing rules")
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        errors = {}
        for field, choices in (
            ("kinds", CaseKind.choices),
            ("channels", Channel.choices),
            ("tiers", CustomerTier.choices),
        ):
            errors.update(choices_problem(getattr(self, field), choices, field) or {})
        if errors:
            raise ValidationError(errors)

    def matches(self, *, kind: str, channel: str, tier: str) -> bool:
        return all(
            not allowed or value in allowed
            for allowed, value in ((self.kinds, kind), (self.channels, channel), (self.tiers, tier))
        )


class Article(models.Model):
    """A knowledge-base article in both languages, found from the case view and quoted in replies."""

    category = models.CharField(_("category"), max_length=50)
    title_en = models.CharField(_("title (English)"), max_length=200)
    title_zh = models.CharField(_("title (Chinese)"), max_length=200)
    body_en = models.TextField(_("text (English)"))
    body_zh = models.TextField(_("text (Chinese)"))
    active = models.BooleanField(_("active"), default=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("knowledge-base article")
        verbose_name_plural = _("knowledge-base articles")
        ordering = ["category", "title_en"]

    def __str__(self) -> str:
        return self.title_en
