"""The names of the scalar KPI figures a target can be set on, with what a person reads for each.

A module of its own, importing nothing of the app: ``analytics.models`` checks a ``KpiTarget``'s
name against it, and the KPI package (``analytics.kpis``, which reads the models) maps each name
to its figure in ``analytics.kpis.formulas.flat``.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy

# The scalar figures a target can be set on, with their labels.
KPI_LABELS = {
    "first_response_mean_hours": gettext_lazy("First response time, mean (hours)"),
    "first_response_median_hours": gettext_lazy("First response time, median (hours)"),
    "first_response_p90_hours": gettext_lazy("First response time, p90 (hours)"),
    "resolution_mean_hours": gettext_lazy("Resolution time, mean (hours)"),
    "resolution_median_hours": gettext_lazy("Resolution time, median (hours)"),
    "resolution_p90_hours": gettext_lazy("Resolution time, p90 (hours)"),
    "first_contact_resolution": gettext_lazy("First-contact resolution"),
    "resolution_rate": gettext_lazy("Resolution rate"),
    "reopen_rate": gettext_lazy("Reopen rate"),
    "sla_first_response": gettext_lazy("SLA compliance, first response"),
    "sla_resolution": gettext_lazy("SLA compliance, resolution"),
    "csat_rate": gettext_lazy("CSAT (share of 4 and 5)"),
    "csat_mean": gettext_lazy("CSAT, mean score"),
    "nps": gettext_lazy("NPS"),
    "ces_mean": gettext_lazy("CES, mean (lower is easier)"),
    "survey_response_rate": gettext_lazy("Survey response rate"),
    "complaint_rate": gettext_lazy("Complaint rate"),
    "return_rate": gettext_lazy("Return rate"),
    "cost_per_case": gettext_lazy("Cost per case"),
}
KPI_NAMES = tuple(KPI_LABELS)
