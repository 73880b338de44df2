"""The dashboard's forms: a KPI target (the scorecard weights are read by ``analytics.scorecards``)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy

from analytics import kpis
from analytics.models import Comparison, KpiTarget
from analytics.presenters.figures import TILE_BY_KEY, tile_label

# The KPIs a target makes sense on: the scalar figures kpis.report compares targets with.
TARGET_KPIS = tuple(key for key in kpis.KPI_NAMES if key in TILE_BY_KEY)


class KpiTargetForm(forms.ModelForm):
    kpi = forms.ChoiceField(label=gettext_lazy("KPI"), choices=())

    class Meta:
        model = KpiTarget
        fields = ["kpi", "comparison", "value", "active"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kpi"].choices = [(key, tile_label(TILE_BY_KEY[key])) for key in TARGET_KPIS]
        self.fields["comparison"].choices = Comparison.choices
