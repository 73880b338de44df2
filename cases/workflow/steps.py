"""The steps of the state machine as the workbench and the API show them: their labels, the permission each
needs, their parameters cleaned and checked, and the conditions that keep a step from running.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext as _

from cases.exceptions import InvalidInput
from cases.models import (
    REFUNDING_RESOLUTIONS,
    Case,
    InspectionGrade,
    ResolutionType,
)
from cases.models.case import CONDITION_LABELS

if TYPE_CHECKING:
    from django_fsm import Transition


def _transitions_named(name: str) -> list[Transition]:
    field = Case._meta.get_field("status")
    return [t for t in field.get_all_transitions(Case) if t.name == name]


def step_label(name: str) -> str:
    """The translated label of a step ("Approve", "批准"), for messages a person reads."""
    for t in _transitions_named(name):
        label = t.custom.get("label")
        if label:
            return str(label)
    return name


def transition_permission(name: str) -> str | None:
    """The permission a transition requires (one per name by construction)."""
    perms = {t.permission for t in _transitions_named(name)}
    return next(iter(perms)) if perms else None  # type: ignore[return-value]  # ours are names


def _clean_text(params: dict[str, Any], key: str, *, required: bool = False, max_length: int = 2000) -> str:
    value = params.pop(key, "")
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise InvalidInput(_("“%(field)s” must be text.") % {"field": key})
    value = value.strip()
    if required and not value:
        raise InvalidInput(_("“%(field)s” is required for this step.") % {"field": key})
    if len(value) > max_length:
        raise InvalidInput(_("“%(field)s” is too long (at most %(n)s characters).") % {"field": key, "n": max_length})
    return value


def clean_step_params(*, case: Case, name: str, params: dict[str, Any]) -> dict[str, Any]:
    """Check the inputs a transition takes; anything unknown or wrong is a clear 400."""
    params = dict(params)
    cleaned: dict[str, Any] = {}
    if name == "reject":
        cleaned["reason"] = _clean_text(params, "reason", required=True)
    elif name == "ship_return":
        cleaned["carrier"] = _clean_text(params, "carrier", max_length=32)
        cleaned["tracking_number"] = _clean_text(params, "tracking_number", max_length=64)
    elif name == "inspect":
        passed = params.pop("passed", None)
        if not isinstance(passed, bool):
            raise InvalidInput(_("Say whether the inspection passed (“passed”: true or false)."))
        grade = _clean_text(params, "grade", max_length=1)
        if grade and grade not in InspectionGrade.values:
            raise InvalidInput(_("Unknown inspection grade “%(grade)s”.") % {"grade": grade})
        cleaned.update(passed=passed, grade=grade, inspection_note=_clean_text(params, "inspection_note"))
    elif name == "resolve":
        resolution = _clean_text(params, "resolution_type", required=True, max_length=24)
        if resolution not in ResolutionType.values:
            raise InvalidInput(_("Unknown resolution “%(value)s”.") % {"value": resolution})
        raw_amount = params.pop("refund_amount", None)
        amount = None
        if raw_amount not in (None, ""):
            try:
                amount = Decimal(str(raw_amount)).quantize(Decimal("0.01"))
            except (InvalidOperation, ValueError) as exc:
                raise InvalidInput(_("The refund amount must be a number.")) from exc
            if amount < 0:
                raise InvalidInput(_("The refund amount cannot be negative."))
        if resolution in REFUNDING_RESOLUTIONS:
            if amount is None:
                raise InvalidInput(_("This resolution pays money back: give the refund amount."))
        elif amount:
            raise InvalidInput(_("Only a refunding resolution takes a refund amount."))
        cleaned.update(
            resolution_type=resolution, refund_amount=amount, resolution_note=_clean_text(params, "resolution_note")
        )
    if params:
        raise InvalidInput(
            _("The step “%(name)s” does not take: %(fields)s.") % {"name": name, "fields": ", ".join(sorted(params))}
        )
    return cleaned


def unmet_conditions(*, case: Case, name: str) -> list[str]:
    """Labels of the conditions that keep ``name`` from running from the case's status."""
    unmet = []
    for t in _transitions_named(name):
        if t.source not in (case.status, "*"):
            continue
        for condition in t.conditions:
            if not condition(case):
                unmet.append(str(CONDITION_LABELS.get(condition.__name__, condition.__name__)))
    return unmet
