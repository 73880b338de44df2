"""The return policy in the admin: policies and their rules, edited by managers."""

from __future__ import annotations

from django.contrib import admin

from cases.models import (
    ReturnPolicy,
    ReturnPolicyRule,
)


class ReturnPolicyRuleInline(admin.StackedInline):
    model = ReturnPolicyRule
    extra = 0
    fields = [
        ("position", "active", "rule_type", "outcome"),
        ("name_en", "name_zh"),
        ("kinds", "reasons", "tiers"),
        ("categories", "skus", "product_flags", "only_if_opened"),
        ("days", "months", "vip_extra_days", "amount_over"),
    ]


@admin.register(ReturnPolicy)
class ReturnPolicyAdmin(admin.ModelAdmin):
    list_display = [
        "code",
        "version",
        "name_en",
        "name_zh",
        "region",
        "is_statutory",
        "effective_from",
        "effective_until",
        "active",
    ]
    list_filter = ["active", "region", "is_statutory"]
    search_fields = ["code", "name_en", "name_zh"]
    inlines = [ReturnPolicyRuleInline]


@admin.register(ReturnPolicyRule)
class ReturnPolicyRuleAdmin(admin.ModelAdmin):
    list_display = ["name_en", "name_zh", "policy", "rule_type", "days", "months", "outcome", "active", "position"]
    list_filter = ["rule_type", "active", "policy"]
    search_fields = ["name_en", "name_zh"]
    list_select_related = ["policy"]
