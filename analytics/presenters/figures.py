"""How the dashboard's figures read: the KPI tiles (where each figure sits in a report, its format,
the cases behind it), the figures as text in the page's language and as plain numbers for charts,
and the labels of dimensions, presets and drill-downs. Presentation only: no query here."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from analytics import kpis

NONE = "none"  # the query's value for "no team", "unassigned", "no product"
COMPARISON_SIGNS = {"le": "≤", "ge": "≥", "lt": "<", "gt": ">"}


# --- what the tiles show ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Tile:
    """One KPI figure: where it sits in a KPIS dict, how it reads, and which cases are behind it.

    ``key`` is the KPI's name as ``kpis.KPI_LABELS`` and ``KpiTarget.kpi`` spell it.
    """

    key: str
    path: tuple[str, ...]
    fmt: str  # count, hours, rate, score, nps, money
    drill: str | None
    label: object
    count: tuple[str, ...] | None = None  # the number of cases or answers the figure rests on


TILES = (
    Tile("cases_created", ("cases_created",), "count", "created", gettext_lazy("Cases created")),
    Tile("cases_resolved", ("cases_resolved",), "count", "resolved", gettext_lazy("Cases resolved")),
    Tile(
        "first_response_mean_hours",
        ("first_response", "mean_hours"),
        "hours",
        "first_response",
        gettext_lazy("First response time, mean"),
        ("first_response", "count"),
    ),
    Tile(
        "first_response_median_hours",
        ("first_response", "median_hours"),
        "hours",
        "first_response",
        gettext_lazy("First response time, median"),
        ("first_response", "count"),
    ),
    Tile(
        "first_response_p90_hours",
        ("first_response", "p90_hours"),
        "hours",
        "first_response",
        gettext_lazy("First response time, 90th percentile"),
        ("first_response", "count"),
    ),
    Tile(
        "resolution_mean_hours",
        ("resolution_time", "mean_hours"),
        "hours",
        "resolved",
        gettext_lazy("Resolution time, mean"),
        ("resolution_time", "count"),
    ),
    Tile(
        "resolution_median_hours",
        ("resolution_time", "median_hours"),
        "hours",
        "resolved",
        gettext_lazy("Resolution time, median"),
        ("resolution_time", "count"),
    ),
    Tile(
        "resolution_p90_hours",
        ("resolution_time", "p90_hours"),
        "hours",
        "resolved",
        gettext_lazy("Resolution time, 90th percentile"),
        ("resolution_time", "count"),
    ),
    Tile(
        "first_contact_resolution",
        ("first_contact_resolution",),
        "rate",
        "fcr",
        gettext_lazy("First-contact resolution"),
    ),
    Tile("resolution_rate", ("resolution_rate",), "rate", "created", gettext_lazy("Resolution rate")),
    Tile("reopen_rate", ("reopen_rate",), "rate", "reopened", gettext_lazy("Reopen rate")),
    Tile(
        "sla_first_response",
        ("sla_first_response",),
        "rate",
        "sla_first_response_missed",
        gettext_lazy("SLA compliance, first response"),
    ),
    Tile(
        "sla_resolution",
        ("sla_resolution",),
        "rate",
        "sla_resolution_missed",
        gettext_lazy("SLA compliance, resolution"),
    ),
    Tile("csat_rate", ("csat", "rate"), "rate", None, gettext_lazy("CSAT"), ("csat", "answers")),
    Tile("csat_mean", ("csat", "mean"), "score", None, gettext_lazy("CSAT, mean score"), ("csat", "answers")),
    Tile("nps", ("nps", "score"), "nps", None, gettext_lazy("NPS"), ("nps", "answers")),
    Tile("ces_mean", ("ces", "mean"), "score", None, gettext_lazy("CES, mean"), ("ces", "answers")),
    Tile("survey_response_rate", ("survey_response_rate",), "rate", None, gettext_lazy("Survey response rate")),
    Tile("complaint_rate", ("complaint_rate",), "rate", "complaints", gettext_lazy("Complaint rate")),
    Tile("return_rate", ("return_rate",), "rate", "returns", gettext_lazy("Return rate")),
    Tile("cost_per_case", ("cost", "per_case"), "money", "cost", gettext_lazy("Cost per case"), ("cost", "cases")),
)
TILE_BY_KEY = {tile.key: tile for tile in TILES}


def dig(data: Any, path: tuple[str, ...]) -> Any:
    """The value at ``path`` in nested dicts, or None where the path breaks off."""
    for step in path:
        if not isinstance(data, dict):
            return None
        data = data.get(step)
    return data


def tile_label(tile: Tile) -> str:
    return str(kpis.KPI_LABELS.get(tile.key, tile.label))


def chart_number(value, fmt: str):
    """The figure as a plain number for a chart (rates in percent), or None."""
    if value is None:
        return None
    if fmt == "rate":
        return round(float(value) * 100, 1)
    if fmt == "count":
        return int(value)
    return round(float(value), 2)


def show(value, fmt: str) -> str:
    """The figure as a person reads it, in the page's language."""
    if value is None or value == "":
        return "—"
    if fmt == "count":
        return number_format(int(value), force_grouping=True)
    if fmt == "hours":
        return _("%(hours)s h") % {"hours": number_format(float(value), 1, force_grouping=True)}
    if fmt == "rate":
        return f"{number_format(float(value) * 100, 1)} %"
    if fmt == "money":
        return number_format(Decimal(str(value)), 2, force_grouping=True)
    if fmt == "nps":
        return number_format(float(value), 1)
    return number_format(float(value), 2)


def target_text(target: dict, fmt: str) -> str:
    return f"{COMPARISON_SIGNS.get(target['comparison'], target['comparison'])} {show(target['target'], fmt)}"


def tiles(figures: dict, targets: dict[str, dict], drill) -> list[dict]:
    rows = []
    for tile in TILES:
        value = dig(figures, tile.path)
        target = targets.get(tile.key)
        rows.append(
            {
                "key": tile.key,
                "label": tile_label(tile),
                "value": show(value, tile.fmt),
                "count": None if tile.count is None else dig(figures, tile.count),
                "url": drill(tile.drill) if tile.drill and drill else "",
                "target": None if target is None else {"text": target_text(target, tile.fmt), "met": target.get("met")},
            }
        )
    return rows


DIMENSION_LABELS = {
    "channel": gettext_lazy("Channel"),
    "kind": gettext_lazy("Kind"),
    "reason": gettext_lazy("Reason"),
    "team": gettext_lazy("Team"),
    "agent": gettext_lazy("Agent"),
    "product": gettext_lazy("Product"),
    "tier": gettext_lazy("Customer tier"),
    "complaint_category": gettext_lazy("Complaint category"),
}

PRESET_LABELS = {
    "last_7": gettext_lazy("Last 7 days"),
    "last_30": gettext_lazy("Last 30 days"),
    "last_90": gettext_lazy("Last 90 days"),
    "this_month": gettext_lazy("This month"),
    "last_month": gettext_lazy("Last month"),
}

DRILL_LABELS = {
    "created": gettext_lazy("Cases created"),
    "resolved": gettext_lazy("Cases resolved"),
    "first_response": gettext_lazy("Cases with a first response"),
    "fcr": gettext_lazy("Cases resolved at first contact"),
    "reopened": gettext_lazy("Resolved cases later reopened"),
    "sla_first_response_missed": gettext_lazy("Cases that missed the first response target"),
    "sla_resolution_missed": gettext_lazy("Cases that missed the resolution target"),
    "complaints": gettext_lazy("Complaints"),
    "backlog": gettext_lazy("Open cases (backlog)"),
    "returns": gettext_lazy("Returns"),
    "cost": gettext_lazy("Cases with costs"),
}


def value_label(dim: str | None, value: str | None) -> str:
    """A dimension value as a person reads it (a team's name rather than its id)."""
    if value is None or dim is None:
        return ""
    value = "" if value == NONE else value
    try:
        return kpis.value_labels(dim, [value])[value]
    except (KeyError, ValueError):
        return value
