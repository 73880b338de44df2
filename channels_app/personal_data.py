"""The personal data in this app's models, for the registry of ``core.personal_data`` (called from
``ChannelsAppConfig.ready``): who wrote, what they wrote, how to reach them, and what the shop
was told about them."""

from __future__ import annotations

from django.db.models import Q

from cases.models import Case
from channels_app.models import (
    ChatSession,
    ChatWidget,
    ContactIdentity,
    EmailInbox,
    Message,
    MessageAttachment,
    PhoneLine,
    PortalCode,
    RawEmail,
    ShopWebhook,
    SocialAccount,
    WebhookDelivery,
)
from channels_app.models.messages import new_chat_token
from core.personal_data import How, not_personal, register

CONFIGURATION = "configuration of a channel or an endpoint, about no customer"
CODE = "a code, status or choice from a fixed list"

# The places of a webhook payload (channels_app.shop_webhooks.build_payload) that name the
# customer or their order; the rest (case number, kinds, amounts, SKUs) stays for the shop's log.
WEBHOOK_PAYLOAD_PERSONAL = (
    "data.case.customer.external_id",
    "data.case.order.number",
    "data.refund.order_number",
    "data.replacement.order_number",
)


def register_all() -> None:
    """Every field of this app's models that can hold text or data, in the registry, in this order:
    the customer's identities and chats, their messages, portal codes, the shop's webhook deliveries,
    and the configuration of channels and endpoints, which names no customer."""
    _register_identities_and_chats()
    _register_messages()
    _register_portal_codes()
    _register_webhook_deliveries()
    _declare_configuration()


def _register_identities_and_chats() -> None:
    register(
        ContactIdentity,
        rows=lambda s: Q(customer=s.customer),
        fields=["kind", "provider", "value", "display"],
        how=How.DELETE,
    )
    # A new token: a visitor's old chat link stops reading the (now empty) conversation.
    register(ChatSession, rows=lambda s: Q(customer=s.customer), fields=["token"], how=How.MASK, value=_new_token)
    not_personal(ChatSession, fields=["verified_by"], reason=CODE)


def _register_messages() -> None:
    # Messages of the customer, on their cases, and those stored with no customer from one of their
    # addresses (automatic mail: an auto-reply or a bounce opens no case and names no customer).
    register(
        Message,
        rows=lambda s: (
            Q(customer=s.customer) | Q(case__in=s.pks(Case)) | (Q(customer__isnull=True) & s.q_address("sender"))
        ),
        fields=[
            "external_id",
            "sender",
            "sender_name",
            "recipient",
            "subject",
            "text",
            "html",
            "in_reply_to",
            "references",
            "data",
            "flag",
            "last_error",
        ],
        how=How.BLANK,
    )
    not_personal(
        Message,
        fields=["dedupe_key"],
        reason="the source's id of the message, kept so that fetching it again adds nothing",
    )
    not_personal(Message, fields=["direction", "channel", "status"], reason=CODE)
    register(RawEmail, rows=lambda s: Q(message__in=s.pks(Message)), fields=["content"], how=How.DELETE)
    not_personal(
        MessageAttachment,
        fields=["content_id"],
        reason="a MIME part id; the row goes with its attachment, which erasure deletes",
    )


def _register_portal_codes() -> None:
    register(PortalCode, rows=lambda s: Q(customer=s.customer), fields=["sent_to", "code_hash"], how=How.DELETE)


def _register_webhook_deliveries() -> None:
    register(
        WebhookDelivery,
        rows=lambda s: Q(case__in=s.pks(Case)),
        fields=["payload"],
        how=How.REDACT_KEYS,
        keys=WEBHOOK_PAYLOAD_PERSONAL,
    )
    register(WebhookDelivery, fields=["last_error"], how=How.BLANK)
    not_personal(WebhookDelivery, fields=["event_type", "status"], reason=CODE)


def _declare_configuration() -> None:
    not_personal(
        EmailInbox,
        fields=[
            "code",
            "name",
            "address",
            "from_name",
            "imap_host",
            "imap_user",
            "imap_password",
            "imap_folder",
            "imap_after_read",
            "imap_done_folder",
            "smtp_host",
            "smtp_user",
            "smtp_password",
            "webhook_secret",
            "last_error",
        ],
        reason=CONFIGURATION,
    )
    not_personal(ChatWidget, fields=["code", "name", "key", "allowed_origins", "greeting"], reason=CONFIGURATION)
    not_personal(SocialAccount, fields=["code", "name", "provider", "secret", "reply_url"], reason=CONFIGURATION)
    not_personal(PhoneLine, fields=["code", "name", "number", "secret"], reason=CONFIGURATION)
    not_personal(ShopWebhook, fields=["name", "url", "secret", "events"], reason=CONFIGURATION)


def _new_token(_session) -> str:
    return new_chat_token()
