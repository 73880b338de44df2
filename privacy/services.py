"""Personal data: the audit log, the export of one customer, erasure by anonymisation, retention.

Erasure keeps the statistics: every case, line, event, cost, clock, survey answer's score and
order row stays with its kind, status, timestamps and amounts, so the KPIs (analytics.kpis) are
the same before and after; the customer's name, email, phone and shop id, the shipping addresses,
every free text (descriptions, notes, message bodies, comments), the contact identities, the raw
emails and the attachment files are wiped. It runs in one transaction; files go after the commit.
"""

from __future__ import annotations

import io
import json
import logging
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, cast

import phonenumbers
from django.conf import settings
from django.contrib.auth.models import AnonymousUser, User
from django.core.files.storage import default_storage
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from cases.models import (
    FINAL_STATUSES,
    OPEN_STATUSES,
    Attachment,
    Case,
    CaseEvent,
    Customer,
    Notification,
    Order,
)
from channels_app.models import (
    ChatSession,
    ContactIdentity,
    Message,
    PortalCode,
    RawEmail,
    WebhookDelivery,
    WebhookDeliveryStatus,
)
from core import clock, personal_data, phones
from core.personal_data import How
from feedback.models import FreeFeedback, SurveyInvitation, SurveyResponse
from privacy.models import AuditAction, AuditLog

log = logging.getLogger(__name__)

EXPORT_FORMAT = 1
ERASED = personal_data.ERASED
# Written once per AUDIT_VIEW_WINDOW_MINUTES per user, case or customer, and address (``log_access``).
VIEW_ACTIONS = frozenset({AuditAction.VIEW_CASE, AuditAction.VIEW_CUSTOMER})
# Kept whatever AUDIT_LOG_RETENTION_DAYS says: the proof of an erasure, read back by ``is_erased``.
KEPT_FOR_EVER = frozenset({AuditAction.ERASE})
PURGE_BATCH = 5000


class PrivacyError(Exception):
    """A refused privacy operation; ``message`` says why (shown to the admin or the command line)."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


# --- the audit log --------------------------------------------------------------------------------


def log_access(
    *,
    action: str,
    customer_id: int | None,
    actor: User | AnonymousUser | None = None,
    case_id: int | None = None,
    case_number: str = "",
    reason: str = "",
    detail: dict[str, Any] | None = None,
    ip: str = "",
    **_ignored: Any,
) -> AuditLog:
    """Write one audit row (the receiver of ``core.masking.personal_data_accessed`` calls this).

    A view (``view_case``, ``view_customer``) is written once per AUDIT_VIEW_WINDOW_MINUTES for the
    same user, case (or customer) and address: a page reloaded ten times is one row, and the row
    already there is returned. Reveals, exports, erasures and purges always write theirs."""
    action = AuditAction(action)
    if case_id is not None and not case_number:
        case_number = Case.objects.filter(pk=case_id).values_list("number", flat=True).first() or ""
    saved_actor = actor if actor is not None and actor.pk else None
    now = clock.now()
    if action in VIEW_ACTIONS and saved_actor is not None and settings.AUDIT_VIEW_WINDOW_MINUTES > 0:
        recent = AuditLog.objects.filter(
            action=action,
            actor=saved_actor,
            customer_ref=customer_id,
            case_number=case_number,
            ip=ip or None,
            at__gte=now - timedelta(minutes=settings.AUDIT_VIEW_WINDOW_MINUTES),
        ).first()
        if recent is not None:
            return recent
    return AuditLog.objects.create(
        at=now,
        actor=saved_actor,
        actor_label=actor.get_username() if actor is not None else "",
        action=action,
        customer_ref=customer_id,
        case_number=case_number,
        reason=(reason or "")[:200],
        detail=detail or {},
        ip=ip or None,
    )


def is_erased(customer: Customer) -> bool:
    return AuditLog.objects.filter(action=AuditAction.ERASE, customer_ref=customer.pk).exists()


def purge_audit_log(*, days: int | None = None, batch_size: int = PURGE_BATCH) -> int:
    """Delete the audit rows older than ``days`` (default ``settings.AUDIT_LOG_RETENTION_DAYS``;
    0 keeps them for ever), except the erasure rows; returns how many went.

    ``batch_size`` rows per transaction (the oldest first), so a first purge of a log that grew
    for years never holds a long lock or one huge transaction. Running it twice deletes nothing more."""
    days = settings.AUDIT_LOG_RETENTION_DAYS if days is None else days
    if days < 0:
        raise PrivacyError(_("The retention must be 0 (keep forever) or more days."))
    if days == 0:
        return 0
    old = AuditLog.objects.filter(at__lt=clock.now() - timedelta(days=days)).exclude(action__in=KEPT_FOR_EVER)
    deleted = 0
    while True:
        with transaction.atomic():
            batch = list(old.order_by("at", "id").values_list("pk", flat=True)[:batch_size])
            if batch:
                deleted += AuditLog.objects.filter(pk__in=batch).delete()[0]
        if len(batch) < batch_size:
            break
    if deleted:
        log.info("Purged %d audit log rows older than %d days", deleted, days)
    return deleted


# --- the export -----------------------------------------------------------------------------------


def _row(obj: models.Model, *, exclude: tuple[str, ...] = ()) -> dict[str, Any]:
    """Every concrete field of a row by its column name (``customer_id``, not the object)."""
    data = {}
    for f in obj._meta.concrete_fields:
        if f.name in exclude or isinstance(f, models.BinaryField):
            continue
        value = getattr(obj, f.attname)
        if isinstance(f, models.FileField):
            value = value.name if value else ""
        data[f.attname] = value
    return data


def _customer_cases(customer: Customer) -> models.QuerySet[Case]:
    return Case.objects.filter(customer=customer).order_by("created_at", "id")


def _customer_messages(customer: Customer, case_ids: list[int]) -> models.QuerySet[Message]:
    return Message.objects.filter(Q(customer=customer) | Q(case_id__in=case_ids)).order_by("created_at", "id")


def export_data(*, customer: Customer) -> dict[str, Any]:
    """Everything held about one customer, as JSON-ready data (PIPL art. 45, GDPR art. 15 and 20).

    Secrets that are not the customer's data (chat session tokens, one-time code hashes) are left out."""
    cases = list(_customer_cases(customer).prefetch_related("lines", "events", "costs", "attachments", "tags"))
    case_ids = [c.pk for c in cases]
    messages = list(_customer_messages(customer, case_ids).prefetch_related("files"))
    raw = RawEmail.objects.filter(message__in=[m.pk for m in messages]).only("id", "message_id", "size")
    return {
        "format": EXPORT_FORMAT,
        "generated_at": clock.now(),
        "customer": _row(customer),
        "contact_identities": [_row(i) for i in ContactIdentity.objects.filter(customer=customer).order_by("id")],
        "orders": [
            {**_row(o), "lines": [_row(line) for line in o.lines.all()]}
            for o in Order.objects.filter(customer=customer).prefetch_related("lines").order_by("placed_at", "id")
        ],
        "cases": [
            {
                **_row(c),
                "tags": [t.name for t in c.tags.all()],
                "lines": [_row(line) for line in c.lines.all()],
                "events": [_row(e) for e in c.events.all()],
                "costs": [_row(cost) for cost in c.costs.all()],
                "attachments": [_row(a) for a in c.attachments.all()],
            }
            for c in cases
        ],
        "messages": [{**_row(m), "attachments": [f.attachment_id for f in m.files.all()]} for m in messages],
        "raw_emails": [{"message_id": r.message_id, "size": r.size, "file": f"raw/{r.message_id}.eml"} for r in raw],
        "chat_sessions": [
            _row(s, exclude=("token",)) for s in ChatSession.objects.filter(customer=customer).order_by("id")
        ],
        "survey_invitations": [
            _row(i) for i in SurveyInvitation.objects.filter(Q(customer=customer) | Q(case_id__in=case_ids))
        ],
        "survey_responses": [
            _row(r) for r in SurveyResponse.objects.filter(Q(customer=customer) | Q(case_id__in=case_ids))
        ],
        "free_feedback": [_row(f) for f in FreeFeedback.objects.filter(customer=customer).order_by("id")],
        "portal_codes": [
            _row(p, exclude=("code_hash",)) for p in PortalCode.objects.filter(customer=customer).order_by("id")
        ],
        "notifications": [
            _row(n, exclude=("user",))
            for n in Notification.objects.filter(case_id__in=case_ids, user__isnull=True).order_by("id")
        ],
    }


def export_json(data: dict[str, Any]) -> bytes:
    return json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2).encode()


def export_zip(data: dict[str, Any], *, progress: Callable[[str], None] | None = None) -> bytes:
    """The export as a zip: ``customer.json``, the attachment files under ``attachments/<case>/``
    and the raw emails under ``raw/``. A file missing from the storage is listed in ``missing.txt``."""
    buffer = io.BytesIO()
    missing = []
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("customer.json", export_json(data))
        for case in data["cases"]:
            for a in case["attachments"]:
                if not a["file"]:
                    continue
                try:
                    with default_storage.open(a["file"], "rb") as handle:
                        archive.writestr(f"attachments/{case['number']}/{a['id']}-{a['original_name']}", handle.read())
                except (FileNotFoundError, OSError):
                    missing.append(a["file"])
                if progress:
                    progress(a["file"])
        for r in RawEmail.objects.filter(message_id__in=[e["message_id"] for e in data["raw_emails"]]):
            archive.writestr(f"raw/{r.message_id}.eml", bytes(r.content))
        if missing:
            archive.writestr("missing.txt", "\n".join(missing))
    return buffer.getvalue()


def export_customer(
    *,
    customer: Customer,
    actor: User | AnonymousUser | None = None,
    zipped: bool = False,
    ip: str = "",
    progress: Callable[[str], None] | None = None,
) -> bytes:
    """The export's bytes (JSON, or a zip with the files), recorded in the audit log."""
    if is_erased(customer):
        raise PrivacyError(_("Customer %(id)s was erased; there is nothing left to export.") % {"id": customer.pk})
    data = export_data(customer=customer)
    content = export_zip(data, progress=progress) if zipped else export_json(data)
    log_access(
        action=AuditAction.EXPORT,
        customer_id=customer.pk,
        actor=actor,
        ip=ip,
        detail={"cases": len(data["cases"]), "messages": len(data["messages"]), "zip": zipped, "bytes": len(content)},
    )
    return content


# --- erasure --------------------------------------------------------------------------------------


@dataclass
class ErasureResult:
    customer_id: int
    counts: dict[str, Any] = field(default_factory=dict)  # per kind of row, and "rows": per model label
    files: list[str] = field(default_factory=list)


def _delete_files(names: list[str]) -> None:
    for name in names:
        try:
            default_storage.delete(name)
        except OSError:  # already gone or unreadable: the row is gone either way; say so in the log
            log.warning("privacy: could not delete %s", name, exc_info=True)


def _delete_attachments(queryset: models.QuerySet[Attachment]) -> tuple[int, list[str]]:
    """Delete attachment rows (their message links cascade): how many, and the files' names for
    after the commit."""
    names = [name for name in queryset.values_list("file", flat=True) if name]
    deleted = queryset.delete()[1].get(Attachment._meta.label, 0)
    return deleted, names


def _addresses(customer: Customer) -> frozenset[str]:
    """The customer's email addresses, phone numbers and handles, lowercased, in every form they
    may be stored in (a phone as E.164, its digits and the national number), to find the rows
    stored with no link to the customer (automatic mail, feedback with a contact)."""
    values = {customer.email, customer.phone}
    for value, display in ContactIdentity.objects.filter(customer=customer).values_list("value", "display"):
        values |= {value, display}
    out = set()
    for value in filter(None, (v.strip() for v in values if v)):
        out.add(value.lower())
        if "@" not in value:
            out |= _phone_forms(value)
    return frozenset(out)


def _phone_forms(value: str) -> set[str]:
    """E.164, its digits, the national number and its written national form of a stored phone."""
    for text in (value,) if value.startswith("+") else (value, f"+{value}"):
        try:
            number = phonenumbers.parse(text, phones.default_region())
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_valid_number(number):
            e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
            written = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
            return {e164, e164.lstrip("+"), phonenumbers.national_significant_number(number), written}
    return set()


def _erase_rows(entries: list[personal_data.Entry], subject: personal_data.Subject) -> tuple[dict[str, int], list[str]]:
    """Apply the registry to the subject's rows (found beforehand): the counts per model and the
    names of the files to delete after the commit."""
    by_model: dict[type[models.Model], list[personal_data.Entry]] = {}
    for entry in entries:
        if entry.how is not How.KEEP:
            by_model.setdefault(entry.model, []).append(entry)
    counts: dict[str, int] = {}
    files: list[str] = []
    deletes = []
    for model, rules in by_model.items():
        pks = subject.pks(model)
        counts[model._meta.label] = len(pks)
        if not pks:
            continue
        rows = model._default_manager.filter(pk__in=pks)
        if any(rule.how is How.DELETE for rule in rules):
            file_fields = [f.attname for f in model._meta.concrete_fields if isinstance(f, models.FileField)]
            for names in rows.values_list(*file_fields) if file_fields else ():
                files.extend(name for name in names if name)
            deletes.append(rows)
            continue
        constant: dict[str, object] = {}
        per_row: list[personal_data.Entry] = []
        for rule in rules:
            for name in rule.fields:
                f = model._meta.get_field(name)
                if rule.how is How.BLANK:
                    constant[f.name] = personal_data.blank_value(cast("models.Field[Any, Any]", f))  # a column
                elif rule.how is How.MASK and not callable(rule.value):
                    constant[f.name] = rule.value
                else:
                    per_row.append(rule)
        if constant:
            rows.update(**constant)
        if per_row:
            names = sorted({name for rule in per_row for name in rule.fields})
            changed = []
            for obj in rows.only("pk", *names).order_by("pk"):
                for rule in per_row:
                    for name in rule.fields:
                        value = getattr(obj, name)
                        if rule.how is How.MASK:
                            value = rule.value(obj)
                        elif rule.how is How.KEEP_KEYS:
                            value = personal_data.keep_keys(value, rule.keys)
                        else:
                            value = personal_data.redact_keys(value, rule.keys)
                        setattr(obj, name, value)
                changed.append(obj)
            model._default_manager.bulk_update(changed, names, batch_size=500)
    for rows in deletes:  # after the updates: a deleted row's cascade cannot hide a row to update
        rows.delete()
    return counts, files


def _pending_deliveries(case_ids: list[int]) -> list[str]:
    return list(
        WebhookDelivery.objects.filter(case_id__in=case_ids, status=WebhookDeliveryStatus.PENDING)
        .values_list("case__number", flat=True)
        .distinct()[:10]
    )


def erase_customer(
    *,
    customer: Customer,
    actor: User | AnonymousUser | None = None,
    reason: str = "",
    ip: str = "",
    progress: Callable[[str], None] | None = None,
) -> ErasureResult:
    """Anonymise one customer (GDPR art. 17, PIPL art. 47), all or nothing, as the registry of
    personal data (``core.personal_data``, filled by every app) says: every registered field of
    every row of the customer is blanked, masked, redacted or deleted; what a law keeps stays.

    Refused while a case of the customer is still open (it needs the contact data to be finished),
    while an event of their cases still waits to be sent to the shop (a refund it must still pay
    names the order), and for a customer already erased."""
    say = progress or (lambda _text: None)
    if is_erased(customer):
        raise PrivacyError(_("Customer %(id)s is already erased.") % {"id": customer.pk})
    open_cases = list(
        Case.objects.filter(customer=customer, status__in=OPEN_STATUSES).values_list("number", flat=True)[:10]
    )
    if open_cases:
        raise PrivacyError(
            _("Customer %(id)s still has open cases (%(cases)s): resolve, close or cancel them first.")
            % {"id": customer.pk, "cases": ", ".join(open_cases)}
        )
    waiting = _pending_deliveries(list(Case.objects.filter(customer=customer).values_list("pk", flat=True)))
    if waiting:
        raise PrivacyError(
            _(
                "Events of cases %(cases)s still wait to be sent to the shop: erase the customer once they "
                "are delivered or given up (see the webhook deliveries)."
            )
            % {"cases": ", ".join(waiting)}
        )
    result = ErasureResult(customer_id=customer.pk)
    entries = personal_data.entries()
    with transaction.atomic():
        customer = Customer.objects.select_for_update().get(pk=customer.pk)
        subject = personal_data.Subject(customer=customer, addresses=_addresses(customer))
        for model in personal_data.models_with_rows():  # every row is found before anything changes
            subject.pks(model)
        say(_("Cases: %(n)s") % {"n": len(subject.pks(Case))})
        say(_("Messages: %(n)s") % {"n": len(subject.pks(Message))})
        counts, result.files = _erase_rows(entries, subject)
        result.counts = {
            "cases": counts.get(Case._meta.label, 0),
            "events": counts.get(CaseEvent._meta.label, 0),
            "messages": counts.get(Message._meta.label, 0),
            "attachments": counts.get(Attachment._meta.label, 0),
            "raw_emails": counts.get(RawEmail._meta.label, 0),
            "identities": counts.get(ContactIdentity._meta.label, 0),
            "free_feedback": counts.get(FreeFeedback._meta.label, 0),
            "rows": counts,
        }
        log_access(
            action=AuditAction.ERASE,
            customer_id=customer.pk,
            actor=actor,
            reason=reason,
            ip=ip,
            detail={k: v for k, v in result.counts.items() if k != "rows"},
        )
        files = list(result.files)
        transaction.on_commit(lambda: _delete_files(files))
    return result


# --- retention ------------------------------------------------------------------------------------


@dataclass
class PurgeResult:
    attachments: int
    cases: int
    cutoff: object


def purge_attachments(
    *, days: int | None = None, dry_run: bool = False, actor: User | AnonymousUser | None = None
) -> PurgeResult:
    """Delete the attachments of cases that ended (closed, rejected, cancelled) more than
    ``days`` (default ``settings.ATTACHMENT_RETENTION_DAYS``) ago; 0 keeps them forever.

    A case ended when it was closed (``closed_at``) or, for a rejected or cancelled one, at its
    last change. Rows go in one transaction, files after it. Running it twice deletes nothing more."""
    days = settings.ATTACHMENT_RETENTION_DAYS if days is None else days
    if days < 0:
        raise PrivacyError(_("The retention must be 0 (keep forever) or more days."))
    cutoff = clock.now() - timedelta(days=days)
    if days == 0:
        return PurgeResult(0, 0, None)
    ended = Case.objects.filter(status__in=FINAL_STATUSES).filter(
        Q(closed_at__lt=cutoff) | Q(closed_at__isnull=True, updated_at__lt=cutoff)
    )
    attachments = Attachment.objects.filter(case__in=ended)
    if dry_run:
        return PurgeResult(attachments.count(), attachments.values("case").distinct().count(), cutoff)
    with transaction.atomic():
        rows = list(attachments.select_for_update().values_list("pk", "case_id"))
        case_count = len({case_id for _pk, case_id in rows})
        deleted, names = _delete_attachments(Attachment.objects.filter(pk__in=[pk for pk, _case in rows]))
        if deleted:
            log_access(
                action=AuditAction.PURGE_ATTACHMENTS,
                customer_id=None,
                actor=actor,
                detail={"attachments": deleted, "cases": case_count, "days": days},
            )
        transaction.on_commit(lambda: _delete_files(names))
    return PurgeResult(deleted, case_count, cutoff)
