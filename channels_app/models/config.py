"""Channels configured as data: email inboxes, chat widgets, social accounts, phone lines, and the
shop's webhook endpoints. An administrator adds them in the admin; nothing here is in settings.
Passwords and signing secrets are encrypted at rest and write-only in forms (``core.fields``)."""

from __future__ import annotations

import secrets

from django.db import models
from django.utils.translation import gettext_lazy as _

from cases.models import Team
from core.fields import EncryptedCharField
from core.outgoing import validate_outgoing_url


def new_secret() -> str:
    return secrets.token_urlsafe(32)


def new_key() -> str:
    return secrets.token_urlsafe(16)


class ChannelAccount(models.Model):
    """What every configured channel has: a code used in URLs, a name, a default team, on or off."""

    code = models.SlugField(_("code"), max_length=50, unique=True, help_text=_("Used in URLs and logs."))
    name = models.CharField(_("name"), max_length=100)
    active = models.BooleanField(_("active"), default=True)
    team = models.ForeignKey(
        Team,
        verbose_name=_("team for new cases"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("Empty: the routing rules decide."),
    )

    class Meta:
        abstract = True
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ImapAfterRead(models.TextChoices):
    MARK_SEEN = "seen", _("Mark as read")
    MOVE = "move", _("Move to a folder")


class EmailInbox(ChannelAccount):
    """One mailbox: polled over IMAP (or fed by the inbound webhook); replies leave from its address."""

    address = models.EmailField(_("address"), unique=True)
    from_name = models.CharField(_("sender name"), max_length=100, blank=True)
    imap_host = models.CharField(_("IMAP host"), max_length=200, blank=True, help_text=_("Empty: webhook only."))
    imap_port = models.PositiveIntegerField(_("IMAP port"), default=993)
    imap_ssl = models.BooleanField(_("IMAP over TLS"), default=True)
    imap_user = models.CharField(_("IMAP user"), max_length=200, blank=True)
    imap_password = EncryptedCharField(_("IMAP password"), max_length=200, blank=True)
    imap_folder = models.CharField(_("IMAP folder"), max_length=100, default="INBOX")
    imap_after_read = models.CharField(
        _("after reading"), max_length=8, choices=ImapAfterRead.choices, default=ImapAfterRead.MARK_SEEN
    )
    imap_done_folder = models.CharField(
        _("folder for read mail"), max_length=100, blank=True, default="Processed", help_text=_("When moving.")
    )
    smtp_host = models.CharField(
        _("SMTP host"), max_length=200, blank=True, help_text=_("Empty: the site's mail settings.")
    )
    smtp_port = models.PositiveIntegerField(_("SMTP port"), default=587)
    smtp_user = models.CharField(_("SMTP user"), max_length=200, blank=True)
    smtp_password = EncryptedCharField(_("SMTP password"), max_length=200, blank=True)
    smtp_tls = models.BooleanField(_("SMTP STARTTLS"), default=True)
    webhook_secret = EncryptedCharField(
        _("inbound webhook secret"), max_length=100, default=new_secret, help_text=_("Signs raw messages posted in.")
    )
    last_polled_at = models.DateTimeField(_("last polled"), null=True, blank=True, editable=False)
    last_error = models.CharField(_("last error"), max_length=300, blank=True, editable=False)

    class Meta(ChannelAccount.Meta):
        verbose_name = _("email inbox")
        verbose_name_plural = _("email inboxes")


class ChatWidget(ChannelAccount):
    """A live chat widget a shop embeds with one script tag; ``key`` is public, it identifies the widget."""

    key = models.CharField(_("widget key"), max_length=40, unique=True, default=new_key)
    allowed_origins = models.TextField(
        _("allowed origins"), blank=True, help_text=_("One per line, e.g. https://shop.example.com. Empty: any.")
    )
    greeting = models.CharField(_("greeting"), max_length=200, blank=True)

    class Meta(ChannelAccount.Meta):
        verbose_name = _("chat widget")
        verbose_name_plural = _("chat widgets")

    def origin_allowed(self, origin: str) -> bool:
        allowed = [line.strip().rstrip("/") for line in self.allowed_origins.splitlines() if line.strip()]
        return not allowed or (origin or "").rstrip("/") in allowed


class SocialAccount(ChannelAccount):
    """One account on a social platform; messages arrive on a signed webhook, replies leave by its adapter."""

    provider = models.CharField(
        _("adapter"),
        max_length=50,
        default="generic",
        help_text=_("generic (JSON in and out) or console (development: replies are logged)."),
    )
    secret = EncryptedCharField(_("signing secret"), max_length=100, default=new_secret)
    reply_url = models.URLField(
        _("reply URL"),
        blank=True,
        validators=[validate_outgoing_url],
        help_text=_("Where the generic adapter posts replies: https, to a public address."),
    )

    class Meta(ChannelAccount.Meta):
        verbose_name = _("social media account")
        verbose_name_plural = _("social media accounts")


class PhoneLine(ChannelAccount):
    """A service number; the telephony system posts its call events to this line's webhook."""

    number = models.CharField(_("number"), max_length=32, unique=True)
    secret = EncryptedCharField(_("signing secret"), max_length=100, default=new_secret)

    class Meta(ChannelAccount.Meta):
        verbose_name = _("phone line")
        verbose_name_plural = _("phone lines")


class WebhookEventType(models.TextChoices):
    CASE_CREATED = "case.created", _("Case created")
    CASE_STATUS_CHANGED = "case.status_changed", _("Case status changed")
    REFUND_REQUESTED = "refund.requested", _("Refund requested")
    REPLACEMENT_REQUESTED = "replacement.requested", _("Replacement requested")
    COUPON_REQUESTED = "coupon.requested", _("Coupon requested (survey thanks)")
    TEST = "webhook.test", _("Test event")


class ShopWebhook(models.Model):
    """An endpoint of the shop's that receives case and refund events, signed with ``secret``."""

    name = models.CharField(_("name"), max_length=100)
    url = models.URLField(_("URL"), validators=[validate_outgoing_url], help_text=_("https, to a public address."))
    secret = EncryptedCharField(_("signing secret"), max_length=100, default=new_secret)
    events = models.JSONField(
        _("events"), default=list, blank=True, help_text=_("Event types to send; empty: all of them.")
    )
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("shop webhook")
        verbose_name_plural = _("shop webhooks")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def wants(self, event_type: str) -> bool:
        return self.active and (not self.events or event_type in self.events)
