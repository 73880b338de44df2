"""Admin for analytics: the targets and the scorecard weights (managers), the rollup state (read)."""

from __future__ import annotations

from django.contrib import admin
from solo.admin import SingletonModelAdmin

from analytics.models import KpiTarget, RollupState, ScorecardSettings


@admin.register(KpiTarget)
class KpiTargetAdmin(admin.ModelAdmin):
    list_display = ("kpi", "comparison", "value", "active")
    list_editable = ("comparison", "value", "active")


@admin.register(ScorecardSettings)
class ScorecardSettingsAdmin(SingletonModelAdmin):
    pass


@admin.register(RollupState)
class RollupStateAdmin(SingletonModelAdmin):
    readonly_fields = ("sealed_through", "orders_seen_until", "refreshed_at")

    def has_change_permission(self, request, obj=None) -> bool:
        return False
