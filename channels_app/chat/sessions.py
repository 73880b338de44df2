"""A chat's session: the widget a page names by its public key, the session its token opens, a
chat started (who the visitor is, their first message) and ended, and what of it the visitor may see."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils.translation import gettext as _

from cases.models import EventType
from channels_app.chat.checks import (
    MAX_NAME,
    MAX_ORDER_NUMBER,
    START_LIMIT,
    START_WINDOW,
    ChatNotFound,
    OriginNotAllowed,
    clean_client_id,
    clean_text,
    limit_rate,
    typed_text,
)
from channels_app.chat.conversation import receive_visitor_message
from channels_app.chat.visitors import identify_visitor
from channels_app.models import ChatSession, ChatWidget, IdentityKind, Message
from channels_app.models.messages import new_chat_token
from core import clock
from core.errors import InvalidInput

SEEN_EVERY = timedelta(seconds=30)


@dataclass(frozen=True)
class Started:
    session: ChatSession
    message: Message | None  # the first message, when the visitor wrote one


def origin_allowed(*, widget: ChatWidget, origin: str, own_origin: str = "") -> bool:
    """A browser names the page's origin; no Origin (a server, or a same-origin GET) is not checked,
    and this site's own pages (the demo page) are always allowed."""
    if not origin:
        return True
    if own_origin and origin.rstrip("/") == own_origin.rstrip("/"):
        return True
    return widget.origin_allowed(origin)


def _check_origin(widget: ChatWidget, origin: str, own_origin: str) -> None:
    if not origin_allowed(widget=widget, origin=origin, own_origin=own_origin):
        raise OriginNotAllowed(_("This chat is not available on this website."))


def widget_for(*, key: str, origin: str = "", own_origin: str = "") -> ChatWidget:
    """The active widget with this public key, for a page on one of its allowed origins."""
    key = (key or "").strip() if isinstance(key, str) else ""
    widget = ChatWidget.objects.filter(key=key, active=True).first() if key else None
    if widget is None:
        raise ChatNotFound(_("There is no such chat."))
    _check_origin(widget, origin, own_origin)
    return widget


def session_for(*, token: str, origin: str = "", own_origin: str = "") -> ChatSession:
    """The session this token opens (its widget still active), for a page on an allowed origin."""
    session = ChatSession.objects.select_related("widget", "case").filter(token=token, widget__active=True).first()
    if session is None:
        raise ChatNotFound(_("This chat does not exist or has expired. Start a new one."))
    _check_origin(session.widget, origin, own_origin)
    return session


def _clean_start(*, email, order_number, name) -> tuple[str, str, str]:
    email, order_number, name = (
        typed_text(email, "email"),
        typed_text(order_number, "order_number"),
        typed_text(name, "name"),
    )
    if not email and not order_number:
        message = _("Give your email address or your order number.")
        raise InvalidInput(message, details={"email": [message], "order_number": [message]})
    if email:
        try:
            validate_email(email)
        except ValidationError:
            message = _("Enter a valid email address.")
            raise InvalidInput(message, details={"email": [message]})
    if len(order_number) > MAX_ORDER_NUMBER:
        message = _("The order number is too long.")
        raise InvalidInput(message, details={"order_number": [message]})
    if len(name) > MAX_NAME:
        message = _("The name is too long (at most %(n)s characters).") % {"n": MAX_NAME}
        raise InvalidInput(message, details={"name": [message]})
    return email, order_number, name


def start_session(
    *,
    widget: ChatWidget,
    email: str = "",
    order_number: str = "",
    name: str = "",
    text: str = "",
    client_id: str = "",
    ip: str = "",
) -> Started:
    """Open a chat for a visitor of ``widget``; with ``text`` its first message goes to the intake.

    Refused (nothing written) without an email or an order number, with a bad email or a text too
    long; limited to START_LIMIT starts per IP in START_WINDOW seconds.
    """
    email, order_number, name = _clean_start(email=email, order_number=order_number, name=name)
    text = clean_text(text, required=False)
    client_id = clean_client_id(client_id)
    limit_rate(f"chat:start:{ip}", limit=START_LIMIT, seconds=START_WINDOW)
    token = new_chat_token()
    with transaction.atomic():
        visitor = identify_visitor(token=token, email=email, order_number=order_number, name=name)
        now = clock.now()
        session = ChatSession.objects.create(
            widget=widget,
            token=token,
            customer=visitor.customer,
            started_at=now,
            last_seen_at=now,
            needs_proof=visitor.kind == IdentityKind.EMAIL,
            claimed_order=visitor.order,
        )
        message = None
        if text:
            message = receive_visitor_message(
                session=session,
                text=text,
                client_id=client_id,
                who=(visitor.kind, visitor.provider, visitor.value),
                name=name,
                order=visitor.order,
                note=visitor.note,
            ).message
    return Started(session, message)


def visible_case_number(session: ChatSession) -> str | None:
    """The case number the visitor may see: only a case this chat opened. A case the chat joined
    is the customer's, and the visitor has proven nothing about being them."""
    if session.case_id is None:
        return None
    opened_here = Message.objects.filter(
        chat_session=session, case_id=session.case_id, event__type=EventType.CREATED
    ).exists()
    return session.case.number if opened_here else None  # type: ignore[union-attr]  # case_id: a case


def touch(session: ChatSession) -> None:
    """Note the visitor is still there (at most one write per SEEN_EVERY)."""
    now = clock.now()
    if session.last_seen_at is None or now - session.last_seen_at >= SEEN_EVERY:
        ChatSession.objects.filter(pk=session.pk).update(last_seen_at=now)
        session.last_seen_at = now


def end_session(*, session: ChatSession) -> ChatSession:
    """The visitor closes the chat; ending it again changes nothing."""
    if session.ended_at is None:
        now = clock.now()
        ChatSession.objects.filter(pk=session.pk, ended_at__isnull=True).update(ended_at=now, last_seen_at=now)
        session.refresh_from_db(fields=["ended_at", "last_seen_at"])
    return session
