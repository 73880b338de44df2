"""Signals the cases app sends. Other apps connect receivers; ``cases`` imports none of them.

``case_event_recorded`` is sent inside the database transaction that wrote the ``CaseEvent``.
A receiver that writes rows of its own (an outbox entry, a survey invitation) writes them in that
same transaction; a receiver with a side effect outside the database must defer it with
``transaction.on_commit`` so that a rolled-back change sends nothing.
"""

from django.dispatch import Signal

from core.masking import personal_data_accessed

# Sent with: case (Case), event (CaseEvent).
case_event_recorded = Signal()

# Sent by the follow-up sweep, inside its transaction, when a resolved case's survey invitation
# (and later its one reminder) is due. With: case (Case). The feedback app sends the survey.
survey_due = Signal()
survey_reminder_due = Signal()

__all__ = ["case_event_recorded", "personal_data_accessed", "survey_due", "survey_reminder_due"]
