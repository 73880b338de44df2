"""The survey answers' filters and pages in the feedback API (``feedback.api.views``): the list's
filters, its keyset pages, and the export's parameters (the same filters, and ``format``)."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import django_filters
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework.negotiation import DefaultContentNegotiation

from cases.models import CaseKind, Channel
from core.pagination import KeysetOrdering, KeysetPagination
from feedback.models import ResponseSource, SurveyResponse


def _start_of(day) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min), timezone.get_current_timezone())


class ResponseFilter(django_filters.FilterSet):
    """Filters of the answers; the dates are whole days in the site's time zone, both included."""

    answered_from = django_filters.DateFilter(
        method="filter_answered_from", input_formats=["%Y-%m-%d"], help_text="First day (YYYY-MM-DD), included."
    )
    answered_to = django_filters.DateFilter(
        method="filter_answered_to", input_formats=["%Y-%m-%d"], help_text="Last day (YYYY-MM-DD), included."
    )
    channel = django_filters.ChoiceFilter(choices=Channel.choices)
    kind = django_filters.ChoiceFilter(choices=CaseKind.choices)
    team = django_filters.CharFilter(field_name="team__code", help_text="The team's code.")
    source = django_filters.ChoiceFilter(choices=ResponseSource.choices)

    class Meta:
        model = SurveyResponse
        fields = ["answered_from", "answered_to", "channel", "kind", "team", "source"]

    # Ranges on the column itself (not ``__date``), so that the index ``response_by_answered`` serves them.
    def filter_answered_from(self, queryset, name, value):
        return queryset.filter(answered_at__gte=_start_of(value))

    def filter_answered_to(self, queryset, name, value):
        return queryset.filter(answered_at__lt=_start_of(value + timedelta(days=1)))


class ResponsePagination(KeysetPagination):
    """Newest answer first, by keyset on (answered_at, id): the index ``response_by_answered``."""

    orderings = {"-answered_at": KeysetOrdering("answered_at", descending=True)}
    default_ordering = "-answered_at"

    def get_schema_operation_parameters(self, view) -> list[dict]:
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.ordering_query_param:
                parameter["description"] = "`-answered_at`: newest answer first (the only order)."
        return parameters


class IgnoreFormatParameter(DefaultContentNegotiation):
    """``?format=`` names the export's file format here, not a DRF renderer; errors are JSON."""

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


# The list's filters, named for the export's schema (the filter extension describes list views only).
EXPORT_FILTERS = [
    OpenApiParameter("answered_from", OpenApiTypes.DATE, description="First day (YYYY-MM-DD), included."),
    OpenApiParameter("answered_to", OpenApiTypes.DATE, description="Last day (YYYY-MM-DD), included."),
    OpenApiParameter("channel", str, enum=Channel.values),
    OpenApiParameter("kind", str, enum=CaseKind.values),
    OpenApiParameter("team", str, description="The team's code."),
    OpenApiParameter("source", str, enum=ResponseSource.values),
]
