"""A complaint's classification: its category from the platform's complaint procedure and its severity.

``classify_complaint`` sets or corrects both with one ``updated`` event that says who and why; the
SLA clocks follow a changed severity (``cases.sla.clocks.on_case_event`` recomputes them: an urgent
complaint answers within 1 hour, a normal one within 24, by the default policies). The desk's case
page and ``POST /api/v1/cases/{number}/classify/`` call it; so may the conversion of a case into a
complaint (it takes the case as it is, after its kind is a complaint).
"""

from __future__ import annotations

from django.contrib.auth.models import User
from django.utils.translation import gettext as _

from cases.exceptions import CaseChanged, InvalidInput, TransitionForbidden, TransitionNotAllowed
from cases.models import FINAL_STATUSES, Case, CaseKind, ComplaintCategory, ComplaintSeverity, EventType
from cases.workflow.editing import save_locked
from cases.workflow.events import record_event

REASON_MAX = 500


def classify_complaint(
    *,
    case: Case,
    actor: User,
    category: str,
    severity: str,
    reason: str,
    expected_version: int | None = None,
) -> Case:
    """Set or correct a complaint's category and severity, with one event (who, why, before and after).

    Refused (nothing written): an actor without ``cases.change_case`` (403); a case that is not a
    complaint, or is closed, rejected or cancelled (400); an unknown category or severity, or no
    reason (400); a stale ``expected_version`` or a concurrent write (409). Setting what is already
    set writes nothing and returns the case.
    """
    if not actor.has_perm("cases.change_case"):
        raise TransitionForbidden(_("Your role does not allow changing cases."))
    problems = _problems(category=category, severity=severity, reason=reason)
    if problems:
        raise InvalidInput(" ".join(str(m[0]) for m in problems.values()), details=problems)
    if case.kind != CaseKind.COMPLAINT:
        raise TransitionNotAllowed(_("Only a complaint has a complaint category and severity."))
    if case.status in FINAL_STATUSES:
        raise TransitionNotAllowed(
            _("Case %(number)s is %(status)s: its classification can no longer change.")
            % {"number": case.number, "status": case.get_status_display()}
        )
    if expected_version is not None and expected_version != case.version:
        raise CaseChanged(
            _("Case %(number)s was changed by someone else meanwhile. Reload it and try again.")
            % {"number": case.number}
        )
    before = {"category": case.complaint_category, "severity": case.complaint_severity}
    changed = [
        field
        for field, value in (("complaint_category", category), ("complaint_severity", severity))
        if getattr(case, field) != value
    ]
    if not changed:
        return case
    case.complaint_category, case.complaint_severity = category, severity
    return save_locked(
        case,
        then=lambda: record_event(
            case=case,
            type=EventType.UPDATED,
            actor=actor,
            note=reason.strip(),
            data={
                "fields": changed,
                "classification": {"category": category, "severity": severity},
                "before": before,
            },
        ),
    )


def _problems(*, category: str, severity: str, reason: str) -> dict[str, list[str]]:
    problems: dict[str, list[str]] = {}
    if category not in ComplaintCategory.values:
        problems["category"] = [
            _("Choose a category: %(allowed)s.")
            % {"allowed": ", ".join(str(label) for label in ComplaintCategory.labels)}
        ]
    if severity not in ComplaintSeverity.values:
        problems["severity"] = [_("Choose a severity: urgent or normal.")]
    if not (reason or "").strip():
        problems["reason"] = [_("Say why the complaint is classified so.")]
    elif len(reason) > REASON_MAX:
        problems["reason"] = [_("The reason is too long (at most %(n)s characters).") % {"n": REASON_MAX}]
    return problems
