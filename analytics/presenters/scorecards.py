"""The scorecard pages as the templates read them: the managers' table of every agent's card with
the weights form, and one agent's card with its radar chart (``analytics.scorecards`` scores them)."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from django.utils.formats import number_format
from django.utils.http import urlencode
from django.utils.translation import get_language

from analytics import kpis, scorecards
from analytics.presenters.dashboard import request_query
from analytics.presenters.figures import TILE_BY_KEY, dig, show, tile_label, tiles

AREAS = ("speed", "attitude", "professionalism", "efficiency", "satisfaction")
SHOP_ONLY = frozenset({"complaint_rate", "return_rate"})
# The KPIs a scorecard table shows (the rest are on one agent's card).
SCORECARD_KPIS = (
    "cases_resolved",
    "first_response_mean_hours",
    "resolution_mean_hours",
    "first_contact_resolution",
    "reopen_rate",
    "csat_rate",
)


def period_fields(query: Mapping[str, str]) -> dict:
    return {"start": query.get("start", ""), "end": query.get("end", "")}


def card_row(card: dict) -> dict:
    """One agent's card as a table row: area scores with their weights, the KPIs as text, the score."""
    figures = card.get("kpis") or {}
    return {
        **card,
        "areas": [(card.get("scores", {}).get(area), card.get("weights", {}).get(area)) for area in AREAS],
        "figures": [show(dig(figures, TILE_BY_KEY[key].path), TILE_BY_KEY[key].fmt) for key in SCORECARD_KPIS],
        "score_text": "—" if card.get("score") is None else number_format(card["score"], 2),
    }


def scorecards_context(
    get: Mapping[str, str], req: kpis.ReportRequest | None, cards: list[dict], weights: dict[str, str]
) -> dict:
    """Every agent's card (best score first) and the weights as the form shows them."""
    return {
        "section": "scorecards",
        "rows": [card_row(card) for card in cards],
        "areas": [(area, scorecards.AREA_LABELS.get(area, area)) for area in AREAS],
        "kpi_headers": [tile_label(TILE_BY_KEY[key]) for key in SCORECARD_KPIS],
        "weights": [(area, scorecards.AREA_LABELS.get(area, area), weights.get(area, "")) for area in AREAS],
        "period": period_fields(get),
        "req": req,
        "query_string": urlencode(request_query(req)) if req else "",
    }


def scorecard_context(card: dict, agent, drill: Callable[[str], str]) -> dict:
    """One agent's card: the KPI tiles (``drill`` links a figure to its cases, or ""), the five areas
    and the radar chart's data."""
    area_labels = [str(scorecards.AREA_LABELS.get(area, area)) for area in AREAS]
    row = card_row(card)
    return {
        "section": "scorecards",
        "agent": agent,
        "card": row,
        # Complaint and return rates are the shop's (per order, per unit sold), not an agent's.
        "tiles": [t for t in tiles(card.get("kpis") or {}, {}, drill) if t["key"] not in SHOP_ONLY],
        "areas": [(label, score, weight) for label, (score, weight) in zip(area_labels, row["areas"], strict=True)],
        "bands": scorecards.explain_bands(),
        "data": {
            "lang": get_language() or "en",
            "radar": {
                "name": card.get("name") or agent.get_username(),
                "indicators": [{"name": label, "max": 5} for label in area_labels],
                "values": [card.get("scores", {}).get(area) or 0 for area in AREAS],
            },
        },
    }
