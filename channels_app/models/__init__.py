from channels_app.models.config import (
    ChatWidget,
    EmailInbox,
    ImapAfterRead,
    PhoneLine,
    ShopWebhook,
    SocialAccount,
    WebhookEventType,
)
from channels_app.models.messages import (
    ChatSession,
    ContactIdentity,
    DeliveryStatus,
    Direction,
    IdentityKind,
    Message,
    MessageAttachment,
    RawEmail,
)
from channels_app.models.portal import PortalCode
from channels_app.models.webhooks import WebhookDelivery, WebhookDeliveryStatus

__all__ = [
    "ChatSession",
    "ChatWidget",
    "ContactIdentity",
    "DeliveryStatus",
    "Direction",
    "EmailInbox",
    "IdentityKind",
    "ImapAfterRead",
    "Message",
    "MessageAttachment",
    "PhoneLine",
    "PortalCode",
    "RawEmail",
    "ShopWebhook",
    "SocialAccount",
    "WebhookDelivery",
    "WebhookDeliveryStatus",
    "WebhookEventType",
]
