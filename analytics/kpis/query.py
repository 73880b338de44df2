"""A report request: the period (``start``/``end`` or a ``preset``), the split and the filters, as
parsed from query parameters; ``BadRequest`` says what to change when they cannot be answered."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.utils.translation import gettext as _

from analytics.measures import DIMENSIONS
from analytics.rollups import local_today
from cases.models import CaseKind, Channel, ComplaintCategory, CustomerTier, ReasonCode

MAX_DAYS = 1100


class BadRequest(ValueError):
    """A report request that cannot be answered; ``message`` says what to change."""

    def __init__(self, message: str, field: str = ""):
        super().__init__(message)
        self.message = message
        self.field = field


@dataclass(frozen=True)
class ReportRequest:
    start: date
    end: date
    split: str | None = None
    filters: dict[str, str] = field(default_factory=dict)

    @property
    def days(self) -> tuple[date, date]:
        return (self.start, self.end)


# --- parsing a request ----------------------------------------------------------------------------

PRESETS = ("last_7", "last_30", "last_90", "this_month", "last_month")


def _preset(name: str, today: date) -> tuple[date, date]:
    if name.startswith("last_") and name[5:].isdigit():
        return today - timedelta(days=int(name[5:]) - 1), today
    first = today.replace(day=1)
    if name == "this_month":
        return first, today
    last_month_end = first - timedelta(days=1)
    return last_month_end.replace(day=1), last_month_end


def _choices(dim: str) -> set[str] | None:
    return {
        "channel": set(Channel.values),
        "kind": set(CaseKind.values),
        "reason": set(ReasonCode.values),
        "tier": set(CustomerTier.values),
        "complaint_category": set(ComplaintCategory.values),
    }.get(dim)


def _date(query: Mapping[str, str], name: str) -> date | None:
    text = (query.get(name) or "").strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise BadRequest(
            _("%(field)s must be a date written YYYY-MM-DD, not %(value)r.") % {"field": name, "value": text[:40]},
            name,
        ) from None


def parse_request(query: Mapping[str, str]) -> ReportRequest:
    """A report request from query parameters: ``start``, ``end`` (YYYY-MM-DD, inclusive) or
    ``preset``; ``split``; one filter per dimension (``none`` selects no team / agent / product)."""
    today = local_today()
    preset = (query.get("preset") or "").strip()
    if preset:
        if preset not in PRESETS:
            raise BadRequest(
                _("Unknown period %(value)r: use one of %(names)s.")
                % {"value": preset[:40], "names": ", ".join(PRESETS)},
                "preset",
            )
        start, end = _preset(preset, today)
    else:
        end = _date(query, "end") or today
        start = _date(query, "start") or end - timedelta(days=29)
    if start > end:
        raise BadRequest(_("The period starts after it ends: swap start and end."), "start")
    if (end - start).days + 1 > MAX_DAYS:
        raise BadRequest(_("The period is too long: choose at most %(n)s days.") % {"n": MAX_DAYS}, "start")
    split = (query.get("split") or "").strip() or None
    if split is not None and split not in DIMENSIONS:
        raise BadRequest(
            _("Cannot split by %(value)r: use one of %(names)s.")
            % {"value": split[:40], "names": ", ".join(DIMENSIONS)},
            "split",
        )
    filters: dict[str, str] = {}
    for dim in DIMENSIONS:
        value = (query.get(dim) or "").strip()
        if not value:
            continue
        allowed = _choices(dim)
        if allowed is not None:
            if value not in allowed:
                raise BadRequest(_("Unknown %(field)s %(value)r.") % {"field": dim, "value": value[:40]}, dim)
        elif value == "none":
            value = ""
        elif not value.isdigit() or len(value) > 18:
            raise BadRequest(
                _("%(field)s must be an id number or 'none', not %(value)r.") % {"field": dim, "value": value[:40]}, dim
            )
        filters[dim] = value
    return ReportRequest(start=start, end=end, split=split, filters=filters)
