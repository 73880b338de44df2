"""Signals the cases app sends. Other apps connect receivers; ``cases`` imports none of them.

``case_event_recorded`` is sent inside the database transaction that wrote the ``CaseEvent``.
A receiver that writes rows of its own (an outbox entry, a survey invitation) writes them in that
same transaction; a receiver with a side effect outside the database must defer it with
``transaction.on_commit`` so that a rolled-back change sends nothing.
"""

from django.dispatch import Signal

# Sent with: case (Case), event (CaseEvent).
case_event_recorded = Signal()

# Sent by the follow-up sweep, inside its transaction, when a resolved case's survey invitation
# (and later its one reminder) is due. With: case (Case). The feedback app sends the survey.
survey_due = Signal()
survey_reminder_due = Signal()

# Sent when personal data is viewed, revealed or exported (``cases.masking.record_access``). With: actor
# (User or None), action (str, one of privacy.models.AuditAction), customer_id, case_id and case_number (or
# None and ""), reason (str), detail (dict), ip (str). The privacy app writes the audit row.
personal_data_accessed = Signal()
