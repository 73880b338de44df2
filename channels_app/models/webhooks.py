"""Deliveries of events to the shop's webhooks: rows of the kernel's outbox (``core.outbox``), a log an
admin can read and replay."""

from __future__ import annotations

import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from cases.models import Case
from channels_app.models.config import ShopWebhook, WebhookEventType
from core.outbox import OutboxRow


class WebhookDeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    DELIVERED = "delivered", pgettext_lazy("webhook", "Delivered")
    FAILED = "failed", _("Failed (gave up)")


class WebhookDelivery(OutboxRow):
    """One event for one endpoint. ``event_id`` goes in the payload so the shop can ignore repeats.

    A row of the outbox (``attempts``, ``next_attempt_at``, ``last_error`` from ``core.outbox.OutboxRow``)
    whose words are the shop's: ``delivered`` at ``delivered_at``.
    """

    outbox_sent_status = "delivered"
    outbox_sent_at_field = "delivered_at"

    endpoint = models.ForeignKey(
        ShopWebhook, verbose_name=_("endpoint"), on_delete=models.CASCADE, related_name="deliveries"
    )
    event_id = models.UUIDField(_("event id"), default=uuid.uuid4, editable=False)
    event_type = models.CharField(_("event"), max_length=40, choices=WebhookEventType.choices)
    case = models.ForeignKey(
        Case, verbose_name=_("case"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    payload = models.JSONField(_("payload"))
    status = models.CharField(
        _("status"), max_length=10, choices=WebhookDeliveryStatus.choices, default=WebhookDeliveryStatus.PENDING
    )
    last_status_code = models.PositiveSmallIntegerField(_("last HTTP status"), null=True, blank=True)
    delivered_at = models.DateTimeField(pgettext_lazy("webhook", "delivered at"), null=True, blank=True)
    sent_at = None  # the outbox's sent_at is delivered_at here
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(
                fields=["next_attempt_at", "id"],
                name="webhook_delivery_due",
                condition=models.Q(status="pending"),
            ),
        ]
        constraints = [
            models.UniqueConstraint(fields=["endpoint", "event_id"], name="webhook_delivery_once_per_event"),
        ]

    def __str__(self) -> str:
        return f"{self.event_type} → {self.endpoint_id} ({self.status})"

    @property
    def idempotency_key(self) -> str:
        """The event id: the same for every endpoint the event goes to, on every retry and replay."""
        return str(self.event_id)
