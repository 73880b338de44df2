"""The formulas of DESIGN.md §5: one definition per KPI, each with its formula in its docstring.

Pure functions over one dict of additive measures (``analytics.measures.MEASURES``: counts and
sums of one period, a split row or one day) and the figures that do not add up (percentiles,
orders, units sold), so a KPI reads the same wherever it is shown (dashboard, API, exports, scorecards).
Rates are fractions (0–1) and ``None`` when their denominator is 0; times are hours; money is a
string with two decimals.
"""

from __future__ import annotations

from decimal import Decimal

from analytics.facts import COST_COLUMNS

CENT = Decimal("0.01")


def rate(numerator: int, denominator: int) -> float | None:
    return None if not denominator else numerator / denominator


def hours(seconds: float | None) -> float | None:
    """Seconds as hours, to four places."""
    return None if seconds is None else round(seconds / 3600, 4)


def duration(count: int, total_seconds: int, p50: float | None, p90: float | None) -> dict:
    """A duration KPI: mean = Σ seconds ÷ count; median and p90 by linear interpolation
    (``percentile_cont``) over the individual cases; all in hours."""
    return {
        "count": count,
        "mean_hours": hours(total_seconds / count) if count else None,
        "median_hours": hours(p50) if count else None,
        "p90_hours": hours(p90) if count else None,
    }


def first_response(m: dict, p: tuple) -> dict:
    """First response time: created → first public reply by an agent (wall clock), over the cases
    whose first agent reply fell in the period."""
    return duration(m["fr_count"], m["fr_seconds"], *p)


def resolution_time(m: dict, p: tuple) -> dict:
    """Resolution time: created → resolved (wall clock, the latest resolution), over the cases
    resolved in the period that are resolved or closed now."""
    return duration(m["resolved"], m["resolution_seconds"], *p)


def first_contact_resolution(m: dict) -> float | None:
    """FCR = resolved cases never reopened and with at most one public agent reply ÷ resolved cases."""
    return rate(m["fcr"], m["resolved"])


def resolution_rate(m: dict) -> float | None:
    """Resolution rate = cases created in the period that are resolved or closed ÷ cases created."""
    return rate(m["created_resolved"], m["created"])


def reopen_rate(m: dict) -> float | None:
    """Reopen rate = cases resolved in the period that had been reopened ÷ cases resolved."""
    return rate(m["reopened"], m["resolved"])


def sla_first_response(m: dict) -> float | None:
    """SLA compliance (first response) = first-response targets met ÷ targets due in the period
    (a target counts once decided: met when its clock stopped unbreached, missed when breached)."""
    return rate(m["fr_met"], m["fr_due"])


def sla_resolution(m: dict) -> float | None:
    """SLA compliance (resolution) = resolution targets met ÷ resolution targets due in the period."""
    return rate(m["res_met"], m["res_due"])


def csat(m: dict) -> dict:
    """CSAT = answers of 4 or 5 ÷ all CSAT answers (scale 1–5); mean = Σ score ÷ answers."""
    n = m["csat_n"]
    return {"answers": n, "rate": rate(m["csat_satisfied"], n), "mean": round(m["csat_sum"] / n, 4) if n else None}


def nps(m: dict) -> dict:
    """NPS = % answers 9–10 − % answers 0–6 (scale 0–10), from −100 to 100."""
    n = m["nps_n"]
    score = round(100 * (m["nps_promoters"] - m["nps_detractors"]) / n, 4) if n else None
    return {"answers": n, "score": score}


def ces(m: dict) -> dict:
    """CES = mean of the answers (scale 1–7, lower is easier)."""
    n = m["ces_n"]
    return {"answers": n, "mean": round(m["ces_sum"] / n, 4) if n else None}


def survey_response_rate(m: dict) -> float | None:
    """Survey response rate = invitations sent in the period that were answered ÷ invitations sent."""
    return rate(m["invited_answered"], m["invited"])


def complaint_rate(m: dict, orders: int) -> float | None:
    """Complaint rate = complaint cases created ÷ orders placed in the period (all orders, also in
    a split: a row's share of the shop's rate)."""
    return rate(m["complaints"], orders)


def return_rate(returned: int, sold: int) -> float | None:
    """Return rate = units returned (lines of return and exchange cases not rejected or cancelled,
    by the day the case was opened) ÷ units sold (by the day the order was placed)."""
    return rate(returned, sold)


def cost(m: dict) -> dict:
    """Cost per case = (refunds + compensation + shipping out + shipping back + repair + handling)
    of the cases created in the period ÷ those cases."""
    parts = {column.removeprefix("cost_"): Decimal(m[column]) for column in COST_COLUMNS}
    total = sum(parts.values(), Decimal("0"))
    cases = m["created"]
    return {
        "cases": cases,
        "total": str(total.quantize(CENT)),
        "per_case": str((total / cases).quantize(CENT)) if cases else None,
        **{name: str(value.quantize(CENT)) for name, value in parts.items()},
    }


def kpis_of(m: dict, *, fr: tuple, res: tuple, orders: int, returned_sold: tuple[int, int] | None) -> dict:
    """Every KPI from one set of measures (and the percentiles, orders and units that go with it)."""
    return {
        "cases_created": m["created"],
        "cases_resolved": m["resolved"],
        "first_response": first_response(m, fr),
        "resolution_time": resolution_time(m, res),
        "first_contact_resolution": first_contact_resolution(m),
        "resolution_rate": resolution_rate(m),
        "reopen_rate": reopen_rate(m),
        "sla_first_response": sla_first_response(m),
        "sla_resolution": sla_resolution(m),
        "csat": csat(m),
        "nps": nps(m),
        "ces": ces(m),
        "survey_response_rate": survey_response_rate(m),
        "complaint_rate": complaint_rate(m, orders),
        "return_rate": return_rate(*returned_sold) if returned_sold else None,
        "cost": cost(m),
    }


def flat(k: dict) -> dict[str, float | None]:
    """The scalar figures of a KPIS dict, by the names of ``analytics.kpi_names.KPI_LABELS``."""
    return {
        "first_response_mean_hours": k["first_response"]["mean_hours"],
        "first_response_median_hours": k["first_response"]["median_hours"],
        "first_response_p90_hours": k["first_response"]["p90_hours"],
        "resolution_mean_hours": k["resolution_time"]["mean_hours"],
        "resolution_median_hours": k["resolution_time"]["median_hours"],
        "resolution_p90_hours": k["resolution_time"]["p90_hours"],
        "first_contact_resolution": k["first_contact_resolution"],
        "resolution_rate": k["resolution_rate"],
        "reopen_rate": k["reopen_rate"],
        "sla_first_response": k["sla_first_response"],
        "sla_resolution": k["sla_resolution"],
        "csat_rate": k["csat"]["rate"],
        "csat_mean": k["csat"]["mean"],
        "nps": k["nps"]["score"],
        "ces_mean": k["ces"]["mean"],
        "survey_response_rate": k["survey_response_rate"],
        "complaint_rate": k["complaint_rate"],
        "return_rate": k["return_rate"],
        "cost_per_case": None if k["cost"]["per_case"] is None else float(k["cost"]["per_case"]),
    }


def target_met(comparison: str, actual: float | None, target: Decimal) -> bool | None:
    if actual is None:
        return None
    value = float(target)
    return {
        "le": actual <= value,
        "ge": actual >= value,
        "lt": actual < value,
        "gt": actual > value,
    }[comparison]
