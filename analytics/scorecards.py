"""Agent scorecards (绩效考核, DESIGN.md §5): five areas scored 1–5 from the agent's measured KPIs
and survey answers, and a score weighted by the manager's weights (default 10/20/25/30/15).

An area with nothing to measure in the period (no replies, no answers) is not scored, and the
weighted score spreads the weights over the areas that are: Σ wᵢ·sᵢ ÷ Σ wᵢ over scored areas.
Cases count for their current assignee; answers for the agent stored on the answer.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from analytics import kpis
from analytics.kpis import BadRequest, Plan, ReportRequest
from analytics.models import ScorecardSettings
from core.roles import AGENT

AREAS = ("speed", "attitude", "professionalism", "efficiency", "satisfaction")
AREA_LABELS = {
    "speed": gettext_lazy("Response speed"),
    "attitude": gettext_lazy("Attitude"),
    "professionalism": gettext_lazy("Professionalism"),
    "efficiency": gettext_lazy("Resolution efficiency"),
    "satisfaction": gettext_lazy("Satisfaction"),
}

# (threshold, score): the first band the figure reaches gives the score, else 1.
SPEED_BANDS = ((1, 5), (4, 4), (12, 3), (24, 2))  # median first response, hours at most
ATTITUDE_BANDS = ((0.02, 5), (0.05, 4), (0.10, 3), (0.20, 2))  # share of answers that complain, at most
PROFESSIONALISM_BANDS = ((0.90, 5), (0.80, 4), (0.70, 3), (0.60, 2))  # first-contact resolution, at least
EFFICIENCY_BANDS = ((24, 5), (48, 4), (72, 3), (120, 2))  # median resolution time, hours at most


def _at_most(value: float | None, bands) -> int | None:
    if value is None:
        return None
    return next((score for limit, score in bands if value <= limit), 1)


def _at_least(value: float | None, bands) -> int | None:
    if value is None:
        return None
    return next((score for limit, score in bands if value >= limit), 1)


def area_scores(k: dict, *, answers: int, complaints: int) -> dict[str, float | None]:
    """The five area scores of one agent's KPIs and survey answers (see ``explain_bands``)."""
    return {
        "speed": _at_most(k["first_response"]["median_hours"], SPEED_BANDS),
        "attitude": _at_most(complaints / answers if answers else None, ATTITUDE_BANDS),
        "professionalism": _at_least(k["first_contact_resolution"], PROFESSIONALISM_BANDS),
        "efficiency": _at_most(k["resolution_time"]["median_hours"], EFFICIENCY_BANDS),
        "satisfaction": None if k["csat"]["mean"] is None else round(k["csat"]["mean"], 2),
    }


def weighted(scores: dict[str, float | None], weights: dict[str, int]) -> float | None:
    """Σ wᵢ·sᵢ ÷ Σ wᵢ over the scored areas; None when no area is scored."""
    scored = [(weights[a], s) for a, s in scores.items() if s is not None and weights[a]]
    total = sum(w for w, _s in scored)
    return round(sum(w * s for w, s in scored) / total, 2) if total else None


def explain_bands() -> list[dict]:
    """How each area is scored, for the scorecard page."""

    def bands(rows, unit, at_most=True):
        sign = "≤" if at_most else "≥"
        return [{"score": s, "rule": f"{sign} {limit}{unit}"} for limit, s in rows] + [
            {"score": 1, "rule": _("otherwise")}
        ]

    return [
        {
            "area": "speed",
            "label": str(AREA_LABELS["speed"]),
            "measure": _("median first response time"),
            "bands": bands(SPEED_BANDS, " h"),
        },
        {
            "area": "attitude",
            "label": str(AREA_LABELS["attitude"]),
            "measure": _("share of survey answers that complain"),
            "bands": bands([(f"{limit:.0%}", s) for limit, s in ATTITUDE_BANDS], ""),
        },
        {
            "area": "professionalism",
            "label": str(AREA_LABELS["professionalism"]),
            "measure": _("first-contact resolution"),
            "bands": bands([(f"{limit:.0%}", s) for limit, s in PROFESSIONALISM_BANDS], "", at_most=False),
        },
        {
            "area": "efficiency",
            "label": str(AREA_LABELS["efficiency"]),
            "measure": _("median resolution time"),
            "bands": bands(EFFICIENCY_BANDS, " h"),
        },
        {
            "area": "satisfaction",
            "label": str(AREA_LABELS["satisfaction"]),
            "measure": _("mean CSAT score (1–5)"),
            "bands": [{"score": "1–5", "rule": _("the mean score itself")}],
        },
    ]


def agents(agent_ids: list[int] | None = None):
    """The people a scorecard is kept for: active users in the agent role (or the ids asked for)."""
    users = get_user_model().objects.filter(is_active=True, groups__name=AGENT).distinct().order_by("pk")
    return users if agent_ids is None else users.filter(pk__in=agent_ids)


def scorecards(req: ReportRequest, *, agent_ids: list[int] | None = None) -> list[dict]:
    """Every agent's (or these agents') scorecard for the period, best score first."""
    agent_req = ReportRequest(start=req.start, end=req.end, split="agent", filters=req.filters)
    plan = Plan.of(agent_req, "rollup")
    by_agent = kpis.by_value(plan, agent_req, "agent")
    fr = kpis.percentiles(plan, agent_req, "first_response", "agent")
    res = kpis.percentiles(plan, agent_req, "resolution_time", "agent")
    orders = kpis.orders_in(plan)
    weights = ScorecardSettings.get_solo().weights()
    cards = []
    for user in agents(agent_ids):
        key = str(user.pk)
        m = by_agent.get(key) or kpis.empty()
        k = kpis.kpis_of(
            m, fr=fr.get(key, (None, None)), res=res.get(key, (None, None)), orders=orders, returned_sold=None
        )
        scores = area_scores(k, answers=m["answers"], complaints=m["survey_complaints"])
        cards.append(
            {
                "agent_id": user.pk,
                "name": user.get_full_name() or user.get_username(),
                "kpis": k,
                "scores": scores,
                "score": weighted(scores, weights),
                "weights": weights,
            }
        )
    cards.sort(key=lambda c: (c["score"] is None, -(c["score"] or 0), c["name"]))
    return cards


def save_weights(*, weights: dict, actor) -> ScorecardSettings:
    """Set the five weights (whole percents 0–100 that sum to 100); nothing changes otherwise."""
    if not actor.has_perm("analytics.change_scorecardsettings"):
        raise PermissionDenied(_("Your role does not allow changing the scorecard weights."))
    clean: dict[str, int] = {}
    for area in AREAS:
        raw = weights.get(area)
        try:
            value = int(str(raw).strip())
        except (TypeError, ValueError):
            raise BadRequest(
                _("The weight of %(area)s must be a whole number.") % {"area": AREA_LABELS[area]}, area
            ) from None
        if not 0 <= value <= 100:
            raise BadRequest(_("The weight of %(area)s must be between 0 and 100.") % {"area": AREA_LABELS[area]}, area)
        clean[area] = value
    if sum(clean.values()) != 100:
        raise BadRequest(
            _("The weights must add up to 100; these add up to %(sum)s.") % {"sum": sum(clean.values())}, "weights"
        )
    with transaction.atomic():
        settings = ScorecardSettings.objects.select_for_update().get_or_create(pk=1)[0]
        for area, value in clean.items():
            setattr(settings, f"weight_{area}", value)
        settings.save()
    return settings
