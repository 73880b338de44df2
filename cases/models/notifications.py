"""Notifications to agents (workbench and email) and to customers (email): rows of the kernel's outbox."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from cases.models.case import Case
from core.outbox import OutboxRow, OutboxStatus


class NotificationKind(models.TextChoices):
    SLA_WARNING = "sla_warning", _("SLA warning")
    SLA_BREACH = "sla_breach", _("SLA breached")
    SHIP_REMINDER = "ship_reminder", _("Reminder to ship the return")
    SHIPMENT_STALLED = "shipment_stalled", _("Shipment without movement")
    REVISIT = "revisit", _("Revisit task")
    CASE_UPDATE = "case_update", _("Case update")
    MENTION = "mention", _("Mentioned in a note")


class NotificationEmail(models.TextChoices):
    """Where the notification's email stands: the outbox's three, and none for a reader without an address."""

    PENDING = OutboxStatus.PENDING.value, _("Waiting to be emailed")
    SENT = OutboxStatus.SENT.value, _("Emailed")
    FAILED = OutboxStatus.FAILED.value, _("Failed (gave up)")
    NONE = "none", _("Not emailed (no address)")


class Notification(OutboxRow):
    """A message to an agent (shown in the workbench and emailed) or to a customer (emailed).

    Written in the transaction of the change that caused it, in the reader's language, and
    emailed afterwards through the kernel's outbox (``cases.notifications``, the beat task
    ``cases.tasks.send_notifications``): nothing is lost when the broker or the mail server is down
    at commit time.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    email = models.EmailField(_("email"), blank=True)
    case = models.ForeignKey(
        Case, verbose_name=_("case"), null=True, blank=True, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=NotificationKind.choices)
    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(_("body"))
    created_at = models.DateTimeField(_("created at"))
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    # The outbox's fields (core.outbox.OutboxRow), named for the email.
    status = models.CharField(
        _("email status"), max_length=10, choices=NotificationEmail.choices, default=NotificationEmail.PENDING
    )
    sent_at = models.DateTimeField(_("emailed at"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("email attempts"), default=0)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["user", "read_at", "-created_at"], name="notification_inbox"),
            models.Index(
                fields=["next_attempt_at", "id"], name="notification_outbox_due", condition=models.Q(status="pending")
            ),
        ]

    def __str__(self) -> str:
        return self.subject
