"""The registry of ``core.personal_data`` for this app and for Django's own admin log and sessions
(called from ``PrivacyConfig.ready``)."""

from __future__ import annotations

from django.contrib.admin.models import LogEntry
from django.contrib.sessions.models import Session
from django.db.models import Q

from core import personal_data
from core.personal_data import ERASED, How, not_personal, register
from privacy.models import AuditLog

ACCOUNTABILITY = (
    "the record of who read, exported or erased personal data and why (GDPR art. 5(2) and 30, PIPL art. 54): "
    "it names the customer by id only, and the reason is the staff's"
)


def register_all() -> None:
    register(AuditLog, fields=["reason", "detail"], how=How.KEEP, reason=ACCOUNTABILITY)
    not_personal(
        AuditLog,
        fields=["actor_label", "action", "case_number", "ip"],
        reason="the staff member, the action (a code), our case number and the staff's IP address",
    )
    # The admin's history names the object it changed (a customer's name, a message's subject):
    # the entries about any row erasure finds.
    register(LogEntry, rows=_admin_entries, fields=["object_repr"], how=How.MASK, value=ERASED)
    register(LogEntry, fields=["change_message"], how=How.BLANK)
    not_personal(LogEntry, fields=["object_id"], reason="the primary key of the changed row")
    not_personal(
        Session,
        fields=["session_key", "session_data"],
        reason="signed ids only: the signed-in staff user, the portal's customer id and its expiry",
    )


def _admin_entries(subject) -> Q:
    from django.contrib.admin.models import LogEntry
    from django.contrib.contenttypes.models import ContentType

    q = Q(pk__in=[])
    for model in personal_data.models_with_rows():
        if model is LogEntry:
            continue
        pks = subject.pks(model)
        if pks:
            q |= Q(content_type=ContentType.objects.get_for_model(model), object_id__in=[str(pk) for pk in pks])
    return q
