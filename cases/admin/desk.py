"""Macros of the workbench's queue (a canned reply plus tags, priority and a step) and the saved views."""

from __future__ import annotations

from django.contrib import admin

from cases.models import Macro, SavedView


@admin.register(Macro)
class MacroAdmin(admin.ModelAdmin):
    list_display = ["position", "title", "reply", "tags", "priority", "step", "active"]
    list_display_links = ["title"]
    list_editable = ["position", "active"]
    list_select_related = ["reply"]
    search_fields = ["title", "tags"]


@admin.register(SavedView)
class SavedViewAdmin(admin.ModelAdmin):
    """Read here; saved, renamed and deleted on the desk (cases.workflow.saved_views checks the filters)."""

    list_display = ["name", "owner", "shared", "created_at"]
    list_select_related = ["owner"]
    readonly_fields = ["owner", "name", "filters", "shared", "created_at"]

    def has_add_permission(self, request) -> bool:
        return False
