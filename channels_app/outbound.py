"""Answers go back on the channel the customer used, through an outbox.

When an agent's public reply is recorded (a ``reply`` event with direction ``out``), the receiver
``queue_reply`` writes an outbound ``Message`` in the same transaction: an email from the inbox
the customer wrote to, with the case number in the subject and Message-ID / In-Reply-To /
References set so the customer's client threads it; a chat message the visitor's widget picks up;
a social reply the account's adapter posts. Celery delivers pending rows after commit
(``deliver``) and retries failures with backoff (``deliver_due``, on beat), so a broker or mail
server that is down loses nothing. Delivery is at least once; an email resent after a crash keeps
its Message-ID, so mail clients show it once.

Only to senders verified for the customer: a reply or survey link never goes to a sender nobody
vouched for (``intake.UNVERIFIED``: an email typed into a chat, a stranger's mail naming an order) on
a case someone verified wrote on, and a survey link never to such a sender at all; without a
verified sender on the channel an email goes to the address on file, a chat reply becomes the
notification email.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from email.utils import formataddr, make_msgid

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import connection, transaction

from cases.models import Case, CaseEvent, Channel, EventType
from cases.selectors import VOUCHED, has_verified_sender
from channels_app import social
from channels_app.models import ChatSession, DeliveryStatus, Direction, EmailInbox, Message
from core import clock

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 8


def backoff(attempts: int) -> timedelta:
    """30 s, 1 min, 2 min ... capped at one hour."""
    return timedelta(seconds=min(30 * 2 ** max(attempts - 1, 0), 3600))


def _may_answer_unverified(case: Case, event: CaseEvent) -> bool:
    """An agent's reply may go to a sender nobody vouched for only on a case no verified sender
    wrote on (the case opened for that sender, where the desk shows them as not verified); a survey
    link never does."""
    return event.type == EventType.REPLY and not has_verified_sender(case)


def _last_inbound(case: Case, channel: str, event: CaseEvent) -> Message | None:
    """The latest inbound message on the channel whose sender may receive this event."""
    rows = Message.objects.filter(case=case, direction=Direction.IN, channel=channel).order_by("-created_at", "-id")
    verified = rows.filter(VOUCHED).first()
    if verified is None and _may_answer_unverified(case, event):
        return rows.first()
    return verified


def email_subject(case: Case, subject: str) -> str:
    base = subject or case.subject or case.number
    if case.number.lower() in base.lower():
        return base[:250]
    if not base.lower().startswith(("re:", "回复：", "回复:")):
        base = "Re: " + base
    return f"[{case.number}] {base}"[:250]


def _default_inbox() -> EmailInbox | None:
    return EmailInbox.objects.filter(active=True).order_by("id").first()


def _email_reply(case: Case, event: CaseEvent) -> Message | None:
    last = _last_inbound(case, Channel.EMAIL, event)  # else the address on file
    inbox = (last.inbox if last and last.inbox and last.inbox.active else None) or _default_inbox()
    to = (last.sender if last else "") or case.customer.email
    if inbox is None or not to:
        return None
    references = (last.references.split() if last else []) + ([last.external_id] if last and last.external_id else [])
    domain = inbox.address.rsplit("@", 1)[-1]
    return Message.objects.create(
        direction=Direction.OUT,
        channel=Channel.EMAIL,
        case=case,
        customer=case.customer,
        event=event,
        inbox=inbox,
        external_id=make_msgid(idstring=case.number, domain=domain).strip("<>"),
        sender=inbox.address,
        recipient=to,
        subject=email_subject(case, last.subject if last else ""),
        text=event.note,
        in_reply_to=last.external_id if last else "",
        references=" ".join(references[-20:]),
        status=DeliveryStatus.PENDING,
        next_attempt_at=event.created_at,
        created_at=event.created_at,
    )


def _chat_reply(case: Case, event: CaseEvent) -> Message | None:
    # The visitor's open chat; an ended one is read by nobody: the customer is emailed instead. A
    # visitor who has not proven to be the customer gets only what _may_answer_unverified allows.
    sessions = list(ChatSession.objects.filter(case=case, ended_at__isnull=True).order_by("-started_at", "-id"))
    session = next((s for s in sessions if not s.unverified), None)
    if session is None and sessions and _may_answer_unverified(case, event):
        session = sessions[0]
    if session is None:
        return None
    return Message.objects.create(
        direction=Direction.OUT,
        channel=Channel.CHAT,
        case=case,
        customer=case.customer,
        event=event,
        chat_session=session,
        sender=event.actor_label,
        text=event.note,
        status=DeliveryStatus.SENT,  # the widget reads it from here (polling or server-sent events)
        sent_at=event.created_at,
        created_at=event.created_at,
    )


def _social_reply(case: Case, event: CaseEvent) -> Message | None:
    last = _last_inbound(case, Channel.SOCIAL, event)
    if last is None or last.social_account is None:
        return None
    return Message.objects.create(
        direction=Direction.OUT,
        channel=Channel.SOCIAL,
        case=case,
        customer=case.customer,
        event=event,
        social_account=last.social_account,
        sender=last.social_account.code,
        recipient=last.sender,
        in_reply_to=last.external_id,
        text=event.note,
        data={"thread": last.data.get("thread", "")},
        status=DeliveryStatus.PENDING,
        next_attempt_at=event.created_at,
        created_at=event.created_at,
    )


WRITERS = {Channel.EMAIL: _email_reply, Channel.CHAT: _chat_reply, Channel.SOCIAL: _social_reply}


def queue_reply(*, case: Case, event: CaseEvent) -> Message | None:
    """Write the outbound message for an agent's public reply (or a survey invitation); None when
    its channel has no way back (portal, phone, API: the customer is emailed a notification instead)."""
    is_reply = event.type == EventType.REPLY and event.data.get("direction") == "out"
    if not event.public or not (is_reply or event.type == EventType.SURVEY):
        return None
    writer = WRITERS.get(event.channel)
    message = writer(case, event) if writer else None
    if message is not None and message.status == DeliveryStatus.PENDING:
        transaction.on_commit(lambda: _nudge(message.pk))
    return message


def _nudge(message_id: int) -> None:
    from channels_app.tasks import deliver_message

    try:
        deliver_message.delay(message_id)
    except Exception:  # noqa: BLE001 - the broker is down: the beat task delivers it later
        log.warning("Could not queue message %s; the beat task will deliver it.", message_id, exc_info=True)


# --- delivery -------------------------------------------------------------------------------------


def _send_email(message: Message) -> None:
    inbox = message.inbox
    conn = None
    if inbox is not None and inbox.smtp_host:
        conn = get_connection(
            backend="django.core.mail.backends.smtp.EmailBackend",
            host=inbox.smtp_host,
            port=inbox.smtp_port,
            username=inbox.smtp_user or None,
            password=inbox.smtp_password or None,
            use_tls=inbox.smtp_tls,
            timeout=30,
        )
    headers = {"Message-ID": f"<{message.external_id}>", "Auto-Submitted": "no"}
    if message.in_reply_to:
        headers["In-Reply-To"] = f"<{message.in_reply_to}>"
    if message.references:
        headers["References"] = " ".join(f"<{r}>" for r in message.references.split())
    sender = formataddr((inbox.from_name, inbox.address)) if inbox else settings.DEFAULT_FROM_EMAIL
    EmailMessage(
        subject=message.subject,
        body=message.text,
        from_email=sender,
        to=[message.recipient],
        headers=headers,
        connection=conn,
    ).send()


def _send(message: Message) -> None:
    if message.channel == Channel.EMAIL:
        _send_email(message)
    elif message.channel == Channel.SOCIAL:
        external = social.adapter_for(message.social_account).send(account=message.social_account, message=message)
        if external:
            message.external_id = str(external)[:300]
    else:
        raise ValueError(f"no delivery for channel {message.channel}")


def _pending(qs):
    qs = qs.filter(direction=Direction.OUT, status=DeliveryStatus.PENDING)
    if connection.features.has_select_for_update_skip_locked:
        return qs.select_for_update(skip_locked=True, of=("self",))
    return qs.select_for_update()


def _deliver_locked(message: Message) -> bool:
    message.attempts += 1
    try:
        _send(message)
    except Exception as exc:  # noqa: BLE001 - any transport error is retried later
        message.last_error = f"{type(exc).__name__}: {exc}"[:300]
        if message.attempts >= MAX_ATTEMPTS:
            message.status = DeliveryStatus.FAILED
        else:
            message.next_attempt_at = clock.now() + backoff(message.attempts)
        message.save(update_fields=["attempts", "last_error", "status", "next_attempt_at", "external_id"])
        log.warning("Delivery of message %s failed (attempt %s): %s", message.pk, message.attempts, message.last_error)
        return False
    message.status, message.sent_at, message.last_error = DeliveryStatus.SENT, clock.now(), ""
    message.save(update_fields=["attempts", "status", "sent_at", "last_error", "external_id"])
    return True


def deliver(*, message_id: int) -> bool:
    """Send one pending outbound message whose attempt is due; False when it is not pending, not
    due yet (a redelivered task does not jump its backoff), or the send failed. The row is locked
    (SKIP LOCKED) for the send, so two workers never send it twice."""
    with transaction.atomic():
        due = Message.objects.filter(pk=message_id, next_attempt_at__lte=clock.now())
        message = _pending(due).select_related("inbox", "social_account").first()
        if message is None:
            return False
        return _deliver_locked(message)


def deliver_due(*, batch: int = 200) -> int:
    """Send the pending messages whose next attempt is due (beat); returns how many were sent.

    Each send is its own short transaction (a slow mail server holds one row, not a batch); the
    sweep walks the rows that were due when it started, so it ends even while sends fail.
    """
    ids = list(
        Message.objects.filter(direction=Direction.OUT, status=DeliveryStatus.PENDING, next_attempt_at__lte=clock.now())
        .order_by("next_attempt_at", "id")
        .values_list("pk", flat=True)[:batch]
    )
    return sum(deliver(message_id=pk) for pk in ids)
