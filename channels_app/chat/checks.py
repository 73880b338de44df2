"""What every chat call checks: the limits on what a visitor sends and how often, the cleaning of
what they typed, and the errors that refuse them (each carries its HTTP status)."""

from __future__ import annotations

import re

from django.utils.translation import gettext as _

from channels_app import throttle
from core.errors import DomainError, InvalidInput

MAX_TEXT = 5000
MAX_NAME = 200
MAX_ORDER_NUMBER = 64
MAX_CLIENT_ID = 64
PAGE = 100
MAX_PAGE = 500
CLIENT_ID = re.compile(r"^[A-Za-z0-9_.:-]{1,64}$")
START_LIMIT, START_WINDOW = 20, 600  # chats started per IP
MESSAGE_LIMIT, MESSAGE_WINDOW = 30, 60  # messages per session
STREAM_LIMIT, STREAM_WINDOW = 12, 60  # event streams opened per session (each holds a worker)


class ChatNotFound(DomainError):
    """Unknown or inactive widget, unknown token: one answer for all, so a token cannot be probed."""

    http_status = 404
    code = "not_found"


class OriginNotAllowed(DomainError):
    http_status = 403
    code = "origin_not_allowed"


class TooManyRequests(DomainError):
    http_status = 429
    code = "too_many_attempts"


class ChatEnded(InvalidInput):
    code = "chat_ended"


class StreamingOff(DomainError):
    """CHAT_SSE_SECONDS is 0: the widget polls instead."""

    http_status = 503
    code = "streaming_off"


def limit_rate(key: str, *, limit: int, seconds: int) -> None:
    """Count one attempt under ``key``; refuse once ``limit`` were made in the window."""
    if throttle.count_attempt(key, seconds=seconds) > limit:
        raise TooManyRequests(_("Too many requests. Wait a few minutes and try again."))


def typed_text(value, field: str) -> str:
    """What the visitor typed in ``field``, stripped ("" for nothing); anything but text is refused."""
    if value is None:
        return ""
    if not isinstance(value, str):
        raise InvalidInput(_("“%(field)s” must be text.") % {"field": field}, details={field: [_("Must be text.")]})
    return value.strip()


def clean_text(value, *, required: bool = True) -> str:
    text = typed_text(value, "text")
    if required and not text:
        raise InvalidInput(_("Write a message first."), details={"text": [_("This field is required.")]})
    if len(text) > MAX_TEXT:
        message = _("The message is too long (at most %(n)s characters).") % {"n": MAX_TEXT}
        raise InvalidInput(message, details={"text": [message]})
    return text


def clean_client_id(value) -> str:
    client_id = typed_text(value, "client_id")
    if client_id and not CLIENT_ID.match(client_id):
        message = _("client_id may have at most %(n)s letters, digits and - _ . :") % {"n": MAX_CLIENT_ID}
        raise InvalidInput(message, details={"client_id": [message]})
    return client_id
