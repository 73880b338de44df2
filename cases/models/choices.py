"""The vocabularies of the cases app: kinds, statuses, channels, priorities, reasons, resolutions, grades,
dispositions, event and cost types. Plain ``TextChoices`` and the sets built from them; this module imports
no other model module, so every model module may import it.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class CaseKind(models.TextChoices):
    RETURN = "return", _("Return and refund")
    EXCHANGE = "exchange", _("Exchange")
    REPAIR = "repair", _("Repair")
    REFUND_ONLY = "refund_only", _("Refund only")
    COMPLAINT = "complaint", _("Complaint")
    INQUIRY = "inquiry", _("Inquiry")


# Kinds whose goods travel back to the warehouse, and kinds that are conversations.
SHIPPING_KINDS = frozenset({CaseKind.RETURN, CaseKind.EXCHANGE, CaseKind.REPAIR})
GOODS_KINDS = SHIPPING_KINDS | {CaseKind.REFUND_ONLY}
CONVERSATION_KINDS = frozenset({CaseKind.COMPLAINT, CaseKind.INQUIRY})


class ComplaintCategory(models.TextChoices):
    """The categories of the platform's complaint procedure (质量 / 物流 / 售后服务 / 支付 / 账户)."""

    PRODUCT_QUALITY = "product_quality", _("Product quality")
    LOGISTICS = "logistics", _("Logistics")
    AFTER_SALES_SERVICE = "after_sales_service", _("After-sales service")
    PAYMENT = "payment", _("Payment")
    ACCOUNT = "account", pgettext_lazy("complaint category", "Account")


class ComplaintSeverity(models.TextChoices):
    # In context: a complaint's "Normal" (一般) is not a case's "Normal" priority (普通).
    URGENT = "urgent", pgettext_lazy("complaint severity", "Urgent")
    NORMAL = "normal", pgettext_lazy("complaint severity", "Normal")


class CaseStatus(models.TextChoices):
    NEW = "new", _("New")
    APPROVED = "approved", _("Approved")
    IN_TRANSIT = "in_transit", _("In transit")
    RECEIVED = "received", _("Received")
    INSPECTED = "inspected", _("Inspected")
    IN_PROGRESS = "in_progress", _("In progress")
    AWAITING_CUSTOMER = "awaiting_customer", _("Awaiting customer")
    RESOLVED = "resolved", _("Resolved")
    CLOSED = "closed", _("Closed")
    REJECTED = "rejected", _("Rejected")
    CANCELLED = "cancelled", _("Cancelled")


OPEN_STATUSES = frozenset(
    {
        CaseStatus.NEW,
        CaseStatus.APPROVED,
        CaseStatus.IN_TRANSIT,
        CaseStatus.RECEIVED,
        CaseStatus.INSPECTED,
        CaseStatus.IN_PROGRESS,
        CaseStatus.AWAITING_CUSTOMER,
    }
)
FINAL_STATUSES = frozenset({CaseStatus.CLOSED, CaseStatus.REJECTED, CaseStatus.CANCELLED})


class Channel(models.TextChoices):
    PORTAL = "portal", _("Web portal")
    EMAIL = "email", _("Email")
    CHAT = "chat", _("Live chat")
    PHONE = "phone", _("Phone")
    SOCIAL = "social", _("Social media")
    API = "api", _("Shop API")


class Priority(models.TextChoices):
    LOW = "low", _("Low")
    NORMAL = "normal", _("Normal")
    HIGH = "high", _("High")
    URGENT = "urgent", _("Urgent")


class ReasonCode(models.TextChoices):
    NO_REASON = "no_reason", _("Changed my mind (no reason needed)")
    WRONG_SIZE = "wrong_size", _("Wrong size or fit")
    NOT_AS_DESCRIBED = "not_as_described", _("Not as described")
    DAMAGED = "damaged", _("Damaged in transit")
    DEFECTIVE = "defective", _("Defective or quality problem")
    WRONG_ITEM = "wrong_item", _("Wrong item sent")
    MISSING_ITEM = "missing_item", _("Missing item or part")
    LATE_DELIVERY = "late_delivery", _("Late delivery")
    SERVICE = "service", _("Service problem")
    OTHER = "other", _("Other")


class ResolutionType(models.TextChoices):
    REFUND = "refund", _("Refund")
    RETURN_AND_REFUND = "return_and_refund", _("Return and refund")
    EXCHANGE = "exchange", _("Exchange")
    REPAIR = "repair", _("Repair")
    RESHIP_PART = "reship_part", _("Reship a missing part")
    PARTIAL_REFUND = "partial_refund", _("Partial refund")
    PRICE_PROTECTION = "price_protection", _("Price protection")
    GOODWILL_COUPON = "goodwill_coupon", _("Goodwill coupon")
    RETURNED_TO_CUSTOMER = "returned_to_customer", _("Item sent back to the customer")
    ANSWERED = "answered", _("Answered")


# Resolution types that pay money back to the customer.
REFUNDING_RESOLUTIONS = frozenset(
    {
        ResolutionType.REFUND,
        ResolutionType.RETURN_AND_REFUND,
        ResolutionType.PARTIAL_REFUND,
        ResolutionType.PRICE_PROTECTION,
    }
)


class PolicyOutcome(models.TextChoices):
    APPROVE = "approve", _("Approve")
    REJECT = "reject", _("Reject")
    REVIEW = "review", _("Needs review")
    NOT_APPLICABLE = "not_applicable", _("Not decided by policy")


class InspectionGrade(models.TextChoices):
    A = "A", _("As new")
    B = "B", _("Light signs of use")
    C = "C", _("Damaged or incomplete")
    D = "D", _("Not the item sold / unusable")


class Disposition(models.TextChoices):
    RESTOCK = "restock", _("Restock")
    REFURBISH = "refurbish", _("Refurbish")
    SCRAP = "scrap", _("Scrap")
    RETURN_TO_SUPPLIER = "return_to_supplier", _("Return to supplier")


class EventType(models.TextChoices):
    CREATED = "created", _("Created")
    POLICY = "policy", _("Policy decision")
    TRANSITION = "transition", _("Status changed")
    ASSIGNED = "assigned", _("Assigned")
    NOTE = "note", _("Internal note")
    REPLY = "reply", _("Reply")
    UPDATED = "updated", _("Updated")
    COST = "cost", _("Cost recorded")
    SLA_WARNING = "sla_warning", _("SLA warning")
    SLA_BREACH = "sla_breach", _("SLA breached")
    FOLLOW_UP = "follow_up", _("Follow-up")
    SHIPMENT = "shipment", _("Shipment update")
    SURVEY = "survey", _("Satisfaction survey")
    REFUND = "refund", _("Refund")


class CostKind(models.TextChoices):
    REFUND = "refund", _("Refund")
    COMPENSATION = "compensation", _("Compensation")
    SHIPPING_OUT = "shipping_out", _("Shipping out")
    SHIPPING_BACK = "shipping_back", _("Shipping back")
    REPAIR = "repair", _("Repair")
    HANDLING = "handling", _("Handling")


def choices_problem(values, choices, field: str) -> dict | None:
    if not isinstance(values, list):
        return {field: _("Give a list, for example [] for any.")}
    unknown = sorted(set(map(str, values)) - {c[0] for c in choices})
    if unknown:
        return {
            field: _("Unknown values: %(unknown)s. Allowed: %(allowed)s.")
            % {"unknown": ", ".join(unknown), "allowed": ", ".join(c[0] for c in choices)}
        }
    return None
