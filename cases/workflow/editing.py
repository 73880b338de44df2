"""Edits of a case that are not steps of the state machine: field edits from the admin, assignment, tags,
links and merges, and messages on the timeline. Each one writes its ``CaseEvent`` in the same transaction.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.utils.translation import gettext as _
from django_fsm import ConcurrentTransition

from cases import selectors
from cases.exceptions import CaseChanged, InvalidInput, TransitionForbidden
from cases.models import (
    FINAL_STATUSES,
    WORK,
    Case,
    CaseEvent,
    EventType,
    Priority,
    Tag,
    Team,
)
from cases.workflow.events import record_event
from cases.workflow.mentions import notify_mentions
from cases.workflow.merging import merge_cases


def save_case_edit(*, case: Case, actor: User | None, changed_fields: list[str]) -> Case:
    """Save field edits made in a form (the admin) with the same locking and audit as any change.

    One ``updated`` (or ``assigned``) event lists the changed fields; a stale form raises
    ``CaseChanged`` and writes nothing.
    """
    if not changed_fields:
        return case
    event_type = EventType.ASSIGNED if {"assignee", "team"} & set(changed_fields) else EventType.UPDATED
    return save_locked(
        case,
        then=lambda: record_event(
            case=case,
            type=event_type,
            actor=actor,
            public=False,
            data={"fields": sorted(changed_fields), "assignee": case.assignee_id, "team": case.team_id},
        ),
    )


def save_locked(case: Case, *, then: Callable[[], object]) -> Case:
    """Save the case's edited fields with optimistic locking, then ``then()`` in the same transaction.

    A write that lost the race raises ``CaseChanged`` and writes nothing.
    """
    try:
        with transaction.atomic():
            case.version += 1
            case.save()
            then()
    except ConcurrentTransition as exc:
        case.version -= 1
        raise CaseChanged(
            _("Case %(number)s was changed by someone else meanwhile. Reload it and try again.")
            % {"number": case.number}
        ) from exc
    return case


def assign_case(*, case: Case, actor: User, assignee_id: int | str | None, priority: str) -> Case:
    """Assign (or unassign) the case and set its priority, with one audit event; the SLA follows."""
    from django.contrib.auth import get_user_model

    if not actor.has_perm("cases.change_case"):
        raise TransitionForbidden(_("Your role does not allow changing cases."))
    if priority not in Priority.values:
        raise InvalidInput(_("Unknown priority “%(priority)s”.") % {"priority": priority})
    assignee = None
    if assignee_id not in (None, ""):
        if str(assignee_id).isdigit():
            assignee = get_user_model().objects.filter(pk=int(assignee_id), is_active=True, is_staff=True).first()
        if assignee is None:
            raise InvalidInput(_("There is no such agent."))
    changed = []
    if case.assignee_id != (assignee.pk if assignee else None):
        case.assignee = assignee
        changed.append("assignee")
    if case.priority != priority:
        case.priority = priority
        changed.append("priority")
    return save_case_edit(case=case, actor=actor, changed_fields=changed)


def set_tags(*, case: Case, actor: User, text: str) -> Case:
    """Set the case's tags from comma-separated names (new names become tags), with one audit event."""
    if not actor.has_perm("cases.change_case"):
        raise TransitionForbidden(_("Your role does not allow changing cases."))
    names = sorted({name.strip()[:50] for name in (text or "").replace("，", ",").split(",") if name.strip()})
    if len(names) > 20:
        raise InvalidInput(_("Give at most %(n)s tags.") % {"n": 20})
    before = sorted(case.tags.values_list("name", flat=True))
    if names == before:
        return case
    with transaction.atomic():
        tags = [Tag.objects.get_or_create(name=name)[0] for name in names]
        case.tags.set(tags)
        record_event(case=case, type=EventType.UPDATED, actor=actor, data={"fields": ["tags"], "tags": names})
    return case


def _other_case(case: Case, number: str) -> Case:
    number = (number or "").strip().upper()
    other = Case.objects.select_related("customer").filter(number=number).first()
    if other is None:
        raise InvalidInput(_("There is no case %(number)s.") % {"number": number[:40]})
    if other.pk == case.pk:
        raise InvalidInput(_("A case cannot be linked to itself."))
    return other


def link_cases(*, case: Case, other_number: str, actor: User) -> Case:
    """Link two cases (both timelines say so); linking twice changes nothing."""
    if not actor.has_perm(WORK):
        raise TransitionForbidden(_("Your role does not allow writing on cases."))
    other = _other_case(case, other_number)
    with transaction.atomic():
        if case.related.filter(pk=other.pk).exists():
            return other
        case.related.add(other)
        for one, two in ((case, other), (other, case)):
            record_event(
                case=one, type=EventType.UPDATED, actor=actor, data={"fields": ["related"], "case": two.number}
            )
    return other


def merge_case(*, duplicate: Case, into_number: str, actor: User, reason: str = "") -> Case:
    """Merge ``duplicate`` into the customer's open case numbered ``into_number`` (the desk's and the
    API's merge): ``cases.workflow.merging.merge_cases`` moves its timeline, messages, lines and clocks
    and closes it with a link. Any open case of the same customer can be merged, not only a new one."""
    if not actor.has_perm(WORK):
        raise TransitionForbidden(_("Your role does not allow writing on cases."))
    primary = _other_case(duplicate, into_number)
    if not selectors.can_see(actor, primary):  # another team's case: as if there were none
        raise InvalidInput(_("There is no case %(number)s.") % {"number": primary.number})
    return merge_cases(merged=duplicate, into=primary, actor=actor, reason=reason)


def add_message(*, case: Case, actor: User, text: str, public: bool = True, channel: str = "") -> CaseEvent:
    """An agent writes on the case: a reply the customer sees (and is emailed), or an internal note.

    A public reply is a response: it stops the first- and next-response clocks (``cases.sla.clocks``).
    """
    if not actor.has_perm(WORK):
        raise TransitionForbidden(_("Your role does not allow writing on cases."))
    text = text.strip() if isinstance(text, str) else ""
    if not text:
        raise InvalidInput(_("Write the message first."), details={"text": [_("This field is required.")]})
    if len(text) > 5000:
        raise InvalidInput(_("The message is too long (at most %(n)s characters).") % {"n": 5000})
    if public and case.status in FINAL_STATUSES:
        raise InvalidInput(
            _("Case %(number)s is closed: the customer is not written to any more.") % {"number": case.number}
        )
    with transaction.atomic():
        event = record_event(
            case=case,
            type=EventType.REPLY if public else EventType.NOTE,
            actor=actor,
            note=text,
            public=public,
            channel=channel or case.channel,
            data={"direction": "out"} if public else {},
        )
        if not public:
            notify_mentions(case=case, event=event, actor=actor)
    return event


# --- assignment from the admin (issue 16: the admin is no back door) ------------------------------


def check_assignment(
    *, actor: User, team_id: int | str | None, assignee_id: int | str | None, priority: str
) -> tuple[Team | None, Any]:
    """The team, assignee and priority someone asks for, checked as the desk checks them
    (``assign_case``): who may change cases, a known priority, an existing team, an active staff
    assignee. Returns ``(team, assignee)``; raises ``TransitionForbidden`` or ``InvalidInput``."""
    from django.contrib.auth import get_user_model

    if not actor.has_perm("cases.change_case"):
        raise TransitionForbidden(_("Your role does not allow changing cases."))
    if priority not in Priority.values:
        raise InvalidInput(_("Unknown priority “%(priority)s”.") % {"priority": priority})
    team = None
    if team_id not in (None, ""):
        team = Team.objects.filter(pk=int(team_id)).first() if str(team_id).isdigit() else None
        if team is None:
            raise InvalidInput(_("There is no such team."))
    assignee = None
    if assignee_id not in (None, ""):
        if str(assignee_id).isdigit():
            assignee = get_user_model().objects.filter(pk=int(assignee_id), is_active=True, is_staff=True).first()
        if assignee is None:
            raise InvalidInput(_("There is no such agent."))
    return team, assignee


def reassign_case(
    *,
    case: Case,
    actor: User,
    team_id: int | str | None,
    assignee_id: int | str | None,
    priority: str,
    also_changed: list[str] | tuple[str, ...] = (),
) -> Case:
    """Move the case to a team and assignee and set its priority (the admin's form), with the desk's
    checks (``check_assignment``) and one ``assigned`` (or ``updated``) event through
    ``save_case_edit``; the SLA clocks follow a new priority. ``case`` carries its stored team,
    assignee and priority; ``also_changed`` names plain fields the form changed with it (subject,
    reason, tags), recorded in the same event."""
    team, assignee = check_assignment(actor=actor, team_id=team_id, assignee_id=assignee_id, priority=priority)
    changed = list(also_changed)
    if case.team_id != (team.pk if team else None):
        case.team = team
        changed.append("team")
    if case.assignee_id != (assignee.pk if assignee else None):
        case.assignee = assignee
        changed.append("assignee")
    if case.priority != priority:
        case.priority = priority
        changed.append("priority")
    return save_case_edit(case=case, actor=actor, changed_fields=sorted(set(changed)))
