"""Phone: calls an agent logs on the workbench, and call events a telephony system posts.

A call is one ``Message`` on the phone channel (direction in or out; duration, outcome and who
logged it in ``data``) and one entry on the case's timeline:

- an inbound call is the customer speaking: it goes through ``intake.receive`` like a mail or a
  chat message (same customer matching, same "join the open case or open one" rule), and the
  timeline entry names the agent who logged it in ``data["logged_by"]``;
- an outbound call is the agent's response: a public ``reply`` with direction ``out``, so the
  first- and next-response clocks stop. Nothing is sent anywhere: the phone channel has no
  outbound writer. An outbound call nobody answered is no response: it is an internal note.

A missed inbound call, a voicemail and a call whose outcome is "call back requested" tag the
case ``call-back`` with a note, so it shows up for an agent. Every call is stored once per
``phone:<line code or manual>:<external id>`` key: a webhook the telephony system retries, or
a form posted twice, changes nothing the second time.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.db import IntegrityError, models, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from cases.models import FINAL_STATUSES, WORK, Case, CaseKind, Channel, EventType, Tag
from cases.selectors import can_see, mask_phone
from cases.services import create_case, record_event
from channels_app import identity, intake
from channels_app.models import DeliveryStatus, Direction, IdentityKind, Message, PhoneLine
from core import clock, phones
from core.errors import Forbidden, InvalidInput

CALL_BACK_TAG = "call-back"
MAX_SUMMARY = 5000
MAX_DURATION = 24 * 3600
MAX_NUMBER = 32
DURATION = re.compile(r"^(?:(\d+):)?(\d+):(\d{1,2})$")


class CallOutcome(models.TextChoices):
    RESOLVED = "resolved", gettext_lazy("Resolved on the call")
    FOLLOW_UP = "follow_up", gettext_lazy("Follow-up needed")
    NO_ANSWER = "no_answer", gettext_lazy("No answer")
    CALL_BACK = "call_back", gettext_lazy("Call back requested")


class CallEvent(models.TextChoices):
    """What a telephony system reports; only the last three are stored."""

    RINGING = "ringing", gettext_lazy("Ringing")
    ANSWERED = "answered", pgettext_lazy("call", "Answered")
    ENDED = "ended", gettext_lazy("Ended")
    MISSED = "missed", gettext_lazy("Missed")
    VOICEMAIL = "voicemail", gettext_lazy("Voicemail")


STORED_EVENTS = (CallEvent.ENDED, CallEvent.MISSED, CallEvent.VOICEMAIL)
WEBHOOK_DIRECTIONS = {"inbound": Direction.IN, "outbound": Direction.OUT}


@dataclass(frozen=True)
class LoggedCall:
    message: Message | None  # None: an event that is only acknowledged (ringing, answered)
    case: Case | None
    created_case: bool
    duplicate: bool

    @property
    def ignored(self) -> bool:
        return self.message is None


# --- input ----------------------------------------------------------------------------------------


def parse_duration(value: Any) -> int:
    """Seconds from ``123``, ``"123"``, ``"2:03"`` (mm:ss) or ``"1:02:03"`` (h:mm:ss); empty is 0."""
    if isinstance(value, bool):
        raise InvalidInput(_("Give the duration in seconds or as mm:ss, e.g. 125 or 2:05."))
    if isinstance(value, int):
        seconds = value
    else:
        text = str(value if value is not None else "").strip()
        if not text:
            return 0
        if text.isdigit():
            seconds = int(text)
        else:
            match = DURATION.match(text)
            if match is None or int(match.group(3)) > 59 or (match.group(1) and int(match.group(2)) > 59):
                raise InvalidInput(_("Give the duration in seconds or as mm:ss, e.g. 125 or 2:05."))
            hours, minutes, secs = (int(g or 0) for g in match.groups())
            seconds = hours * 3600 + minutes * 60 + secs
    if seconds < 0 or seconds > MAX_DURATION:
        raise InvalidInput(_("The duration must be between 0 seconds and 24 hours."))
    return seconds


def format_duration(seconds: int) -> str:
    minutes, secs = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def clean_number(number: Any, *, typed: bool = True) -> str:
    """The number as E.164 (core.phones). A number a person ``typed`` must be a valid one
    (``InvalidInput`` says why); a telephony system's number only needs digits: one that does not
    parse is kept as it came, for the timeline, and matches no customer (``identity.match_sender``)."""
    number = number.strip() if isinstance(number, str) else ""
    if not re.search(r"\d", number):
        raise InvalidInput(_("Give the customer's phone number (with its digits)."))
    if len(number) > MAX_NUMBER:
        raise InvalidInput(_("The phone number is too long (at most %(n)s characters).") % {"n": MAX_NUMBER})
    if not typed:
        return phones.e164_or_raw(number)
    try:
        return phones.e164(number)
    except phones.InvalidPhoneNumber as exc:
        raise InvalidInput(exc.message, details={"number": [exc.message]}) from None


def _clean_summary(summary: Any, *, required: bool) -> str:
    if summary is not None and not isinstance(summary, str):
        raise InvalidInput(_("Write a summary of the call."), details={"summary": [_("Enter a valid value.")]})
    summary = (summary or "").strip()
    if required and not summary:
        raise InvalidInput(_("Write a summary of the call."), details={"summary": [_("This field is required.")]})
    if len(summary) > MAX_SUMMARY:
        raise InvalidInput(_("The summary is too long (at most %(n)s characters).") % {"n": MAX_SUMMARY})
    return summary


def _given_case(case: Case | str | None, actor: User | None) -> Case | None:
    if case is None or case == "":
        return None
    if isinstance(case, str):
        number = case.strip().upper()
        found = Case.objects.select_related("customer").filter(number=number).first()
        if found is None or (actor is not None and not can_see(actor, found)):
            raise InvalidInput(_("There is no case %(number)s.") % {"number": number})
        case = found
    elif actor is not None and not can_see(actor, case):
        raise InvalidInput(_("There is no case %(number)s.") % {"number": case.number})
    if case.status in FINAL_STATUSES:
        raise InvalidInput(
            _("Case %(number)s is closed. Leave the case number empty to open a new case for this call.")
            % {"number": case.number}
        )
    return case


def dedupe_key(*, line: PhoneLine | None, external_id: str) -> str:
    return f"phone:{line.code if line else 'manual'}:{external_id or uuid.uuid4().hex}"[:300]


# --- recording a call -----------------------------------------------------------------------------


def log_call(
    *,
    actor: User,
    direction: str,
    number: str,
    duration_seconds: int | str,
    summary: str,
    outcome: str,
    case: Case | str | None = None,
    line: PhoneLine | None = None,
    external_id: str = "",
) -> LoggedCall:
    """An agent logs a call they took or made (the workbench's "Log a call").

    ``case`` is a case or a case number the agent may see; without it the call joins the
    caller's most recently active open case, or opens a new inquiry on the phone channel.
    Raises ``InvalidInput`` (nothing written) for a missing summary, a bad duration, an unknown
    or closed case, or a number without digits; ``Forbidden`` for a user who may not
    work cases.
    """
    if not actor.has_perm(WORK):
        raise Forbidden(_("Your role does not allow writing on cases."))
    if direction not in Direction.values:
        raise InvalidInput(_("Choose whether the customer called or we called them."))
    if outcome not in CallOutcome.values:
        raise InvalidInput(_("Choose the outcome of the call."))
    return _record_call(
        direction=direction,
        number=clean_number(number),
        duration=parse_duration(duration_seconds),
        summary=_clean_summary(summary, required=True),
        outcome=outcome,
        case=_given_case(case, actor),
        line=line,
        key=dedupe_key(line=line, external_id=external_id),
        external_id=external_id,
        agent=actor,
        logged_by=actor,
    )


def _call_text(*, direction: str, number: str, duration: int, summary: str, event: str, recording_url: str) -> str:
    """The timeline text of a call: the summary, or what happened when there is none. The number is
    masked (cases.masking): the full one is the message's sender or recipient, revealed with a reason."""
    number = mask_phone(number)
    values = {"number": number, "duration": format_duration(duration)}
    if event == CallEvent.MISSED and direction == Direction.IN:
        head = _("Missed call from %(number)s.") % {"number": number}
    elif event == CallEvent.MISSED:
        head = _("Call to %(number)s not answered.") % {"number": number}
    elif event == CallEvent.VOICEMAIL and direction == Direction.IN:
        head = _("Voicemail from %(number)s (%(duration)s).") % values
    elif event == CallEvent.VOICEMAIL:
        head = _("Voicemail left for %(number)s.") % {"number": number}
    elif not summary:
        head = _("Phone call with %(number)s (%(duration)s).") % values
    else:
        head = ""
    parts = [p for p in (head, summary) if p]
    if recording_url:
        parts.append(_("Recording: %(url)s") % {"url": recording_url})
    return "\n".join(parts)


def _record_call(
    *,
    direction: str,
    number: str,
    duration: int,
    summary: str,
    outcome: str,
    case: Case | None,
    line: PhoneLine | None,
    key: str,
    external_id: str,
    agent: User | None,
    logged_by: User | None,
    event: str = CallEvent.ENDED,
    recording_url: str = "",
    agent_label: str = "",
) -> LoggedCall:
    text = _call_text(
        direction=direction, number=number, duration=duration, summary=summary, event=event, recording_url=recording_url
    )
    call = {"duration": duration, "outcome": outcome, "event": str(event)}
    if recording_url:
        call["recording_url"] = recording_url
    if logged_by is not None:
        call["logged_by"] = logged_by.get_username()
    with transaction.atomic():
        if direction == Direction.IN:
            result = _inbound(
                number=number, text=text, call=call, case=case, line=line, key=key, external_id=external_id
            )
        else:
            result = _outbound(
                number=number,
                text=text,
                call=call,
                case=case,
                line=line,
                key=key,
                external_id=external_id,
                agent=agent,
                agent_label=agent_label,
                answered=outcome != CallOutcome.NO_ANSWER and event != CallEvent.MISSED,
            )
        if not result.duplicate:
            wants_call_back = outcome == CallOutcome.CALL_BACK or (
                direction == Direction.IN
                and (outcome == CallOutcome.NO_ANSWER or event in (CallEvent.MISSED, CallEvent.VOICEMAIL))
            )
            if wants_call_back:
                flag_call_back(case=result.case, number=number)  # type: ignore[arg-type]  # stored: it has a case
    return result


def _inbound(*, number, text, call, case, line, key, external_id) -> LoggedCall:
    """The customer called: the shared intake stores it, matches them and picks the case."""
    result = intake.receive(
        intake.Inbound(
            channel=Channel.PHONE,
            dedupe_key=key,
            external_id=external_id,
            identity_kind=IdentityKind.PHONE,
            identity_value=number,
            recipient=line.number if line else "",
            text=text,
            case=case,
            links={"phone_line": line} if line else {},
            data={"call": call},
            team=line.team if line else None,
            kind=CaseKind.INQUIRY,
        )
    )
    if not result.duplicate and result.message.event is not None:
        # The entry is the customer speaking; who wrote it down (if an agent did) is in "logged_by".
        event = result.message.event
        extra = {"call": call, **({"logged_by": call["logged_by"]} if "logged_by" in call else {})}
        event.data = {**event.data, **extra}
        event.save(update_fields=["data"])
    return LoggedCall(result.message, result.case, result.created_case, result.duplicate)


def _outbound(*, number, text, call, case, line, key, external_id, agent, agent_label, answered) -> LoggedCall:
    """We called the customer: the agent's response on the case (or, unanswered, a note)."""
    existing = Message.objects.filter(dedupe_key=key).select_related("case").first()
    if existing is not None:
        return LoggedCall(existing, existing.case, False, True)
    at = clock.now()
    message = Message(
        direction=Direction.OUT,
        channel=Channel.PHONE,
        dedupe_key=key,
        external_id=external_id[:300],
        sender=(agent.get_username() if agent else agent_label)[:254],
        recipient=number[:254],
        text=text,
        data={"call": call},
        status=DeliveryStatus.SENT,  # it happened on the phone: there is nothing to deliver
        sent_at=at,
        created_at=at,
        phone_line=line,
    )
    try:
        with transaction.atomic():
            message.save()  # a concurrent twin holds the key: use theirs
    except IntegrityError:
        existing = Message.objects.select_related("case").get(dedupe_key=key)
        return LoggedCall(existing, existing.case, False, True)
    match = identity.match_sender(kind=IdentityKind.PHONE, value=number)
    created = False
    if case is None:
        case = intake.recent_open_case(match.customer)
    if case is None:
        created = True
        case = create_case(
            customer=match.customer,
            kind=CaseKind.INQUIRY,
            channel=Channel.PHONE,
            actor=agent,
            actor_label=None if agent else agent_label,
            subject=text.splitlines()[0][:200],
            reason_text=text,
            team=line.team if line else None,
        )
    label = None if agent else (agent_label or (line.name if line else ""))
    event = record_event(
        case=case,
        type=EventType.REPLY if answered else EventType.NOTE,
        actor=agent,
        actor_label=label,
        note=text,
        public=answered,
        channel=Channel.PHONE,
        at=at,
        # "call" marks it as a call that happened, so nothing is sent to the customer for it.
        data={"direction": "out", "message": message.pk, "call": call} if answered else {"call": call},
    )
    message.case, message.customer, message.event = case, match.customer, event
    message.save(update_fields=["case", "customer", "event"])
    return LoggedCall(message, case, created, False)


def flag_call_back(*, case: Case, number: str) -> None:
    """Tag the case ``call-back`` and say so on the timeline (internal), once while it is tagged."""
    tag, _created = Tag.objects.get_or_create(name=CALL_BACK_TAG)
    if case.tags.filter(pk=tag.pk).exists():
        return
    case.tags.add(tag)
    record_event(
        case=case,
        type=EventType.NOTE,
        actor=None,
        note=_("Call the customer back on %(number)s.") % {"number": mask_phone(number)},
        data={"flag": CALL_BACK_TAG},
    )


# --- the telephony webhook ------------------------------------------------------------------------


def _field(payload: dict, name: str, *, required: bool = False, limit: int = 200) -> str:
    value = payload.get(name)
    if value is None or value == "":
        if required:
            raise InvalidInput(_("The field “%(name)s” is required.") % {"name": name})
        return ""
    if not isinstance(value, str | int) or isinstance(value, bool):
        raise InvalidInput(_("The field “%(name)s” must be a string.") % {"name": name})
    text = str(value).strip()
    if len(text) > limit:
        raise InvalidInput(
            _("The field “%(name)s” is too long (at most %(n)s characters).") % {"name": name, "n": limit}
        )
    return text


def _webhook_agent(username: str):
    if not username:
        return None
    user = get_user_model().objects.filter(username=username, is_active=True, is_staff=True).first()
    return user if user is not None and user.has_perm(WORK) else None


def receive_call_event(*, line: PhoneLine, payload: Any) -> LoggedCall:
    """One call event of a telephony system, already signature-checked (``api.phone``).

    ``ended``, ``missed`` and ``voicemail`` are stored once per line, call id and event;
    ``ringing`` and ``answered`` are acknowledged and ignored. ``agent`` (a username) is who
    made an outbound call; an unknown one is kept as a name. Raises ``InvalidInput``.
    """
    if not isinstance(payload, dict):
        raise InvalidInput(_("Send one call event as a JSON object."))
    call_id = _field(payload, "call_id", required=True)
    event = _field(payload, "event", required=True, limit=20)
    if event not in CallEvent.values:
        raise InvalidInput(
            _("Unknown event “%(event)s”; expected one of %(choices)s.")
            % {"event": event, "choices": ", ".join(CallEvent.values)}
        )
    if event not in STORED_EVENTS:
        return LoggedCall(None, None, False, False)  # ringing, answered: the ended event follows
    direction_text = _field(payload, "direction", limit=20) or "inbound"
    if direction_text not in WEBHOOK_DIRECTIONS:
        raise InvalidInput(_("The field “direction” must be “inbound” or “outbound”."))
    direction = WEBHOOK_DIRECTIONS[direction_text]
    number = clean_number(
        _field(payload, "from" if direction == Direction.IN else "to", required=True, limit=64), typed=False
    )
    duration = parse_duration(payload.get("duration"))
    recording_url = _field(payload, "recording_url", limit=1000)
    if recording_url and not recording_url.startswith(("https://", "http://")):
        raise InvalidInput(_("The field “recording_url” must be an http(s) URL."))
    summary = _clean_summary(payload.get("summary"), required=False)
    agent_name = _field(payload, "agent", limit=150)
    outcome = {CallEvent.MISSED: CallOutcome.NO_ANSWER, CallEvent.VOICEMAIL: CallOutcome.CALL_BACK}.get(event, "")  # type: ignore[call-overload]
    if direction == Direction.OUT and event == CallEvent.VOICEMAIL:
        outcome = ""  # we left a message: that is an answer, and nobody needs to call anyone back
    return _record_call(
        direction=direction,
        number=number,
        duration=duration,
        summary=summary,
        outcome=outcome,
        case=None,
        line=line,
        key=f"phone:{line.code}:{call_id}:{event}"[:300],
        external_id=call_id,
        agent=_webhook_agent(agent_name),
        logged_by=None,
        event=event,
        recording_url=recording_url,
        agent_label=agent_name or line.name,
    )


__all__ = [
    "CALL_BACK_TAG",
    "CallEvent",
    "CallOutcome",
    "LoggedCall",
    "dedupe_key",
    "flag_call_back",
    "format_duration",
    "log_call",
    "parse_duration",
    "receive_call_event",
]
