"""Splitting: one message of a case becomes a new case of the same customer.

The message's timeline entry (a reply or an internal note: a message someone wrote) moves to the new
case, with its channel message (``channels_app``'s row follows by the reverse relation); both cases get
an ``updated`` event naming the other and are linked. The new case is a conversation (an inquiry by
default) on the message's channel, opened through ``create_case`` (routing, SLA clocks, the ``created``
event), all in one transaction.
"""

from __future__ import annotations

from django.contrib.auth.models import User
from django.db import transaction
from django.utils.translation import gettext as _

from cases.exceptions import InvalidInput, TransitionForbidden
from cases.models import (
    CONVERSATION_KINDS,
    WORK,
    Case,
    CaseKind,
    Channel,
    EventType,
)
from cases.workflow.creation import create_case
from cases.workflow.events import record_event

SPLITTABLE = (EventType.REPLY, EventType.NOTE)


def split_message(
    *, case: Case, event_id: int | str | None, actor: User, kind: str = CaseKind.INQUIRY, subject: str = ""
) -> Case:
    """Move the message ``event_id`` of ``case`` into a new case of the same customer; returns the new case.

    Refused with ``InvalidInput`` (nothing written): no such message on this case, an entry that is
    not a message, a kind that needs order lines (a goods case is opened by
    converting the new case afterwards). ``TransitionForbidden`` for a role that may not work cases.
    """
    if not actor.has_perm(WORK):
        raise TransitionForbidden(_("Your role does not allow writing on cases."))
    if kind not in CONVERSATION_KINDS:
        raise InvalidInput(_("A split-off case is a complaint or an inquiry; convert it afterwards."))
    pk = int(event_id) if isinstance(event_id, int) or (isinstance(event_id, str) and event_id.isdigit()) else None
    event = case.events.filter(pk=pk).first() if pk is not None else None
    if event is None:
        raise InvalidInput(_("There is no such message on case %(number)s.") % {"number": case.number})
    if event.type not in SPLITTABLE:
        raise InvalidInput(_("Only a message (a reply or a note) can be split into a new case."))
    subject = (subject or "").strip()[:200] or event.note.strip().splitlines()[0][:200]
    channel = event.channel if event.channel in Channel.values else case.channel
    with transaction.atomic():
        new = create_case(
            customer=case.customer,
            kind=kind,
            channel=channel,
            actor=actor,
            subject=subject,
            reason_text=event.note,
            priority=case.priority,
        )
        case.events.filter(pk=event.pk).update(case=new)
        case.messages.filter(event_id=event.pk).update(case=new)  # channels_app's row, by the reverse relation
        new.related.add(case)
        record_event(
            case=case,
            type=EventType.UPDATED,
            actor=actor,
            data={"fields": ["related"], "split_to": new.number, "event": event.pk},
        )
        record_event(
            case=new,
            type=EventType.UPDATED,
            actor=actor,
            data={"fields": ["related"], "split_from": case.number, "event": event.pk},
        )
    return new
