"""Serializers of the API, one per direction: ``*In`` validates a request, the others render."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from cases import masking as privacy
from cases.catalog.orders import CustomerData, LineData, OrderData, ProductData
from cases.models import (
    Case,
    CaseEvent,
    CaseKind,
    CaseLine,
    Channel,
    Customer,
    CustomerTier,
    InspectionGrade,
    Notification,
    Order,
    OrderLine,
    OrderStatus,
    Priority,
    Product,
    ProductFlag,
    ProductVariant,
    ReasonCode,
    RefundStatus,
    ResolutionType,
    RevisitTask,
    SlaClock,
)
from cases.policy import engine as policy
from cases.sla import clocks as sla
from cases.workflow.creation import LineRequest
from core import phones

# --- orders ---------------------------------------------------------------------------------------


class OrderCustomerIn(serializers.Serializer):
    external_id = serializers.CharField(max_length=64, help_text="The shop's id of the customer; the upsert key.")
    name = serializers.CharField(max_length=200)
    email = serializers.EmailField(required=False, allow_blank=True, default="")
    phone = serializers.CharField(
        max_length=phones.MAX_INPUT,
        required=False,
        allow_blank=True,
        default="",
        help_text="Any spelling; stored as E.164 (+8613800138000). "
        "Without a country code it is read in PHONE_DEFAULT_REGION.",
    )
    language = serializers.ChoiceField(choices=settings.LANGUAGES, default="zh-hans")

    def validate_phone(self, value: str) -> str:
        if not value.strip():
            return ""
        try:
            return phones.e164(value)
        except phones.InvalidPhoneNumber as exc:
            raise serializers.ValidationError(exc.message) from None

    tier = serializers.ChoiceField(choices=CustomerTier.choices, default=CustomerTier.REGULAR)


class OrderProductIn(serializers.Serializer):
    category = serializers.CharField(max_length=64)
    flags = serializers.ListField(child=serializers.ChoiceField(choices=ProductFlag.choices), default=list)
    returnable = serializers.BooleanField(default=True)
    supplier = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")


class OrderLineIn(serializers.Serializer):
    line_no = serializers.IntegerField(min_value=1)
    sku = serializers.CharField(max_length=64)
    name = serializers.CharField(max_length=200)
    quantity = serializers.IntegerField(min_value=1)
    unit_price = serializers.DecimalField(max_digits=12, decimal_places=2, min_value=0)
    paid_amount = serializers.DecimalField(
        max_digits=12, decimal_places=2, min_value=0, help_text="What the customer paid for the line, after discounts."
    )
    product = OrderProductIn(
        required=False,
        help_text="The product behind the SKU (created or updated). Without it the line links to a known "
        "product with this SKU, if any.",
    )


class OrderIn(serializers.Serializer):
    """The whole order as the shop has it now (PUT replaces: missing lines are removed)."""

    customer = OrderCustomerIn()
    status = serializers.ChoiceField(choices=OrderStatus.choices)
    placed_at = serializers.DateTimeField()
    delivered_at = serializers.DateTimeField(required=False, allow_null=True, default=None)
    currency = serializers.RegexField(r"^[A-Z]{3}$", default="CNY", help_text="ISO 4217 code, e.g. CNY.")
    paid_amount = serializers.DecimalField(
        max_digits=12,
        decimal_places=2,
        min_value=0,
        required=False,
        allow_null=True,
        default=None,
        help_text="The order's total paid; defaults to the sum of the lines' paid amounts.",
    )
    shipping_address = serializers.CharField(required=False, allow_blank=True, default="")
    lines = OrderLineIn(many=True, allow_empty=False)

    def validate_lines(self, lines: list[dict]) -> list[dict]:
        numbers = [line["line_no"] for line in lines]
        twice = sorted({n for n in numbers if numbers.count(n) > 1})
        if twice:
            raise serializers.ValidationError(
                _("Each line number may appear once; repeated: %(numbers)s.")
                % {"numbers": ", ".join(str(n) for n in twice)}
            )
        return lines

    def validate(self, attrs: dict) -> dict:
        if attrs.get("delivered_at") and attrs["delivered_at"] < attrs["placed_at"]:
            raise serializers.ValidationError({"delivered_at": [_("The delivery cannot be before the order.")]})
        return attrs

    def to_order_data(self) -> OrderData:
        data = self.validated_data
        return OrderData(
            customer=CustomerData(**data["customer"]),
            status=data["status"],
            placed_at=data["placed_at"],
            delivered_at=data["delivered_at"],
            currency=data["currency"],
            paid_amount=data["paid_amount"],
            shipping_address=data["shipping_address"],
            lines=[
                LineData(
                    **{k: v for k, v in line.items() if k != "product"},
                    product=(
                        ProductData(**{**line["product"], "flags": tuple(line["product"]["flags"])})
                        if line.get("product")
                        else None
                    ),
                )
                for line in data["lines"]
            ],
        )


class CustomerSerializer(serializers.ModelSerializer):
    """With ``mask_contact`` in the context, email and phone come masked (cases.masking)."""

    class Meta:
        model = Customer
        fields = ["id", "external_id", "name", "email", "phone", "language", "tier"]

    def to_representation(self, instance):
        data = super().to_representation(instance)
        if self.context.get("mask_contact"):
            data["email"] = privacy.mask_email(data["email"])
            data["phone"] = privacy.mask_phone(data["phone"])
        return data


class ProductSerializer(serializers.ModelSerializer):
    class Meta:
        model = Product
        fields = ["sku", "name", "category", "flags", "returnable", "supplier"]


class OrderLineSerializer(serializers.ModelSerializer):
    product = ProductSerializer(read_only=True, allow_null=True)

    class Meta:
        model = OrderLine
        fields = ["line_no", "sku", "name", "quantity", "unit_price", "paid_amount", "product"]


class OrderSerializer(serializers.ModelSerializer):
    customer = CustomerSerializer(read_only=True)
    lines = OrderLineSerializer(many=True, read_only=True)

    class Meta:
        model = Order
        fields = [
            "number",
            "status",
            "placed_at",
            "delivered_at",
            "currency",
            "paid_amount",
            "shipping_address",
            "customer",
            "lines",
        ]

    def to_representation(self, instance):
        data = super().to_representation(instance)
        if self.context.get("mask_contact"):
            data["shipping_address"] = privacy.mask_address(data["shipping_address"])
        return data


# --- cases ----------------------------------------------------------------------------------------


class CaseLineIn(serializers.Serializer):
    order_line = serializers.IntegerField(min_value=1, help_text="The line number (line_no) on the order.")
    quantity = serializers.IntegerField(min_value=1)
    opened = serializers.BooleanField(default=False)
    requested_variant = serializers.CharField(
        max_length=64, required=False, allow_blank=True, default="", help_text="Exchange only: the wanted variant SKU."
    )


class CaseIn(serializers.Serializer):
    """A new case. The customer is named by ``customer`` (our id) or ``customer_external_id`` (the
    shop's id); with neither, the order's customer is taken."""

    customer = serializers.IntegerField(required=False, min_value=1, help_text="The customer's id here.")
    customer_external_id = serializers.CharField(
        required=False, max_length=64, help_text="The shop's id of the customer."
    )
    order = serializers.CharField(
        required=False, allow_blank=True, max_length=64, default="", help_text="The order number."
    )
    kind = serializers.ChoiceField(choices=CaseKind.choices)
    channel = serializers.ChoiceField(choices=Channel.choices, default=Channel.API)
    reason_code = serializers.ChoiceField(choices=ReasonCode.choices, default=ReasonCode.OTHER)
    reason_text = serializers.CharField(required=False, allow_blank=True, default="", max_length=5000)
    subject = serializers.CharField(required=False, allow_blank=True, default="", max_length=200)
    priority = serializers.ChoiceField(choices=Priority.choices, default=Priority.NORMAL)
    has_photos = serializers.BooleanField(default=False, help_text="The customer sent photos of the item.")
    lines = CaseLineIn(many=True, required=False, default=list)

    def validate(self, attrs: dict) -> dict:
        """Resolve the references into the rows ``services.create_case`` takes."""
        order = None
        if attrs["order"]:
            order = Order.objects.filter(number=attrs["order"]).first()
            if order is None:
                raise serializers.ValidationError(
                    {"order": [_("There is no order %(number)s.") % {"number": attrs["order"]}]}
                )
        attrs["order"] = order
        attrs["customer"] = self._customer(attrs, order)
        attrs.pop("customer_external_id", None)
        attrs["lines"] = self._lines(attrs["lines"], order)
        return attrs

    def _customer(self, attrs: dict, order: Order | None) -> Customer:
        if "customer" in attrs and "customer_external_id" in attrs:
            raise serializers.ValidationError({"customer": [_("Name the customer by id or by shop id, not both.")]})
        if "customer" in attrs:
            customer = Customer.objects.filter(pk=attrs["customer"]).first()
        elif "customer_external_id" in attrs:
            customer = Customer.objects.filter(external_id=attrs["customer_external_id"]).first()
        elif order is not None:
            customer = order.customer
        else:
            raise serializers.ValidationError({"customer": [_("Name the customer, or the order the case is about.")]})
        if customer is None:
            raise serializers.ValidationError({"customer": [_("There is no such customer.")]})
        return customer

    def _lines(self, lines: list[dict], order: Order | None) -> list[LineRequest]:
        if not lines:
            return []
        if order is None:
            raise serializers.ValidationError({"lines": [_("Lines need the order they are on.")]})
        by_no = {ln.line_no: ln for ln in OrderLine.objects.filter(order=order).select_related("product")}
        variants = {v.sku: v for v in ProductVariant.objects.filter(sku__in=[ln["requested_variant"] for ln in lines])}
        requests = []
        for line in lines:
            order_line = by_no.get(line["order_line"])
            if order_line is None:
                raise serializers.ValidationError(
                    {
                        "lines": [
                            _("Order %(order)s has no line %(line)s.")
                            % {"order": order.number, "line": line["order_line"]}
                        ]
                    }
                )
            variant = variants.get(line["requested_variant"]) if line["requested_variant"] else None
            if line["requested_variant"] and variant is None:
                raise serializers.ValidationError(
                    {"lines": [_("There is no variant %(sku)s.") % {"sku": line["requested_variant"]}]}
                )
            requests.append(
                LineRequest(
                    order_line=order_line, quantity=line["quantity"], opened=line["opened"], requested_variant=variant
                )
            )
        return requests


class CaseCustomerSerializer(serializers.ModelSerializer):
    class Meta:
        model = Customer
        fields = ["id", "external_id", "name", "tier", "language"]


class CaseListSerializer(serializers.ModelSerializer):
    """A row of the case list: what a queue shows, all from one query."""

    customer = CaseCustomerSerializer(read_only=True)
    order: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        slug_field="number", read_only=True, allow_null=True
    )
    team: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        slug_field="code", read_only=True, allow_null=True
    )
    status_label = serializers.CharField(source="get_status_display", read_only=True)

    class Meta:
        model = Case
        fields = [
            "number",
            "kind",
            "status",
            "status_label",
            "channel",
            "priority",
            "reason_code",
            "complaint_category",
            "complaint_severity",
            "subject",
            "customer",
            "order",
            "assignee",
            "team",
            "policy_outcome",
            "sla_due_at",
            "created_at",
            "updated_at",
            "version",
        ]


class CaseLineSerializer(serializers.ModelSerializer):
    order_line = serializers.IntegerField(source="order_line.line_no", read_only=True)
    sku = serializers.CharField(source="order_line.sku", read_only=True)
    name = serializers.CharField(source="order_line.name", read_only=True)
    requested_variant: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        slug_field="sku", read_only=True, allow_null=True
    )

    class Meta:
        model = CaseLine
        fields = ["order_line", "sku", "name", "quantity", "opened", "requested_variant"]


class CaseSerializer(CaseListSerializer):
    """One case with its lines and the policy's decision explained in the request's language."""

    lines = CaseLineSerializer(many=True, read_only=True)
    policy_explanation_text = serializers.SerializerMethodField()

    class Meta(CaseListSerializer.Meta):
        fields = [
            *CaseListSerializer.Meta.fields,
            "reason_text",
            "lines",
            "policy_explanation_text",
            "rejection_reason",
            "return_carrier",
            "return_tracking_number",
            "inspection_passed",
            "inspection_grade",
            "inspection_note",
            "resolution_type",
            "refund_amount",
            "currency",
            "resolution_note",
            "approved_at",
            "resolved_at",
            "closed_at",
            "reopened_count",
        ]

    @extend_schema_field(serializers.CharField())
    def get_policy_explanation_text(self, case: Case) -> str:
        return policy.explain(case.policy_explanation) if case.policy_explanation else ""


class CaseEventSerializer(serializers.ModelSerializer):
    class Meta:
        model = CaseEvent
        fields = [
            "type",
            "actor_label",
            "transition",
            "from_status",
            "to_status",
            "channel",
            "note",
            "public",
            "created_at",
        ]


class SlaClockSerializer(serializers.ModelSerializer):
    seconds_left = serializers.SerializerMethodField(
        help_text="Until a running clock is due (negative: overdue); null when paused or stopped."
    )

    class Meta:
        model = SlaClock
        fields = ["kind", "state", "started_at", "due_at", "warned_at", "breached_at", "stopped_at", "seconds_left"]

    def get_seconds_left(self, obj: SlaClock) -> int | None:
        left = sla.time_left(obj)
        return None if left is None else int(left.total_seconds())


class CaseDetailSerializer(CaseSerializer):
    """A case for staff: everything, with the whole timeline (``public`` marks what the customer sees)
    and its SLA clocks."""

    events = CaseEventSerializer(many=True, read_only=True)
    clocks = SlaClockSerializer(many=True, read_only=True)

    class Meta(CaseSerializer.Meta):
        fields = [*CaseSerializer.Meta.fields, "events", "clocks"]


# --- notifications and revisits ---------------------------------------------------------------------


class NotificationSerializer(serializers.ModelSerializer):
    case: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(slug_field="number", read_only=True)

    class Meta:
        model = Notification
        fields = ["id", "kind", "case", "subject", "body", "created_at", "read_at"]


class RevisitTaskSerializer(serializers.ModelSerializer):
    case: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(slug_field="number", read_only=True)
    assignee: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = RevisitTask
        fields = ["id", "case", "reason", "note", "assignee", "due_at", "created_at", "done_at", "outcome"]


class MessageIn(serializers.Serializer):
    text = serializers.CharField(max_length=5000, help_text="The message.")
    public = serializers.BooleanField(
        default=True, help_text="true: a reply the customer sees (and is emailed); false: an internal note."
    )


class ClassifyIn(serializers.Serializer):
    """A complaint's classification; the service checks the values (one 400 with every field's problem)."""

    category = serializers.CharField(
        max_length=24, help_text="product_quality, logistics, after_sales_service, payment or account."
    )
    severity = serializers.CharField(max_length=8, help_text="urgent (1-hour first response) or normal (24 hours).")
    reason = serializers.CharField(max_length=500, help_text="Why it is classified so (on the timeline).")
    version = serializers.IntegerField(
        required=False, min_value=1, help_text="The case's version as read; a stale one is a 409, nothing written."
    )


class RevisitDoneIn(serializers.Serializer):
    outcome = serializers.CharField(max_length=2000, help_text="What came of the call-back.")


# --- transitions ----------------------------------------------------------------------------------


class TransitionOptionSerializer(serializers.Serializer):
    name = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]  # a field named like DRF's Field.label
    target = serializers.CharField(help_text="The status the step leads to.")
    allowed = serializers.BooleanField(help_text="The user may take the step now.")
    permitted = serializers.BooleanField(help_text="The user's role allows the step.")
    unmet_conditions = serializers.ListField(
        child=serializers.CharField(), help_text="Why the case cannot take the step yet."
    )
    params = serializers.ListField(child=serializers.CharField(), help_text="The inputs the step takes.")


class TransitionIn(serializers.Serializer):
    """A step's inputs; which ones a step takes is in ``params`` of the transitions list."""

    version = serializers.IntegerField(
        required=False, min_value=1, help_text="The case version the client saw; another one is a 409."
    )
    note = serializers.CharField(required=False, allow_blank=True, max_length=5000)
    reason = serializers.CharField(required=False, allow_blank=True, help_text="reject: what the customer is told.")
    carrier = serializers.CharField(required=False, allow_blank=True)
    tracking_number = serializers.CharField(required=False, allow_blank=True)
    passed = serializers.BooleanField(required=False, help_text="inspect: the item passed the inspection.")
    grade = serializers.ChoiceField(choices=InspectionGrade.choices, required=False, allow_blank=True)
    inspection_note = serializers.CharField(required=False, allow_blank=True)
    resolution_type = serializers.ChoiceField(choices=ResolutionType.choices, required=False)
    refund_amount = serializers.DecimalField(max_digits=12, decimal_places=2, required=False, allow_null=True)
    resolution_note = serializers.CharField(required=False, allow_blank=True)

    def validate(self, attrs: dict) -> dict:
        unknown = sorted(set(self.initial_data) - set(self.fields))
        if unknown:
            raise serializers.ValidationError({name: [_("Unknown field; see the step's params.")] for name in unknown})
        return attrs


# --- the refund ledger ------------------------------------------------------------------------------


class RefundLineSerializer(serializers.Serializer):
    sku = serializers.CharField(source="order_line.sku")
    line_no = serializers.IntegerField(source="order_line.line_no")
    amount = serializers.DecimalField(max_digits=12, decimal_places=2)


class RefundSerializer(serializers.Serializer):
    """One refund of the ledger, as the shop and the staff see it."""

    id = serializers.IntegerField()
    key = serializers.CharField(help_text="The idempotency key: one refund per key, ever.")
    case = serializers.CharField(source="case.number")
    order = serializers.CharField(source="order.number")
    amount = serializers.DecimalField(max_digits=12, decimal_places=2)
    currency = serializers.CharField(help_text="Always the order's currency.")
    resolution_type = serializers.CharField()
    status = serializers.ChoiceField(choices=RefundStatus.values)
    created_at = serializers.DateTimeField()
    settled_at = serializers.DateTimeField(allow_null=True)
    settlement_note = serializers.CharField()
    lines = RefundLineSerializer(many=True)


class RefundOutcomeIn(serializers.Serializer):
    status = serializers.ChoiceField(
        choices=[s for s in RefundStatus.values if s != RefundStatus.REQUESTED], help_text="What became of the refund."
    )
    note = serializers.CharField(required=False, allow_blank=True, max_length=200, default="")
