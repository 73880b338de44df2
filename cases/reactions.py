"""What moves when a case changes: the one list of receivers of ``cases.signals.case_event_recorded``.

Every write of a case ends in ``cases.workflow.events.record_event``, inside the write's transaction. It
writes the ``CaseEvent`` and sends ``case_event_recorded``; these receivers run, in this order, inside the
same transaction (a rolled-back change moves nothing and sends nothing: side effects outside the database
wait for ``on_commit`` or go through the outbox):

In ``cases`` (connected by ``CasesConfig.ready`` from ``CASE_EVENT_RECEIVERS`` below):
  1. ``cases.sla.clocks.on_case_event``      starts, pauses, resumes and stops the SLA clocks
  2. ``cases.sla.follow_ups.on_case_event``  schedules and cancels follow-ups (survey, auto-close, chase,
                                             revisit sample)
In the other apps (each connects its own in its ``AppConfig.ready``; ``cases`` imports none of them):
  3. ``channels_app.receivers.on_case_event`` an agent's public reply goes into the replies outbox; the
                                             shop's webhook events go into the webhook outbox
  4. ``feedback.receivers.on_case_event``   a reopened case cancels its open survey (the invitations
                                             themselves come from the follow-ups: ``survey_due``)
  5. ``analytics.receivers.on_case_event``   marks the case for the next KPI refresh

``tests/test_architecture.py`` checks that this list and the connected receivers agree.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from cases.signals import case_event_recorded
from cases.sla import clocks, follow_ups

if TYPE_CHECKING:
    from cases.models import Case, CaseEvent

Reaction = Callable[..., None]  # called as reaction(case=..., event=...)

CASE_EVENT_RECEIVERS = (
    ("cases.sla.clocks", clocks.on_case_event),
    ("cases.sla.follow_ups", follow_ups.on_case_event),
)


def connect() -> None:
    for uid, reaction in CASE_EVENT_RECEIVERS:
        case_event_recorded.connect(_receiver(reaction), dispatch_uid=uid, weak=False)


def _receiver(reaction: Reaction) -> Callable[..., None]:
    def receive(sender: object, case: Case, event: CaseEvent, **kwargs: Any) -> None:
        reaction(case=case, event=event)

    receive.reaction = reaction  # type: ignore[attr-defined]  # what tests/test_architecture.py reads
    return receive
