"""``transition_case``: the one way a case changes status.

It locks the case (optimistic version check), cleans the step's parameters, checks the permission and the
conditions, and for a refunding ``resolve`` takes the order's row lock, checks the refund against what is
left and the actor's approval limit, and writes the refund into the ledger; then the status, the
``CaseEvent`` and the signal, in one transaction.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.utils.translation import gettext as _
from django_fsm import ConcurrentTransition, can_proceed

from cases.exceptions import CaseChanged, TransitionForbidden, TransitionNotAllowed
from cases.models import (
    REFUNDING_RESOLUTIONS,
    TRANSITION_NAMES,
    Case,
    CaseStatus,
    EventType,
)
from cases.money import approvals
from cases.money import ledger as refunds
from cases.workflow.events import record_event
from cases.workflow.steps import clean_step_params, step_label, transition_permission, unmet_conditions
from core import clock


def transition_case(
    *,
    case: Case,
    name: str,
    actor: User | None,
    note: str = "",
    channel: str = "",
    actor_label: str | None = None,
    expected_version: int | None = None,
    approval: Any = None,
    refund_key: str | None = None,
    **params: Any,
) -> Case:
    """Move a case along its state machine.

    A ``resolve`` with a refunding resolution brings the case's refunds up to ``refund_amount``
    through the refund ledger (``cases.money.ledger``), in the same transaction; ``approval`` is the
    granted request it carries out and ``refund_key`` the refund's idempotency key (by default one
    per resolve of the case).

    ``actor`` None means the system (policy engine, timers), which needs no permission. Raises
    ``TransitionForbidden`` (no permission), ``TransitionNotAllowed`` (not from this status, a
    condition unmet, or an unknown name), ``InvalidInput`` (bad parameters) and ``CaseChanged``
    (someone changed the case since it was read; the caller must reload it).
    """
    _check_may_run(case=case, name=name, actor=actor, expected_version=expected_version)
    cleaned = clean_step_params(case=case, name=name, params=params)
    refunding = name == "resolve" and cleaned["resolution_type"] in REFUNDING_RESOLUTIONS
    note = note.strip() if isinstance(note, str) else ""
    at = clock.now()
    from_status = case.status
    earlier_refund = case.refund_amount
    try:
        with transaction.atomic():
            ledger = _lock_and_check_refund(case=case, actor=actor, cleaned=cleaned) if refunding else None
            getattr(case, name)(at=at, **cleaned)
            if name == "resolve" and not refunding:
                # A case reopened after a refund keeps it, whatever it is resolved with next.
                case.refund_amount = (refunds.case_refunded(case=case) or None) if earlier_refund else None
            case.version += 1
            case.save()
            data = {k: (str(v) if isinstance(v, Decimal) else v) for k, v in cleaned.items()}
            record_event(
                case=case,
                type=EventType.TRANSITION,
                actor=actor,
                actor_label=actor_label,
                at=at,
                transition=name,
                from_status=from_status,
                to_status=case.status,
                channel=channel,
                note=note or cleaned.get("reason", ""),
                public=True,
                data=data,
            )
            if refunding and ledger is not None:
                refunds.record_refund(
                    case=case,
                    now=ledger,
                    total=cleaned["refund_amount"],
                    resolution_type=cleaned["resolution_type"],
                    actor=actor,
                    approval=approval,
                    key=refund_key or f"case-{case.pk}-resolve-{case.version}",
                    reason=cleaned.get("resolution_note", ""),
                )
    except ConcurrentTransition as exc:
        raise CaseChanged(
            _("Case %(number)s was changed by someone else at the same time. Reload it and try again.")
            % {"number": case.number}
        ) from exc
    return case


def _check_may_run(*, case: Case, name: str, actor: User | None, expected_version: int | None) -> None:
    """The step exists, the actor may take it, nobody changed the case since it was read, and the
    state machine allows it from the case's status with its conditions met."""
    if name not in TRANSITION_NAMES:
        raise TransitionNotAllowed(_("There is no step called “%(name)s”.") % {"name": name})
    if actor is not None:
        permission = transition_permission(name)
        if permission and not actor.has_perm(permission):
            raise TransitionForbidden(_("You do not have permission to “%(step)s” cases.") % {"step": step_label(name)})
    if expected_version is not None and expected_version != case.version:
        raise CaseChanged(
            _(
                "Case %(number)s changed since you loaded it (version %(theirs)s, now %(ours)s). "
                "Reload it and try again."
            )
            % {"number": case.number, "theirs": expected_version, "ours": case.version}
        )
    method = getattr(case, name)
    if not can_proceed(method, check_conditions=False):
        raise TransitionNotAllowed(
            _("Case %(number)s cannot “%(step)s” while it is %(status)s.")
            % {"number": case.number, "step": step_label(name), "status": CaseStatus(case.status).label}
        )
    if not can_proceed(method):
        raise TransitionNotAllowed(
            _("Case %(number)s cannot “%(step)s”: %(why)s.")
            % {
                "number": case.number,
                "step": step_label(name),
                "why": "; ".join(unmet_conditions(case=case, name=name)),
            }
        )


def _lock_and_check_refund(*, case: Case, actor: User | None, cleaned: dict[str, Any]) -> Any:
    """The refund ledger: lock the order first, then check the amount and the approval limit against what
    it holds now; every other refund of the order waits here. Returns the order's standing (or None)."""
    ledger = refunds.lock_order(case=case)
    refunds.check_total(case=case, total=cleaned["refund_amount"], now=ledger)
    approvals.check_limit(
        user=actor,
        case=case,
        resolution_type=cleaned["resolution_type"],
        amount=cleaned["refund_amount"],
        refunded=ledger.refunded if ledger else None,
    )
    return ledger
