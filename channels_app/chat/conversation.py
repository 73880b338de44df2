"""The conversation of a chat: the visitor's messages go through the intake (``intake.receive``,
like a mail) and join a case; both sides' messages are read back by polling or as a stream of
server-sent events. The agent's replies are outbound ``Message`` rows of the session, written by the
case's reply path, not here."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

from django.conf import settings
from django.db import connection, transaction
from django.utils.translation import gettext as _

from cases.models import FINAL_STATUSES, OPEN_STATUSES, Case, Channel, EventType, Order
from cases.services import record_event
from channels_app import intake
from channels_app.chat.checks import (
    MAX_NAME,
    MAX_PAGE,
    MESSAGE_LIMIT,
    MESSAGE_WINDOW,
    PAGE,
    STREAM_LIMIT,
    STREAM_WINDOW,
    ChatEnded,
    StreamingOff,
    clean_client_id,
    clean_text,
    limit_rate,
)
from channels_app.chat.visitors import sending_identity
from channels_app.models import ChatSession, Direction, IdentityKind, Message
from core import clock


@dataclass(frozen=True)
class Posted:
    message: Message
    duplicate: bool


def receive_visitor_message(
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


def post_visitor_message(*, session: ChatSession, text, client_id="") -> Posted:
    """The visitor writes; a repeated ``client_id`` returns the first message (``duplicate``)."""
    text = clean_text(text)
    client_id = clean_client_id(client_id)
    if session.ended_at is not None:
        raise ChatEnded(_("This chat has ended. Start a new one to write to us."))
    limit_rate(f"chat:messages:{session.pk}", limit=MESSAGE_LIMIT, seconds=MESSAGE_WINDOW)
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
        posted = receive_visitor_message(
            session=locked, text=text, client_id=client_id, who=sending_identity(locked), name=name, order=order
        )
        locked.last_seen_at = clock.now()
        locked.save(update_fields=["last_seen_at"])
    session.case, session.case_id, session.last_seen_at = locked.case, locked.case_id, locked.last_seen_at
    return posted


def messages_after(*, session: ChatSession, after: int = 0, limit: int = PAGE) -> list[Message]:
    """The session's messages (both directions) with an id above ``after``, oldest first."""
    return list(
        Message.objects.filter(chat_session=session, id__gt=max(after, 0))
        .select_related("event__actor")
        .order_by("id")[: max(1, min(limit, MAX_PAGE))]
    )


def stream_seconds() -> float:
    """How long one event stream stays open (CHAT_SSE_SECONDS, 25 by default; 0 turns streams off)."""
    return float(getattr(settings, "CHAT_SSE_SECONDS", 25))


def open_stream(*, session: ChatSession) -> float:
    """Count one event stream of the session (each holds a server worker while open); its duration."""
    seconds = stream_seconds()
    if seconds <= 0:
        raise StreamingOff(_("Live updates are switched off here; ask for new messages instead."))
    limit_rate(f"chat:streams:{session.pk}", limit=STREAM_LIMIT, seconds=STREAM_WINDOW)
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
