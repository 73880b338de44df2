"""Who the customer is on every channel, and every message in and out.

A ``Message`` is one message on one channel. Inbound ones are stored once per source and external
id (``dedupe_key``), so a mail fetched twice or a webhook retried by the provider is one row.
Outbound ones are rows of the kernel's outbox (``core.outbox``): written in the transaction of the
agent's reply, delivered and retried by Celery (``channels_app.replies``).
"""

from __future__ import annotations

import secrets

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from cases.models import Attachment, Case, CaseEvent, Channel, Customer, Order
from channels_app.models.config import ChatWidget, EmailInbox, PhoneLine, SocialAccount
from core.outbox import OutboxRow


class IdentityKind(models.TextChoices):
    EMAIL = "email", _("Email address")
    PHONE = "phone", _("Phone number")
    SOCIAL = "social", _("Social media handle")


class ContactIdentity(models.Model):
    """One way to reach a customer: an email address, a phone number or a handle on one platform.

    ``value`` is normalised (lowercased email, E.164 phone number from ``core.phones``) so lookups are
    exact index hits. Unique per kind and provider: an address belongs to one customer.
    """

    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.CASCADE, related_name="identities"
    )
    kind = models.CharField(_("kind"), max_length=8, choices=IdentityKind.choices)
    provider = models.CharField(_("platform"), max_length=50, blank=True, help_text=_("For social handles."))
    value = models.CharField(_("value"), max_length=254)
    display = models.CharField(_("as written"), max_length=254, blank=True)
    verified = models.BooleanField(
        _("verified"),
        default=True,
        help_text=_("Off when the sender was matched only by an order number they mentioned."),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("contact identity")
        verbose_name_plural = _("contact identities")
        constraints = [
            models.UniqueConstraint(fields=["kind", "provider", "value"], name="identity_unique_per_kind"),
        ]

    def __str__(self) -> str:
        return f"{self.kind}:{self.provider + ':' if self.provider else ''}{self.value}"


def new_chat_token() -> str:
    return secrets.token_urlsafe(24)


class ChatSession(models.Model):
    """A visitor's conversation in a chat widget. ``token`` is the visitor's secret: it reads and writes."""

    widget = models.ForeignKey(ChatWidget, verbose_name=_("widget"), on_delete=models.PROTECT, related_name="sessions")
    token = models.CharField(_("token"), max_length=64, unique=True, default=new_chat_token)
    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.PROTECT, related_name="chat_sessions"
    )
    case = models.ForeignKey(
        Case, verbose_name=_("case"), null=True, blank=True, on_delete=models.SET_NULL, related_name="chat_sessions"
    )
    started_at = models.DateTimeField(_("started at"))
    last_seen_at = models.DateTimeField(_("last seen"), null=True, blank=True)
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    # A visitor who typed an email (and maybe an order number) only claims to be that customer:
    # until they prove it (the portal's one-time code) or an agent links the chat, nothing of the
    # customer's goes to this chat (``channels_app.chat``).
    needs_proof = models.BooleanField(_("identity to be proven"), default=False)
    claimed_order = models.ForeignKey(
        Order, verbose_name=_("order named"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The one-time code sent for this chat (portal.request_code's id; 0: none was sent): only that
    # code is tried, so guesses in another chat never use up the code the customer was sent.
    proof_code_id = models.PositiveIntegerField(_("one-time code"), null=True, blank=True)
    verified_at = models.DateTimeField(_("identity proven at"), null=True, blank=True)
    verified_by = models.CharField(
        _("proven by"), max_length=16, blank=True, choices=[("code", _("One-time code")), ("agent", _("An agent"))]
    )

    class Meta:
        verbose_name = _("chat session")
        verbose_name_plural = _("chat sessions")
        indexes = [models.Index(fields=["case", "-started_at"], name="chat_session_by_case")]

    def __str__(self) -> str:
        return f"{self.widget_id}/{self.pk}"

    @property
    def unverified(self) -> bool:
        """The visitor claims a customer and has not proven it."""
        return self.needs_proof and self.verified_at is None


class Direction(models.TextChoices):
    IN = "in", _("Inbound")
    OUT = "out", _("Outbound")


class DeliveryStatus(models.TextChoices):
    """An inbound message is received (or ignored); an outbound one goes through the outbox's three."""

    RECEIVED = "received", pgettext_lazy("message status", "Received")
    PENDING = "pending", _("Waiting to be sent")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")
    IGNORED = "ignored", _("Ignored (automatic mail)")


class Message(OutboxRow):
    """One message on one channel; an outbound one is a row of the outbox (``status``, ``attempts``,
    ``next_attempt_at``, ``last_error``, ``sent_at`` from ``core.outbox.OutboxRow``)."""

    direction = models.CharField(_("direction"), max_length=3, choices=Direction.choices)
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    case = models.ForeignKey(
        Case, verbose_name=_("case"), null=True, blank=True, on_delete=models.SET_NULL, related_name="messages"
    )
    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), null=True, blank=True, on_delete=models.SET_NULL, related_name="messages"
    )
    event = models.OneToOneField(
        CaseEvent,
        verbose_name=_("timeline entry"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="message",
    )
    inbox = models.ForeignKey(
        EmailInbox, verbose_name=_("inbox"), null=True, blank=True, on_delete=models.SET_NULL, related_name="messages"
    )
    social_account = models.ForeignKey(
        SocialAccount,
        verbose_name=_("social account"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="messages",
    )
    phone_line = models.ForeignKey(
        PhoneLine,
        verbose_name=_("phone line"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="messages",
    )
    chat_session = models.ForeignKey(
        ChatSession,
        verbose_name=_("chat session"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="messages",
    )
    # Inbound: "<source>:<external id>", unique, so a message fetched or posted twice is stored once.
    dedupe_key = models.CharField(_("deduplication key"), max_length=300, null=True, blank=True, unique=True)
    external_id = models.CharField(
        _("external id"), max_length=300, blank=True, help_text=_("Message-ID or the provider's id.")
    )
    sender = models.CharField(_("sender"), max_length=254, blank=True)
    sender_name = models.CharField(_("sender name"), max_length=200, blank=True)
    recipient = models.CharField(_("recipient"), max_length=254, blank=True)
    subject = models.CharField(_("subject"), max_length=300, blank=True)
    text = models.TextField(_("text"), blank=True)
    html = models.TextField(_("HTML (sanitized)"), blank=True)
    in_reply_to = models.CharField(_("in reply to"), max_length=300, blank=True)
    references = models.TextField(_("references"), blank=True)
    data = models.JSONField(_("data"), default=dict, blank=True)
    flag = models.CharField(
        _("flag for an agent"), max_length=200, blank=True, help_text=_("Why an agent should look at this message.")
    )
    status = models.CharField(_("status"), max_length=10, choices=DeliveryStatus.choices)
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["case", "created_at", "id"], name="message_by_case"),
            models.Index(fields=["chat_session", "id"], name="message_by_chat_session"),
            models.Index(fields=["external_id"], name="message_by_external_id"),
            models.Index(
                fields=["next_attempt_at", "id"],
                name="message_outbox_due",
                condition=models.Q(status="pending"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.direction} {self.channel} {self.subject or self.text[:40]}"

    @property
    def idempotency_key(self) -> str:
        """An email's Message-ID (a resend keeps it, so mail clients show it once); else the row's."""
        if self.channel == Channel.EMAIL and self.external_id:
            return self.external_id
        return super().idempotency_key


class RawEmail(models.Model):
    """The bytes of an inbound email exactly as they came, kept for audit."""

    message = models.OneToOneField(Message, verbose_name=_("message"), on_delete=models.CASCADE, related_name="raw")
    content = models.BinaryField(_("raw message"))
    size = models.PositiveIntegerField(_("size (bytes)"))

    class Meta:
        verbose_name = _("raw email")
        verbose_name_plural = _("raw emails")

    def __str__(self) -> str:
        return f"{self.message_id} ({self.size} B)"


class MessageAttachment(models.Model):
    """A file that came with a message; the file itself is the case's ``Attachment``."""

    message = models.ForeignKey(Message, verbose_name=_("message"), on_delete=models.CASCADE, related_name="files")
    attachment = models.ForeignKey(Attachment, verbose_name=_("attachment"), on_delete=models.CASCADE, related_name="+")
    inline = models.BooleanField(_("inline"), default=False)
    content_id = models.CharField(_("content id"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("message attachment")
        verbose_name_plural = _("message attachments")

    def __str__(self) -> str:
        return f"{self.message_id}: {self.attachment_id}"
