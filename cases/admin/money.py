"""Money in the admin: cost lines and the refund ledger (read only), the approval matrix and requests."""

from __future__ import annotations

from django.contrib import admin

from cases.models import (
    ApprovalLimit,
    ApprovalRequest,
    CostLine,
    Refund,
    RefundLine,
)
from core.admin import ReadOnlyAdmin


@admin.register(CostLine)
class CostLineAdmin(ReadOnlyAdmin):
    """Written by the desk's ``add_cost_line`` and the refund ledger, each with its event: read here."""

    list_display = ["case", "kind", "amount", "currency", "created_at"]
    list_filter = ["kind", "currency"]
    search_fields = ["case__number", "note"]
    raw_id_fields = ["case"]
    list_select_related = ["case"]


class RefundLineInline(admin.TabularInline):
    model = RefundLine
    extra = 0
    fields = ["order_line", "amount"]
    readonly_fields = fields  # type: ignore[assignment]  # plain field names, no groups
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Refund)
class RefundAdmin(ReadOnlyAdmin):
    """The refund ledger, read here: refunds are made by resolving a case (``cases.money.ledger``) and
    settled by the shop through the API; nobody writes them in the admin."""

    list_display = ["__str__", "case", "order", "amount", "currency", "status", "created_at"]
    list_filter = ["status", "resolution_type", "currency"]
    search_fields = ["case__number", "order__number", "key"]
    raw_id_fields = ["case", "order", "cost_line", "approval"]
    list_select_related = ["case", "order"]
    inlines = [RefundLineInline]


@admin.register(RefundLine)
class RefundLineAdmin(ReadOnlyAdmin):
    """The order lines a refund pays back; written with the refund by the ledger."""

    list_display = ["refund", "order_line", "amount"]
    search_fields = ["refund__case__number", "order_line__order__number", "order_line__sku"]
    raw_id_fields = ["refund", "order_line"]
    list_select_related = ["refund", "order_line"]


@admin.register(ApprovalLimit)
class ApprovalLimitAdmin(admin.ModelAdmin):
    """The refund approval matrix a manager edits: role × resolution → the most that role may grant."""

    list_display = ["role", "resolution_type", "max_amount"]
    list_editable = ["max_amount"]
    list_filter = ["role"]


@admin.register(ApprovalRequest)
class ApprovalRequestAdmin(ReadOnlyAdmin):
    list_display = [
        "case",
        "resolution_type",
        "refund_amount",
        "requested_by",
        "requested_at",
        "approved",
        "decided_by",
    ]
    list_filter = ["approved", "resolution_type"]
    search_fields = ["case__number"]
    list_select_related = ["case", "requested_by", "decided_by"]
