"""Building raw emails and signed webhook calls for the channel tests."""

from __future__ import annotations

import json
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from django.utils import timezone

from channels_app import signing


def raw_email(
    *,
    sender: str = "Wang Fang <wang.fang@example.cn>",
    to: str = "service@shop.example.com",
    subject: str = "退货咨询",
    body: str = "你好，我的订单还没有到。",
    message_id: str | None = None,
    in_reply_to: str | None = None,
    references: str | None = None,
    headers: dict | None = None,
    attachments: list[tuple[str, str, bytes]] = (),
) -> bytes:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = to
    msg["Subject"] = subject
    msg["Date"] = format_datetime(timezone.now())
    msg["Message-ID"] = message_id if message_id is not None else make_msgid(domain="example.cn")
    if not msg["Message-ID"]:
        del msg["Message-ID"]
    if in_reply_to:
        msg["In-Reply-To"] = in_reply_to
    if references:
        msg["References"] = references
    for name, value in (headers or {}).items():
        msg[name] = value
    msg.set_content(body)
    for filename, content_type, content in attachments:
        maintype, subtype = content_type.split("/", 1)
        msg.add_attachment(content, maintype=maintype, subtype=subtype, filename=filename)
    return msg.as_bytes()


def post_signed(client, url: str, *, secret: str, body: bytes, content_type: str, timestamp: int | None = None):
    headers = signing.signed_headers(secret=secret, body=body, timestamp=timestamp)
    return client.post(
        url,
        data=body,
        content_type=content_type,
        headers=headers,
    )


def post_json_signed(client, url: str, *, secret: str, payload, timestamp: int | None = None):
    return post_signed(
        client,
        url,
        secret=secret,
        body=json.dumps(payload).encode(),
        content_type="application/json",
        timestamp=timestamp,
    )
