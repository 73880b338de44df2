from .config import (
    ChatWidget,
    EmailInbox,
    ImapAfterRead,
    PhoneLine,
    ShopWebhook,
    SocialAccount,
    WebhookEventType,
)
from .messages import (
    ChatSession,
    ContactIdentity,
    DeliveryStatus,
    Direction,
    IdentityKind,
    Message,
    MessageAttachment,
    RawEmail,
)
from .portal import PortalCode
from .webhooks import WebhookDelivery, WebhookDeliveryStatus

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
