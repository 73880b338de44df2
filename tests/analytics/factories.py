"""factory_boy factories for the analytics app. Its other rows (facts, rollups) are derived from
cases by analytics.rollups: make cases through the services (tests/analytics/kpi_data.py) and
refresh, rather than writing derived rows by hand."""

from __future__ import annotations

from decimal import Decimal

import factory

from analytics.models import KpiTarget


class KpiTargetFactory(factory.django.DjangoModelFactory):
    """By default: CSAT at or above 90 %."""

    class Meta:
        model = KpiTarget

    kpi = "csat"
    comparison = "ge"
    value = Decimal("90")
