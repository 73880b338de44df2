"""The refund ledger (DESIGN.md §7): one row per refund, written by ``cases.money.ledger`` only.

The live refunds of an order (not failed, not cancelled) never add up to more than it was paid, per
order line where the refund names lines and in total; ``cases.money.ledger.request_refund`` keeps that
under a lock on the order row. A refund's ``key`` is its idempotency key: the same request (a
replay, a retried resolve, a second decision on one approval) finds the refund it already made
instead of making another, and the shop's ``refund.requested`` carries the refund's own id.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from cases.models.approvals import REFUND_CHOICES
from cases.models.case import Case, CostLine
from cases.models.catalog import Order, OrderLine


class RefundStatus(models.TextChoices):
    REQUESTED = "requested", _("Requested")
    SUCCEEDED = "succeeded", _("Succeeded")
    FAILED = "failed", _("Failed")
    CANCELLED = "cancelled", _("Cancelled")


# Refunds that hold money: they count against what the order may still refund.
LIVE_REFUND_STATUSES = (RefundStatus.REQUESTED, RefundStatus.SUCCEEDED)


class Refund(models.Model):
    """Money the shop pays back on an order for a case: requested → succeeded / failed / cancelled."""

    case = models.ForeignKey(Case, verbose_name=_("case"), on_delete=models.PROTECT, related_name="refunds")
    order = models.ForeignKey(Order, verbose_name=_("order"), on_delete=models.PROTECT, related_name="refunds")
    amount = models.DecimalField(_("amount"), max_digits=12, decimal_places=2)
    currency = models.CharField(_("currency"), max_length=3)
    resolution_type = models.CharField(_("resolution"), max_length=24, choices=REFUND_CHOICES)
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=RefundStatus.choices, default=RefundStatus.REQUESTED, db_index=True
    )
    key = models.CharField(
        _("idempotency key"), max_length=100, unique=True, help_text=_("The same request never refunds twice.")
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("asked by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("approved by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    approval = models.ForeignKey(
        "cases.ApprovalRequest",
        verbose_name=_("approval request"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="refunds",
    )
    cost_line = models.OneToOneField(
        CostLine,
        verbose_name=_("cost line"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="refund",
    )
    created_at = models.DateTimeField(_("requested at"))
    settled_at = models.DateTimeField(_("settled at"), null=True, blank=True)
    settlement_note = models.CharField(_("settlement note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("refund")
        verbose_name_plural = _("refunds")
        ordering = ["created_at", "id"]
        permissions = [("settle_refund", _("Can report what became of a refund (succeeded, failed, cancelled)"))]
        indexes = [models.Index(fields=["order", "status"], name="refund_by_order_status")]
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="refund_amount_positive"),
            models.CheckConstraint(
                condition=models.Q(status__in=[s.value for s in RefundStatus]), name="refund_status_known"
            ),
            models.CheckConstraint(
                condition=models.Q(status=RefundStatus.REQUESTED) | models.Q(settled_at__isnull=False),
                name="refund_settled_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"R{self.pk} {self.amount} {self.currency} ({self.status})"


class RefundLine(models.Model):
    """The part of a refund that pays back one order line (when the case names its lines)."""

    refund = models.ForeignKey(Refund, verbose_name=_("refund"), on_delete=models.CASCADE, related_name="lines")
    order_line = models.ForeignKey(
        OrderLine, verbose_name=_("order line"), on_delete=models.PROTECT, related_name="refund_lines"
    )
    amount = models.DecimalField(_("amount"), max_digits=12, decimal_places=2)

    class Meta:
        verbose_name = _("refund line")
        verbose_name_plural = _("refund lines")
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="refund_line_amount_positive"),
            models.UniqueConstraint(fields=["refund", "order_line"], name="refund_line_once"),
        ]

    def __str__(self) -> str:
        return f"{self.refund_id}/{self.order_line_id} {self.amount}"
