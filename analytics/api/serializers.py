"""Serializers of the KPI API, one per direction: ``WeightsIn`` validates a request, the others render.

The report's serializers describe what ``analytics.kpis.report`` returns (the views hand its dict
to the response as it is, so the figures are exactly the module's); they exist for the OpenAPI
schema, and ``tests/analytics/test_api.py`` checks that schema against a real answer key by key.
Rates are fractions from 0 to 1, times are hours, money is a string with two decimals; a figure
without a denominator (no cases, no answers) is null.
"""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from analytics.kpis import DIMENSIONS
from cases.models import Case

MONEY: dict[str, Any] = {"max_digits": 14, "decimal_places": 2}


def _rate(help_text: str = "") -> serializers.FloatField:
    return serializers.FloatField(allow_null=True, min_value=0, max_value=1, help_text=help_text or None)


def _hours(help_text: str) -> serializers.FloatField:
    return serializers.FloatField(allow_null=True, help_text=help_text)


# --- the KPI block (total, each split row, each scorecard) -------------------------------------------


class KpiDurationSerializer(serializers.Serializer):
    count = serializers.IntegerField(help_text="The cases measured.")
    mean_hours = _hours("Mean, in hours (wall clock).")
    median_hours = _hours("Median, in hours.")
    p90_hours = _hours("90th percentile, in hours.")


class KpiCsatSerializer(serializers.Serializer):
    answers = serializers.IntegerField()
    rate = _rate("Answers of 4 or 5 / all answers (scale 1-5).")
    mean = serializers.FloatField(allow_null=True, help_text="Mean score, 1-5.")


class KpiNpsSerializer(serializers.Serializer):
    answers = serializers.IntegerField()
    score = serializers.FloatField(
        allow_null=True, min_value=-100, max_value=100, help_text="% answers 9-10 minus % answers 0-6."
    )


class KpiCesSerializer(serializers.Serializer):
    answers = serializers.IntegerField()
    mean = serializers.FloatField(allow_null=True, help_text="Mean answer, 1-7 (lower is easier).")


class KpiCostSerializer(serializers.Serializer):
    cases = serializers.IntegerField(help_text="The cases the cost is spread over.")
    total = serializers.DecimalField(**MONEY)
    per_case = serializers.DecimalField(**MONEY, allow_null=True)
    refund = serializers.DecimalField(**MONEY)
    compensation = serializers.DecimalField(**MONEY)
    shipping_out = serializers.DecimalField(**MONEY)
    shipping_back = serializers.DecimalField(**MONEY)
    repair = serializers.DecimalField(**MONEY)
    handling = serializers.DecimalField(**MONEY)


class KpisSerializer(serializers.Serializer):
    """Every KPI of DESIGN.md §5 for one slice of the period (formulas: ``analytics.kpis``)."""

    cases_created = serializers.IntegerField()
    cases_resolved = serializers.IntegerField()
    first_response = KpiDurationSerializer(help_text="Created -> first public agent reply.")
    resolution_time = KpiDurationSerializer(help_text="Created -> resolved.")
    first_contact_resolution = _rate("Resolved, never reopened, at most one public agent reply / resolved.")
    resolution_rate = _rate("Resolved / created, of the cases created in the period.")
    reopen_rate = _rate("Resolved cases later reopened / resolved.")
    sla_first_response = _rate("First responses in time / first-response targets due in the period.")
    sla_resolution = _rate("Resolutions in time / resolution targets due in the period.")
    csat = KpiCsatSerializer()
    nps = KpiNpsSerializer()
    ces = KpiCesSerializer()
    survey_response_rate = _rate("Responses / invitations sent.")
    complaint_rate = _rate("Complaint cases created / orders placed.")
    return_rate = _rate("Units returned / units sold.")
    cost = KpiCostSerializer()


# --- the report -------------------------------------------------------------------------------------------


class ReportPeriodSerializer(serializers.Serializer):
    start = serializers.DateField(help_text="First local day, included.")
    end = serializers.DateField(help_text="Last local day, included.")
    days = serializers.IntegerField()
    time_zone = serializers.CharField(help_text="The shop's reporting time zone the days are in.")


class ReportRowSerializer(serializers.Serializer):
    value = serializers.CharField(help_text='The split value ("" for none, e.g. unassigned).')
    label = serializers.CharField()  # type: ignore[assignment]  # a field named like DRF's Field.label
    kpis = KpisSerializer()


class ReportTrendDaySerializer(serializers.Serializer):
    day = serializers.DateField()
    created = serializers.IntegerField()
    resolved = serializers.IntegerField()
    first_response_mean_hours = serializers.FloatField(allow_null=True)
    resolution_mean_hours = serializers.FloatField(allow_null=True)
    csat_rate = _rate()
    cost_total = serializers.DecimalField(**MONEY)


class BacklogBucketSerializer(serializers.Serializer):
    bucket = serializers.CharField(help_text="lt1d, 1to3d, 3to7d, 7to14d or gt14d.")
    label = serializers.CharField()  # type: ignore[assignment]  # a field named like DRF's Field.label


class BacklogStatusSerializer(serializers.Serializer):
    status = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]  # a field named like DRF's Field.label
    count = serializers.IntegerField()
    by_age = serializers.DictField(child=serializers.IntegerField(), help_text="Open cases per age bucket.")


class BacklogSerializer(serializers.Serializer):
    total = serializers.IntegerField(help_text="Open cases now.")
    buckets = BacklogBucketSerializer(many=True)
    by_status = BacklogStatusSerializer(many=True)


class ReturnsByProductSerializer(serializers.Serializer):
    product_id = serializers.IntegerField()
    sku = serializers.CharField()
    name = serializers.CharField()
    category = serializers.CharField()
    supplier = serializers.CharField()
    units_sold = serializers.IntegerField()
    units_returned = serializers.IntegerField()
    return_rate = _rate()


class ReturnsByCategorySerializer(serializers.Serializer):
    category = serializers.CharField()
    units_sold = serializers.IntegerField()
    units_returned = serializers.IntegerField()
    return_rate = _rate()


class ReturnsByReasonSerializer(serializers.Serializer):
    reason = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]  # a field named like DRF's Field.label
    units_returned = serializers.IntegerField()
    return_rate = _rate()


class ReturnsSerializer(serializers.Serializer):
    by_product = ReturnsByProductSerializer(many=True, help_text="The top 20 products by units returned.")
    by_category = ReturnsByCategorySerializer(many=True)
    by_reason = ReturnsByReasonSerializer(many=True)


class DefectsByProductSerializer(serializers.Serializer):
    product_id = serializers.IntegerField()
    sku = serializers.CharField()
    name = serializers.CharField()
    supplier = serializers.CharField()
    inspected = serializers.IntegerField()
    grade_a = serializers.IntegerField()
    grade_b = serializers.IntegerField()
    grade_c = serializers.IntegerField()
    grade_d = serializers.IntegerField()
    restock = serializers.IntegerField()
    refurbish = serializers.IntegerField()
    scrap = serializers.IntegerField()
    return_to_supplier = serializers.IntegerField()
    defect_rate = _rate("(grade C + grade D) / inspected.")


class DefectsBySupplierSerializer(serializers.Serializer):
    supplier = serializers.CharField()
    inspected = serializers.IntegerField()
    defective = serializers.IntegerField()
    scrap = serializers.IntegerField()
    return_to_supplier = serializers.IntegerField()
    defect_rate = _rate()


class DefectsSerializer(serializers.Serializer):
    by_product = DefectsByProductSerializer(many=True, help_text="The top 20 products by lines inspected.")
    by_supplier = DefectsBySupplierSerializer(many=True)


class TargetResultSerializer(serializers.Serializer):
    kpi = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]  # a field named like DRF's Field.label
    comparison = serializers.ChoiceField(choices=["le", "ge", "lt", "gt"])
    target = serializers.FloatField(help_text="Rates as fractions, times in hours.")
    actual = serializers.FloatField(allow_null=True)
    met = serializers.BooleanField(allow_null=True, help_text="Null when there is no actual figure.")


class ReportSerializer(serializers.Serializer):
    """The KPI report of a period: totals, split rows, the daily trend, backlog, returns, defects, targets."""

    period = ReportPeriodSerializer()
    split = serializers.ChoiceField(choices=DIMENSIONS, allow_null=True)
    filters = serializers.DictField(child=serializers.CharField(), help_text="The dimension filters applied.")
    source = serializers.CharField(help_text="rollup or live: where the figures were read.")  # type: ignore[assignment]
    generated_at = serializers.DateTimeField()
    total = KpisSerializer()
    rows = ReportRowSerializer(many=True, help_text="One per split value; empty without a split.")
    trend = ReportTrendDaySerializer(many=True, help_text="One per day of the period.")
    backlog = BacklogSerializer()
    returns = ReturnsSerializer()
    defects = DefectsSerializer()
    targets = TargetResultSerializer(many=True)


# --- the drill-down -------------------------------------------------------------------------------------


class DrillCaseSerializer(serializers.ModelSerializer):
    """A case behind a figure."""

    agent: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        source="assignee", slug_field="username", read_only=True, allow_null=True, help_text="The assignee's username."
    )
    team: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        slug_field="code", read_only=True, allow_null=True, help_text="The team's code."
    )

    class Meta:
        model = Case
        fields = ["number", "kind", "channel", "status", "created_at", "agent", "team"]
        read_only_fields = fields


# --- scorecards -----------------------------------------------------------------------------------------


def _area(help_text: str) -> serializers.FloatField:
    return serializers.FloatField(allow_null=True, min_value=1, max_value=5, help_text=help_text)


class ScorecardAreasSerializer(serializers.Serializer):
    """Each area scored 1-5 (satisfaction: the mean CSAT score itself); null when nothing to measure."""

    speed = _area("From the median first response time.")
    attitude = _area("From the share of survey answers that complain.")
    professionalism = _area("From the first-contact resolution.")
    efficiency = _area("From the median resolution time.")
    satisfaction = _area("The mean CSAT score.")


class WeightsSerializer(serializers.Serializer):
    """The scorecard's weights in percent; the five sum to 100."""

    speed = serializers.IntegerField(min_value=0, max_value=100)
    attitude = serializers.IntegerField(min_value=0, max_value=100)
    professionalism = serializers.IntegerField(min_value=0, max_value=100)
    efficiency = serializers.IntegerField(min_value=0, max_value=100)
    satisfaction = serializers.IntegerField(min_value=0, max_value=100)


class ScorecardSerializer(serializers.Serializer):
    agent_id = serializers.IntegerField()
    name = serializers.CharField()
    kpis = KpisSerializer()
    scores = ScorecardAreasSerializer()
    score = serializers.FloatField(
        allow_null=True, help_text="Σ weight x score / Σ weight over the scored areas, 1-5; null when none is."
    )
    weights = WeightsSerializer()


# --- errors ---------------------------------------------------------------------------------------------


class BadRequestSerializer(serializers.Serializer):
    """A bad query parameter or value: what is wrong, in the user's language, and which one."""

    detail = serializers.CharField()
    field = serializers.CharField(allow_null=True)
