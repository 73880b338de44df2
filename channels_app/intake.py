"""Every inbound message of every channel lands here: one customer, one case, one timeline, once.

``receive`` runs in one transaction: it stores the message under its deduplication key (a second
delivery of the same message finds the row and changes nothing), finds the customer
(``identity.match_sender``), finds the case the message belongs to, or opens one, and writes the
timeline entry (``CaseEvent``) the workbench shows. A message joins a case only when its sender
is a participant of that case: a stranger quoting someone else's case number, or forging
References, gets a new case of their own, flagged for an agent.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import filetype
from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from django.utils.translation import override

from cases.models import (
    FINAL_STATUSES,
    OPEN_STATUSES,
    Attachment,
    Case,
    CaseKind,
    EventType,
    Tag,
)
from cases.selectors import SENDER_VERIFIED
from cases.services import create_case, record_event
from channels_app import identity
from channels_app.models import DeliveryStatus, Direction, Message, MessageAttachment, RawEmail
from core import clock

FLAG_TAG = "check-sender"
# Written as False into the message's and its timeline entry's data when the channel or the identity
# cannot vouch for the sender: replies and survey links skip such senders (cases.selectors,
# channels_app.replies), and the desk shows them with a badge.
UNVERIFIED = SENDER_VERIFIED
CUSTOMER = "customer"


def case_number_pattern() -> re.Pattern:
    prefix = re.escape(settings.CASE_NUMBER_PREFIX)
    return re.compile(rf"(?<![A-Za-z0-9]){prefix}-\d{{4}}-\d{{6}}(?!\d)", re.IGNORECASE)


def case_numbers_in(*texts: str) -> list[str]:
    pattern, found = case_number_pattern(), []
    for text in texts:
        for number in pattern.findall(text or ""):
            number = number.upper()
            if number not in found:
                found.append(number)
    return found


@dataclass(frozen=True)
class InboundFile:
    filename: str
    content_type: str
    content: bytes
    inline: bool = False
    content_id: str = ""


@dataclass
class Inbound:
    """A message as a channel adapter hands it over (already parsed and sanitized)."""

    channel: str
    dedupe_key: str  # "<source>:<external id>", unique across the product
    identity_kind: str
    identity_value: str
    text: str
    external_id: str = ""
    identity_provider: str = ""
    sender_name: str = ""
    recipient: str = ""
    subject: str = ""
    html: str = ""
    in_reply_to: str = ""
    references: tuple[str, ...] = ()
    thread_case_numbers: tuple[str, ...] = ()
    case: Case | None = None  # the channel already knows the case (a chat session's)
    files: tuple[InboundFile, ...] = ()
    raw: bytes | None = None
    links: dict[str, Any] = field(default_factory=dict)  # inbox / social_account / phone_line / chat_session
    data: dict[str, Any] = field(default_factory=dict)
    team: Any = None  # the channel's team for new cases (None: routing decides)
    kind: str = CaseKind.INQUIRY
    received_at: datetime | None = None
    start_new_case: bool = False  # the channel wants a case of its own (a new chat about a new order)
    # False when the channel cannot vouch for the sender (an email address typed into a chat): such a
    # message never joins the customer's other cases, it opens its own for an agent to look at.
    sender_verified: bool = True
    order: Any = None  # the order the channel proved the message is about


@dataclass(frozen=True)
class IntakeResult:
    message: Message
    case: Case | None
    created_case: bool
    duplicate: bool


def _sender_key(inbound: Inbound) -> str:
    value = identity.NORMALISERS[inbound.identity_kind](inbound.identity_value)
    if not value:
        # A value that does not normalise (a phone number that does not parse) is nobody's key:
        # two such senders must never count as the same participant of a case.
        value = f"?{uuid.uuid4().hex}"
    return f"{inbound.identity_kind}:{inbound.identity_provider}:{value}"


def _referenced_cases(inbound: Inbound) -> list[Case]:
    """Cases the message says it belongs to: by case number, then by the message ids it answers."""
    numbers = list(inbound.thread_case_numbers) + case_numbers_in(inbound.subject)
    cases = list(Case.objects.filter(number__in=numbers).select_related("customer")) if numbers else []
    ids = [i for i in (inbound.in_reply_to, *inbound.references) if i]
    if ids:
        rows = Message.objects.filter(external_id__in=ids[-50:], case__isnull=False).select_related("case__customer")
        for msg in rows.order_by("-created_at"):
            if msg.case not in cases:
                cases.append(msg.case)  # type: ignore[arg-type]  # case__isnull=False
    return cases


def recent_open_case(customer) -> Case | None:
    """The customer's most recently active open case: a message without a thread joins it, so a
    customer who switches channels keeps one timeline."""
    since = clock.now() - timedelta(days=settings.CHANNELS_JOIN_OPEN_CASE_DAYS)
    return (
        Case.objects.filter(customer=customer, status__in=OPEN_STATUSES, updated_at__gte=since)
        .order_by("-updated_at", "-id")
        .first()
    )


def _choose_case(inbound: Inbound, match: identity.Match, sender_key: str) -> tuple[Case | None, str, Case | None]:
    """(case to join or None for a new one, flag text, earlier case to link)."""
    if inbound.case is not None:
        return inbound.case, "", None
    verified = inbound.sender_verified and match.verified
    referenced = _referenced_cases(inbound)
    for case in referenced:
        if identity.is_participant(case=case, match=match, sender_key=sender_key, verified=verified):
            if case.status in FINAL_STATUSES:
                return None, "", case  # a closed case is not reopened by mail: a new one, linked
            return case, "", None
    if referenced:
        flag = _("The sender %(sender)s wrote about case %(case)s but is not a participant of it.") % {
            "sender": inbound.identity_value,
            "case": referenced[0].number,
        }
        return None, flag, None
    if inbound.start_new_case or not verified or match.how == "new":
        # A sender we cannot vouch for (matched by an order number, or typed into a chat) must not
        # land on — and so receive the answers of — the customer's existing cases; a customer
        # created just now has none to join.
        return None, "", None
    return recent_open_case(match.customer), "", None


def _store_files(*, case: Case, message: Message, files: tuple[InboundFile, ...]) -> None:
    for f in files:
        # The type comes from the bytes, never from the sender's label: what the content does not
        # show to be a known format (HTML, SVG, a script named .png) is kept as opaque bytes.
        sniffed = filetype.guess(f.content)
        content_type = sniffed.mime if sniffed else "application/octet-stream"
        ext = sniffed.extension if sniffed else "bin"
        attachment = Attachment(
            case=case,
            original_name=f.filename[:255],
            content_type=content_type[:100],
            size=len(f.content),
            public=True,
        )
        attachment.file.save(f"{uuid.uuid4().hex}.{ext}", ContentFile(f.content), save=False)
        attachment.save()
        MessageAttachment.objects.create(
            message=message, attachment=attachment, inline=f.inline, content_id=f.content_id[:200]
        )


def _claim(inbound: Inbound, *, status: str, data: dict, at) -> Message | IntakeResult:
    """Store the message under its deduplication key (with its raw bytes), or return the earlier
    delivery's result. Call inside the intake's transaction."""
    existing = Message.objects.filter(dedupe_key=inbound.dedupe_key).select_related("case").first()
    if existing is None:
        message = Message(
            direction=Direction.IN,
            channel=inbound.channel,
            dedupe_key=inbound.dedupe_key,
            external_id=inbound.external_id[:300],
            sender=inbound.identity_value[:254],
            sender_name=inbound.sender_name[:200],
            recipient=inbound.recipient[:254],
            subject=inbound.subject[:300],
            text=inbound.text,
            html=inbound.html,
            in_reply_to=inbound.in_reply_to[:300],
            references=" ".join(inbound.references),
            data={**inbound.data, **data},
            status=status,
            created_at=at,
            **inbound.links,
        )
        try:
            with transaction.atomic():
                message.save()  # the unique key waits for a concurrent twin and then refuses this one
        except IntegrityError:
            existing = Message.objects.select_related("case").get(dedupe_key=inbound.dedupe_key)
        else:
            if inbound.raw is not None:
                RawEmail.objects.create(message=message, content=inbound.raw, size=len(inbound.raw))
            return message
    return IntakeResult(existing, existing.case, False, True)


def receive(inbound: Inbound) -> IntakeResult:
    """Store one inbound message and put it on the right customer and case (see the module doc)."""
    at = inbound.received_at or clock.now()
    with transaction.atomic():
        sender_key = _sender_key(inbound)
        message = _claim(inbound, status=DeliveryStatus.RECEIVED, data={"sender_key": sender_key}, at=at)
        if isinstance(message, IntakeResult):
            return message
        match = identity.match_sender(
            kind=inbound.identity_kind,
            value=inbound.identity_value,
            provider=inbound.identity_provider,
            name=inbound.sender_name,
            texts=(inbound.subject, inbound.text),
        )
        case, flag, earlier = _choose_case(inbound, match, sender_key)
        vouched = inbound.sender_verified and match.verified
        if not flag and match.how == "order":
            flag = _("The sender %(sender)s was matched to this customer only by an order number they mentioned.") % {
                "sender": inbound.identity_value
            }
        created = case is None
        text = inbound.text.strip() or inbound.subject or _("(no text)")
        if case is None:  # created
            case = create_case(
                customer=match.customer,
                kind=inbound.kind,
                channel=inbound.channel,
                actor_label=CUSTOMER,
                order=inbound.order or match.order,
                subject=(inbound.subject or text.splitlines()[0])[:200],
                reason_text=text,
                team=inbound.team,
            )
            event = case.events.filter(type=EventType.CREATED).first()
            if not vouched:  # create_case wrote the CREATED event
                event.data = {**event.data, UNVERIFIED: False}  # type: ignore[union-attr]
                event.save(update_fields=["data"])  # type: ignore[union-attr]
        else:
            event = record_event(
                case=case,
                type=EventType.REPLY,
                actor=None,
                actor_label=CUSTOMER,
                note=text,
                public=True,
                channel=inbound.channel,
                at=at,
                data={"direction": "in", "message": message.pk, **({} if vouched else {UNVERIFIED: False})},
            )
        message.case, message.customer, message.event, message.flag = case, match.customer, event, flag[:200]
        if not vouched:
            message.data = {**message.data, UNVERIFIED: False}
        message.save(update_fields=["case", "customer", "event", "flag", "data"])
        if inbound.files:
            _store_files(case=case, message=message, files=inbound.files)
        if flag:
            _flag(case=case, text=flag)
        if earlier is not None:
            case.related.add(earlier)
            with override(settings.LANGUAGE_CODE):
                note = _("The customer wrote about closed case %(case)s; this case continues it.") % {
                    "case": earlier.number
                }
            record_event(case=case, type=EventType.NOTE, actor=None, note=note, data={"linked": earlier.number})
    return IntakeResult(message, case, created, False)


def _flag(*, case: Case, text: str) -> None:
    tag, _created = Tag.objects.get_or_create(name=FLAG_TAG)
    case.tags.add(tag)
    record_event(case=case, type=EventType.NOTE, actor=None, note=text, data={"flag": FLAG_TAG})


def ignore_automatic(*, inbound: Inbound, reason: str) -> IntakeResult:
    """Keep an auto-reply, out-of-office or bounce for audit, on no case and with no answer."""
    with transaction.atomic():
        at = inbound.received_at or clock.now()
        message = _claim(inbound, status=DeliveryStatus.IGNORED, data={"automatic": reason}, at=at)
    return message if isinstance(message, IntakeResult) else IntakeResult(message, None, False, False)


__all__ = ["Inbound", "InboundFile", "IntakeResult", "case_numbers_in", "ignore_automatic", "receive"]
