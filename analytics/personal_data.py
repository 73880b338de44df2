"""The registry of ``core.personal_data`` for this app (called from ``AnalyticsConfig.ready``):
the facts and rollups hold codes, counts and amounts, never a customer's name or words."""

from __future__ import annotations

from analytics.models import CaseFact, DailyProductStat, DailyStat, KpiTarget, ReportDelivery
from core.personal_data import not_personal

CODE = "a code, dimension or value of a split (channel, kind, reason, tier, status, complaint category, an id)"


def register_all() -> None:
    not_personal(CaseFact, fields=["channel", "kind", "reason", "tier", "status", "complaint_category"], reason=CODE)
    not_personal(DailyStat, fields=["dim", "value"], reason=CODE)
    not_personal(DailyProductStat, fields=["reason"], reason=CODE)
    not_personal(KpiTarget, fields=["kpi", "comparison"], reason=CODE)
    not_personal(
        ReportDelivery,
        fields=["period", "recipients", "last_error"],
        reason="report e-mails to the staff: the staff's addresses, no customer's",
    )
