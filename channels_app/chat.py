"""Live chat: a visitor on the shop's site talks to an agent through the embeddable widget.

The widget's public ``key`` names the widget; the session ``token`` (returned once, when the chat
starts) is the visitor's secret for everything after. Every visitor message goes through
``intake.receive`` like a mail would, so it joins the customer's case and timeline; the agent's
public replies on channel ``chat`` come back as outbound ``Message`` rows of the session
(``outbound._chat_reply``), which the widget reads by polling or server-sent events.

Who the visitor is: an order number plus the email on that order makes them that order's
customer; an email alone makes them that email's customer (``identity.match_sender``); an order
number with another email, or alone, identifies nobody: they get a customer of their own. Nothing
is proven by what was typed: anyone who knows an order number and the email on it could type them.
So a visitor only ever sees their own session: its messages and, when this chat opened it, its case
number. Never the customer's name, orders or other cases; the agent reads an internal note saying
how the visitor identified themselves.

Identities nobody borrows (issue 16): a chat whose visitor typed an email claims that customer
(``ChatSession.needs_proof``) and, until proven, joins no existing case: its first message opens a
case of its own, every entry of it flagged ``sender_verified: False`` (the desk's badge), and
nothing of the customer's goes to it (replies on other cases, survey links: ``outbound``). Proof is
the portal's one-time code (``request_code`` / ``prove``: ``portal.request_code`` and
``portal.verify_code``, the same code, delivery to the email or phone on file, limits and expiry),
or an agent who checked and links it with a reason (``link_chats``, a case event). On proof the
chat becomes a verified channel of that customer and the case says so (an entry with
``sender_verified: True``). We chose to keep a chat that already has its case on that case rather
than move it into the customer's open case: moving a live conversation would split it between two
timelines mid-sentence; the agent sees both cases in the customer 360 and may link them. A chat
proven before its first message joins the customer's open case about the proven order, as a
verified chat always did.
"""

from __future__ import annotations

import hashlib
import re
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import connection, transaction
from django.utils.translation import gettext as _
from django.utils.translation import override

from cases.models import FINAL_STATUSES, OPEN_STATUSES, Case, Channel, Customer, EventType, Order
from cases.models.case import WORK
from cases.selectors import SENDER_VERIFIED
from cases.services import record_event
from channels_app import identity, intake, portal, throttle
from channels_app.models import ChatSession, ChatWidget, ContactIdentity, Direction, IdentityKind, Message
from channels_app.models.messages import new_chat_token
from core import clock
from core.errors import DomainError, Forbidden, InvalidInput

MAX_TEXT = 5000
MAX_NAME = 200
MAX_ORDER_NUMBER = 64
MAX_CLIENT_ID = 64
PAGE = 100
MAX_PAGE = 500
CLIENT_ID = re.compile(r"^[A-Za-z0-9_.:-]{1,64}$")
ANONYMOUS_PROVIDER = "chat"  # the identity of a visitor who gave no email: one per session
START_LIMIT, START_WINDOW = 20, 600  # chats started per IP
MESSAGE_LIMIT, MESSAGE_WINDOW = 30, 60  # messages per session
STREAM_LIMIT, STREAM_WINDOW = 12, 60  # event streams opened per session (each holds a worker)
SEEN_EVERY = timedelta(seconds=30)


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


@dataclass(frozen=True)
class Posted:
    message: Message
    duplicate: bool


@dataclass(frozen=True)
class Started:
    session: ChatSession
    message: Message | None  # the first message, when the visitor wrote one


# --- finding the widget and the session -------------------------------------------------------------


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


def _limit(key: str, *, limit: int, seconds: int) -> None:
    """Count one attempt under ``key``; refuse once ``limit`` were made in the window."""
    if throttle.count_attempt(key, seconds=seconds) > limit:
        raise TooManyRequests(_("Too many requests. Wait a few minutes and try again."))


# --- checking what the visitor typed ----------------------------------------------------------------


def _string(value, field: str) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise InvalidInput(_("“%(field)s” must be text.") % {"field": field}, details={field: [_("Must be text.")]})
    return value.strip()


def clean_text(value, *, required: bool = True) -> str:
    text = _string(value, "text")
    if required and not text:
        raise InvalidInput(_("Write a message first."), details={"text": [_("This field is required.")]})
    if len(text) > MAX_TEXT:
        message = _("The message is too long (at most %(n)s characters).") % {"n": MAX_TEXT}
        raise InvalidInput(message, details={"text": [message]})
    return text


def clean_client_id(value) -> str:
    client_id = _string(value, "client_id")
    if client_id and not CLIENT_ID.match(client_id):
        message = _("client_id may have at most %(n)s letters, digits and - _ . :") % {"n": MAX_CLIENT_ID}
        raise InvalidInput(message, details={"client_id": [message]})
    return client_id


def _clean_start(*, email, order_number, name) -> tuple[str, str, str]:
    from django.core.exceptions import ValidationError
    from django.core.validators import validate_email

    email, order_number, name = (
        _string(email, "email"),
        _string(order_number, "order_number"),
        _string(name, "name"),
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


# --- who the visitor is -----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Visitor:
    customer: Customer
    kind: str
    provider: str
    value: str
    order: Order | None  # the order whose email the visitor gave (a claim, not a proof)
    note: str  # for the agent: how the visitor identified themselves


def _anonymous_value(token: str) -> str:
    return "session-" + hashlib.sha256(token.encode()).hexdigest()[:32]


def _identify(*, token: str, email: str, order_number: str, name: str) -> _Visitor:
    order = None
    if order_number:
        candidate = Order.objects.select_related("customer").filter(number=order_number).first()
        owner = candidate.customer if candidate is not None else None
        if owner is not None and email and identity.normal_email(owner.email) == identity.normal_email(email):
            order = candidate
    with override(settings.LANGUAGE_CODE):  # the agent's note, in the site's language like intake's
        if order is not None:
            note = _(
                "Live chat: the visitor gave order %(order)s and the email on it, %(email)s. Anyone who knows "
                "both could; they are not verified until they enter the one-time code or an agent links the chat."
            )
        elif email and order_number:
            note = _(
                "Live chat: the visitor gave order %(order)s with the email %(email)s, which is not the "
                "email on that order; they were not matched to its customer."
            )
        elif email:
            note = _("Live chat: the visitor gave the email %(email)s; it is not verified.")
        else:
            note = _("Live chat: the visitor gave order %(order)s and no email; they were not matched to anyone.")
    note = note % {"order": order_number, "email": email}
    if email:
        # texts=(): an order number typed here must never attach the visitor to its customer.
        match = identity.match_sender(kind=IdentityKind.EMAIL, value=email, name=name)
        customer = order.customer if order is not None else match.customer
        return _Visitor(customer, IdentityKind.EMAIL, "", email, order, note)
    value = _anonymous_value(token)
    match = identity.match_sender(
        kind=IdentityKind.SOCIAL, provider=ANONYMOUS_PROVIDER, value=value, name=name or _("Chat visitor")
    )
    return _Visitor(match.customer, IdentityKind.SOCIAL, ANONYMOUS_PROVIDER, value, None, note)


def _identity_of(session: ChatSession) -> tuple[str, str, str]:
    """(kind, provider, value) the session's messages are sent under: as the first one was; before
    any message, the customer's own identity (the session keeps no copy of what was typed)."""
    data = (
        Message.objects.filter(chat_session=session, direction=Direction.IN)
        .order_by("id")
        .values_list("data", flat=True)
        .first()
    )
    if data and data.get("chat_identity"):
        kind, provider, value = data["chat_identity"]
        return kind, provider, value
    anonymous = _anonymous_value(session.token)
    if ContactIdentity.objects.filter(kind=IdentityKind.SOCIAL, provider=ANONYMOUS_PROVIDER, value=anonymous).exists():
        return IdentityKind.SOCIAL, ANONYMOUS_PROVIDER, anonymous
    customer = session.customer
    emails = ContactIdentity.objects.filter(customer=customer, kind=IdentityKind.EMAIL)
    own = identity.normal_email(customer.email)
    if own and emails.filter(value=own).exists():
        return IdentityKind.EMAIL, "", own
    first = emails.order_by("-verified", "id").values_list("value", flat=True).first()
    return IdentityKind.EMAIL, "", first or own


# --- the conversation -------------------------------------------------------------------------------


def _receive(
    *,
    session: ChatSession,
    text: str,
    client_id: str,
    who: tuple[str, str, str],
    name: str = "",
    order: Order | None = None,
    note: str = "",
) -> Posted:
    """One visitor message through the intake; the session takes the case it joined. Call in a
    transaction holding the session's row lock."""
    kind, provider, value = who
    case = session.case
    start_new = False
    thread: tuple[str, ...] = ()
    if case is not None and case.status in FINAL_STATUSES:
        # The chat's case is closed: the intake opens a new one and links it (the visitor wrote on it).
        thread, case = (case.number,), None
    elif case is None and order is not None and not session.unverified:
        case = (
            Case.objects.filter(customer=order.customer, order=order, status__in=OPEN_STATUSES)
            .order_by("-updated_at", "-id")
            .first()
        )
        start_new = case is None  # a chat about this order, not about the customer's other cases
    result = intake.receive(
        intake.Inbound(
            channel=Channel.CHAT,
            dedupe_key=f"chat:{session.pk}:{client_id or uuid.uuid4().hex}",
            identity_kind=kind,
            identity_provider=provider,
            identity_value=value,
            sender_name=name[:MAX_NAME],
            text=text,  # no external_id: the client's id is the visitor's to choose, never a mail's thread
            case=case,
            thread_case_numbers=thread,
            start_new_case=start_new,
            # An email typed into the chat proves nothing, nor does an order number with it: the
            # one-time code or an agent's link does (``prove``, ``link_chats``).
            sender_verified=kind != IdentityKind.EMAIL or not session.unverified,
            order=order,
            links={"chat_session": session},
            data={"client_id": client_id, "chat_identity": [kind, provider, value]},
            team=session.widget.team,
        )
    )
    if result.duplicate:
        return Posted(result.message, True)
    if result.case is not None and result.case.pk != session.case_id:
        first_case = session.case_id is None
        session.case = result.case
        session.save(update_fields=["case"])
        if first_case and note:
            record_event(
                case=result.case, type=EventType.NOTE, actor=None, note=note, data={"chat_session": session.pk}
            )
    return Posted(result.message, False)


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
    _limit(f"chat:start:{ip}", limit=START_LIMIT, seconds=START_WINDOW)
    token = new_chat_token()
    with transaction.atomic():
        visitor = _identify(token=token, email=email, order_number=order_number, name=name)
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
            message = _receive(
                session=session,
                text=text,
                client_id=client_id,
                who=(visitor.kind, visitor.provider, visitor.value),
                name=name,
                order=visitor.order,
                note=visitor.note,
            ).message
    return Started(session, message)


def post_visitor_message(*, session: ChatSession, text, client_id="") -> Posted:
    """The visitor writes; a repeated ``client_id`` returns the first message (``duplicate``)."""
    text = clean_text(text)
    client_id = clean_client_id(client_id)
    if session.ended_at is not None:
        raise ChatEnded(_("This chat has ended. Start a new one to write to us."))
    _limit(f"chat:messages:{session.pk}", limit=MESSAGE_LIMIT, seconds=MESSAGE_WINDOW)
    with transaction.atomic():
        # The row lock makes two first messages sent at once open one case, not two.
        locked = ChatSession.objects.select_for_update(of=("self",)).select_related("widget", "case").get(pk=session.pk)
        name = (
            Message.objects.filter(chat_session=locked, direction=Direction.IN)
            .exclude(sender_name="")
            .values_list("sender_name", flat=True)
            .first()
        ) or ""
        order = locked.claimed_order if locked.case_id is None and not locked.unverified else None
        posted = _receive(
            session=locked, text=text, client_id=client_id, who=_identity_of(locked), name=name, order=order
        )
        locked.last_seen_at = clock.now()
        locked.save(update_fields=["last_seen_at"])
    session.case, session.case_id, session.last_seen_at = locked.case, locked.case_id, locked.last_seen_at
    return posted


# --- proving who the visitor is ------------------------------------------------------------------------


@dataclass(frozen=True)
class Proof:
    session: ChatSession
    verified: bool


def _order_number(session: ChatSession, order_number) -> str:
    """The order the code is asked for: the one given, else the one named at the start."""
    number = _string(order_number, "order_number")
    if len(number) > MAX_ORDER_NUMBER:
        message = _("The order number is too long.")
        raise InvalidInput(message, details={"order_number": [message]})
    if not number and session.claimed_order_id is not None:
        number = session.claimed_order.number
    if not number:
        message = _("Give the number of one of your orders: the code goes to the email or phone on file for it.")
        raise InvalidInput(message, details={"order_number": [message]})
    return number


def request_code(*, session: ChatSession, ip: str, order_number="", via="email") -> None:
    """Send the portal's one-time code for this chat to the email (``via`` "email") or phone
    ("phone") on file for the customer the visitor claims, through ``portal.request_code``: the same
    code, delivery, limits (per IP and per order) and expiry as the portal. The visitor's answer is
    the same whether a code went out or not (no order, not theirs, no phone on file)."""
    if not session.unverified:
        raise InvalidInput(_("This chat is already verified."))
    if session.ended_at is not None:
        raise ChatEnded(_("This chat has ended. Start a new one to write to us."))
    via = _string(via, "via") or "email"
    if via not in ("email", "phone"):
        message = _("Choose email or phone for the code.")
        raise InvalidInput(message, details={"via": [message]})
    number = _order_number(session, order_number)
    customer = session.customer
    # Nothing on file: an address no customer has, so the portal counts the try and sends nothing.
    contact = (customer.email if via == "email" else customer.phone) or "nobody@invalid"
    order = Order.objects.filter(number=number, customer_id=customer.pk).first()
    if order is not None and order.pk != session.claimed_order_id:
        ChatSession.objects.filter(pk=session.pk).update(claimed_order=order)
        session.claimed_order, session.claimed_order_id = order, order.pk
    # The portal sends only when the contact is the one on that order's customer; limits count either way.
    try:
        code_id = portal.request_code(order_number=number, contact=contact, ip=ip)
    except portal.TooManyAttempts:
        raise
    except portal.PortalError:
        code_id = None  # a phone on file that does not parse: nothing sent, and the same answer
    # Bound to this chat: only the code sent for it is tried here (0: none was sent).
    ChatSession.objects.filter(pk=session.pk).update(proof_code_id=code_id or 0)
    session.proof_code_id = code_id or 0


def prove(*, session: ChatSession, code, ip: str) -> Proof:
    """The visitor enters the code: a valid one (``portal.verify_code``: unused, unexpired, at most
    CODE_ATTEMPTS tries) makes the chat a verified channel of the customer and says so on its case.
    A wrong, used or expired code is a 400 with a message and changes nothing but the code's count
    of tries; the portal's per-IP limit answers 429."""
    code = _string(code, "code")
    if not code:
        message = _("Enter the code we sent you.")
        raise InvalidInput(message, details={"code": [message]})
    if not session.unverified:
        return Proof(session, False)
    if session.claimed_order_id is None or session.proof_code_id is None:
        message = _("Ask for a code first.")
        raise InvalidInput(message, details={"code": [message]})
    customer, order = portal.verify_code(
        order_number=session.claimed_order.number, code=code, ip=ip, code_id=session.proof_code_id or 0
    )
    if customer.pk != session.customer_id:  # the order changed hands since: not this chat's customer
        raise InvalidInput(_("This code is not valid or has expired. Ask for a new one."))
    with override(settings.LANGUAGE_CODE):
        note = _("Live chat: the visitor entered the one-time code sent for order %(order)s; verified.") % {
            "order": order.number
        }
    return Proof(_verify(session=session, by="code", actor=None, note=note), True)


def _verify(*, session: ChatSession, by: str, actor, note: str) -> ChatSession:
    with transaction.atomic():
        locked = ChatSession.objects.select_for_update(of=("self",)).select_related("case").get(pk=session.pk)
        if locked.unverified:
            locked.verified_at, locked.verified_by = clock.now(), by
            locked.save(update_fields=["verified_at", "verified_by"])
            if locked.case is not None:
                record_event(
                    case=locked.case,
                    type=EventType.NOTE,
                    actor=actor,
                    note=note,
                    data={SENDER_VERIFIED: True, "chat_session": locked.pk, "proof": by},
                )
    session.verified_at, session.verified_by = locked.verified_at, locked.verified_by
    return session


def link_chats(*, case: Case, actor, reason: str) -> list[ChatSession]:
    """An agent who checked who the visitor is (asked what only the customer knows) links the
    case's unverified chats to its customer: they become verified channels, with the reason in a
    case event. Who: staff who may work cases (else 403); a reason is required (else 400)."""
    if actor is None or not actor.has_perm(WORK):
        raise Forbidden(_("Only an agent may link a chat to a customer."))
    reason = _string(reason, "reason")
    if not reason:
        message = _("Say how you checked that the visitor is the customer.")
        raise InvalidInput(message, details={"reason": [message]})
    if len(reason) > MAX_TEXT:
        message = _("The reason is too long (at most %(n)s characters).") % {"n": MAX_TEXT}
        raise InvalidInput(message, details={"reason": [message]})
    sessions = [s for s in ChatSession.objects.filter(case=case).order_by("id") if s.unverified]
    if not sessions:
        raise InvalidInput(_("No chat on this case waits to be verified."))
    with override(settings.LANGUAGE_CODE):
        note = _("The chat was linked to the customer after checking: %(reason)s") % {"reason": reason}
    return [_verify(session=s, by="agent", actor=actor, note=note) for s in sessions]


def messages_after(*, session: ChatSession, after: int = 0, limit: int = PAGE) -> list[Message]:
    """The session's messages (both directions) with an id above ``after``, oldest first."""
    return list(
        Message.objects.filter(chat_session=session, id__gt=max(after, 0))
        .select_related("event__actor")
        .order_by("id")[: max(1, min(limit, MAX_PAGE))]
    )


def visible_case_number(session: ChatSession) -> str | None:
    """The case number the visitor may see: only a case this chat opened. A case the chat joined
    is the customer's, and the visitor has proven nothing about being them."""
    if session.case_id is None:
        return None
    opened_here = Message.objects.filter(
        chat_session=session, case_id=session.case_id, event__type=EventType.CREATED
    ).exists()
    return session.case.number if opened_here else None


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


def stream_seconds() -> float:
    """How long one event stream stays open (CHAT_SSE_SECONDS, 25 by default; 0 turns streams off)."""
    return float(getattr(settings, "CHAT_SSE_SECONDS", 25))


def open_stream(*, session: ChatSession) -> float:
    """Count one event stream of the session (each holds a server worker while open); its duration."""
    seconds = stream_seconds()
    if seconds <= 0:
        raise StreamingOff(_("Live updates are switched off here; ask for new messages instead."))
    _limit(f"chat:streams:{session.pk}", limit=STREAM_LIMIT, seconds=STREAM_WINDOW)
    return seconds


def watch(*, session_id: int, after: int, seconds: float, poll: float = 1.0) -> Iterator[list[Message] | None]:
    """New messages of the session as they arrive, for at most ``seconds``: one list per poll
    (empty when nothing came), then ``None`` when the session has ended.

    Each poll is its own autocommit query, so it sees what other workers committed. Between polls
    the database connection is released when it is broken or past its age, as Django does between
    requests (a stream is one long request); inside a test's transaction it is left alone.
    """
    deadline = time.monotonic() + seconds
    while True:
        rows = messages_after(session=ChatSession(pk=session_id), after=after)
        if rows:
            after = rows[-1].pk
        yield rows
        if ChatSession.objects.filter(pk=session_id, ended_at__isnull=False).exists():
            yield None
            return
        if time.monotonic() + poll > deadline:
            return
        if not connection.in_atomic_block:
            connection.close_if_unusable_or_obsolete()
        time.sleep(poll)


__all__ = [
    "ChatEnded",
    "Proof",
    "link_chats",
    "prove",
    "request_code",
    "ChatNotFound",
    "OriginNotAllowed",
    "Posted",
    "Started",
    "StreamingOff",
    "TooManyRequests",
    "clean_text",
    "end_session",
    "messages_after",
    "open_stream",
    "origin_allowed",
    "post_visitor_message",
    "session_for",
    "start_session",
    "touch",
    "visible_case_number",
    "watch",
    "widget_for",
]
