"""Filters of the case list (django-filter); each one is a column the list indexes or joins."""

from __future__ import annotations

import django_filters

from cases.models import Case, CaseKind, CaseStatus, Channel, Priority


class CaseFilter(django_filters.FilterSet):
    status = django_filters.MultipleChoiceFilter(
        choices=CaseStatus.choices, help_text="One or more statuses (repeat the parameter)."
    )
    kind = django_filters.ChoiceFilter(choices=CaseKind.choices)
    channel = django_filters.ChoiceFilter(choices=Channel.choices)
    priority = django_filters.ChoiceFilter(choices=Priority.choices)
    assignee = django_filters.NumberFilter(field_name="assignee_id", help_text="The assignee's user id.")
    team = django_filters.CharFilter(field_name="team__code", help_text="The team's code.")
    customer = django_filters.NumberFilter(field_name="customer_id", help_text="The customer's id.")
    order = django_filters.CharFilter(field_name="order__number", help_text="The order number.")

    class Meta:
        model = Case
        fields = ["status", "kind", "channel", "priority", "assignee", "team", "customer", "order"]
