"""Admin base classes every app's admin may build on (the personal-data masking mixin is
``core.admin_masking``). The kernel registers no model: each app registers its own."""

from __future__ import annotations

from django.contrib import admin


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows written only by the services: read and searched here, never edited."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
