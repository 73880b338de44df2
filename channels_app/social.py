"""Social media: one signed webhook per account, an adapter per platform, replies through it.

An adapter turns a platform's webhook payload into messages and posts replies back. ``generic``
takes and sends plain JSON (any platform's bridge can speak it); ``console`` parses the same JSON
and only logs replies, for development. A platform of its own (WeChat, Weibo, Douyin, Instagram)
is another adapter registered in ``ADAPTERS``.

Generic payload, one message or a list under ``messages``::

    {"id": "m-123", "from": {"id": "u-9", "name": "Wang Fang"}, "text": "...", "thread": "t-1"}
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import Any, Protocol

from django.utils.translation import gettext as _

from cases.models import Channel
from channels_app import intake, signed_posts, signing
from channels_app.models import IdentityKind, SocialAccount
from core.errors import InvalidInput

log = logging.getLogger(__name__)
MAX_TEXT = 5000


@dataclass(frozen=True)
class SocialMessage:
    id: str
    sender_id: str
    sender_name: str
    text: str
    thread: str = ""


class Adapter(Protocol):
    def parse(self, *, account: SocialAccount, payload: Any) -> list[SocialMessage]: ...

    def send(self, *, account: SocialAccount, message) -> str | None: ...


def _text(value: Any, name: str, *, required: bool = True, limit: int = 300) -> str:
    if value is None and not required:
        return ""
    if not isinstance(value, str | int) or isinstance(value, bool) or (required and str(value).strip() == ""):
        raise InvalidInput(_("The field “%(name)s” must be a non-empty string.") % {"name": name})
    text = str(value).strip()
    if len(text) > limit:
        raise InvalidInput(
            _("The field “%(name)s” is too long (at most %(n)s characters).") % {"name": name, "n": limit}
        )
    return text


class GenericAdapter:
    """Plain JSON in; replies POSTed as signed JSON to the account's reply URL."""

    def parse(self, *, account: SocialAccount, payload: Any) -> list[SocialMessage]:
        items = payload.get("messages") if isinstance(payload, dict) and "messages" in payload else [payload]
        if not isinstance(items, list) or not items or len(items) > 100:
            raise InvalidInput(_("Send one message object, or a list of 1 to 100 under “messages”."))
        out = []
        for item in items:
            if not isinstance(item, dict):
                raise InvalidInput(_("Each message must be a JSON object."))
            sender = item.get("from")
            if not isinstance(sender, dict):
                raise InvalidInput(_("Each message needs “from” with the sender's “id”."))
            out.append(
                SocialMessage(
                    id=_text(item.get("id"), "id"),
                    sender_id=_text(sender.get("id"), "from.id"),
                    sender_name=_text(sender.get("name"), "from.name", required=False, limit=200),
                    text=_text(item.get("text"), "text", limit=MAX_TEXT),
                    thread=_text(item.get("thread"), "thread", required=False),
                )
            )
        return out

    def send(self, *, account: SocialAccount, message) -> str | None:
        if not account.reply_url:
            raise RuntimeError(f"social account {account.code} has no reply URL")
        body = json.dumps(
            {
                "to": message.recipient,
                "text": message.text,
                "in_reply_to": message.in_reply_to,
                "thread": message.data.get("thread", ""),
                "reply_id": message.pk,
            },
            ensure_ascii=False,
        ).encode()
        _code, answer = signed_posts.post_signed(url=account.reply_url, secret=account.secret, body=body)
        try:
            return str(json.loads(answer).get("id", "")) or None
        except (ValueError, AttributeError):
            return None


class ConsoleAdapter(GenericAdapter):
    """Development: replies are written to the log instead of being posted anywhere."""

    def send(self, *, account: SocialAccount, message) -> str | None:
        log.info("[social:%s] reply to %s: %s", account.code, message.recipient, message.text)
        return f"console-{message.pk}"


ADAPTERS: dict[str, Adapter] = {"generic": GenericAdapter(), "console": ConsoleAdapter()}


def adapter_for(account: SocialAccount) -> Adapter:
    try:
        return ADAPTERS[account.provider]
    except KeyError:
        raise InvalidInput(_("The account uses an unknown adapter “%(name)s”.") % {"name": account.provider})


def receive_webhook(*, account: SocialAccount, body: bytes, timestamp: str | None, signature: str | None):
    """Verify, parse and take in a webhook call; returns the intake results (duplicates included)."""
    signing.verify(secret=account.secret, timestamp=timestamp, signature=signature, body=body)
    try:
        payload = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise InvalidInput(_("The body is not valid JSON."))
    results = []
    for msg in adapter_for(account).parse(account=account, payload=payload):
        results.append(
            intake.receive(
                intake.Inbound(
                    channel=Channel.SOCIAL,
                    dedupe_key=f"social:{account.pk}:{msg.id}"[:300],
                    external_id=msg.id,
                    identity_kind=IdentityKind.SOCIAL,
                    identity_value=msg.sender_id,
                    identity_provider=account.code,
                    sender_name=msg.sender_name,
                    text=msg.text,
                    links={"social_account": account},
                    data={"thread": msg.thread},
                    team=account.team,
                )
            )
        )
    return results
