"""Replies to customers: answers go back on the channel the customer used, through the kernel's outbox.

When an agent's public reply is recorded (a ``reply`` event with direction ``out``), the receiver
``queue_reply`` writes an outbound ``Message`` in the same transaction: an email from the inbox
the customer wrote to, with the case number in the subject and Message-ID / In-Reply-To /
References set so the customer's client threads it; a chat message the visitor's widget picks up;
a social reply the account's adapter posts. The pending rows are a kind of the kernel's outbox
(``core.outbox``, ``ReplyOutbox`` below supplies the send): Celery delivers them after commit
(``deliver``, task ``deliver_message``) and retries failures with backoff (``deliver_due``, task
``deliver_due_messages`` on beat), so a broker or mail server that is down loses nothing. Delivery is
at least once; an email resent after a crash keeps its Message-ID, so mail clients show it once.

Only to senders verified for the customer: a reply or survey link never goes to a sender nobody
vouched for (``intake.UNVERIFIED``: an email typed into a chat, a stranger's mail naming an order) on
a case someone verified wrote on, and a survey link never to such a sender at all; without a
verified sender on the channel an email goes to the address on file, a chat reply becomes the
notification email.
"""

from __future__ import annotations

from collections.abc import Callable
from email.utils import formataddr, make_msgid

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db.models import QuerySet

from cases.models import Case, CaseEvent, Channel, EventType
from cases.selectors import VOUCHED, has_verified_sender
from channels_app import social
from channels_app.models import ChatSession, DeliveryStatus, Direction, EmailInbox, Message
from core import outbox

MAX_ATTEMPTS = 8


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


WRITERS: dict[str, Callable[[Case, CaseEvent], Message | None]] = {
    Channel.EMAIL: _email_reply,
    Channel.CHAT: _chat_reply,
    Channel.SOCIAL: _social_reply,
}


def queue_reply(*, case: Case, event: CaseEvent) -> Message | None:
    """Write the outbound message for an agent's public reply (or a survey invitation); None when
    its channel has no way back (portal, phone, API: the customer is emailed a notification instead)."""
    is_reply = event.type == EventType.REPLY and event.data.get("direction") == "out"
    if not event.public or not (is_reply or event.type == EventType.SURVEY):
        return None
    writer = WRITERS.get(event.channel)
    message = writer(case, event) if writer else None
    if message is not None:
        outbox.nudge_after_commit(OUTBOX, [message])  # a pending one: a chat reply is read from its row
    return message


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


class ReplyOutbox(outbox.OutboxKind[Message]):
    """Outbound emails and social replies (a chat reply is sent when it is written: the widget reads it),
    retried after the kernel's backoff (30 s, 1 min, 2 min ... one hour), given up after 8 attempts."""

    name = "reply"
    model = Message
    max_attempts = MAX_ATTEMPTS
    send_task = "channels_app.tasks.deliver_message"
    drain_task = "channels_app.tasks.deliver_due_messages"
    saved_fields = ("external_id",)  # the platform's id of a social reply

    def rows(self) -> QuerySet[Message]:
        return Message.objects.filter(direction=Direction.OUT).select_related("inbox", "social_account")

    def send(self, row: Message) -> None:
        if row.channel == Channel.EMAIL:
            _send_email(row)
        elif row.channel == Channel.SOCIAL:
            account = row.social_account
            if account is None:
                raise ValueError("the social account of this reply is gone")
            external = social.adapter_for(account).send(account=account, message=row)
            if external:
                row.external_id = str(external)[:300]
        else:
            raise ValueError(f"no delivery for channel {row.channel}")


OUTBOX = outbox.register_outbox_kind(ReplyOutbox())


def deliver(*, message_id: int) -> bool:
    """Send one pending outbound message whose attempt is due; False when it is not pending, not
    due yet (a redelivered task does not jump its backoff), or the send failed. The row is locked
    (SKIP LOCKED) for the send, so two workers never send it twice."""
    return outbox.send_one(OUTBOX, message_id)


def deliver_due(*, batch: int = 200) -> int:
    """Send the pending messages whose next attempt is due (beat), at most ``batch`` of them; returns
    how many were sent.

    Each send is its own short transaction (a slow mail server holds one row, not a batch); the
    sweep walks the rows that were due when it started, so it ends even while sends fail.
    """
    return outbox.drain(OUTBOX, limit=batch)
