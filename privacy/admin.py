"""Admin of personal data: the audit log (read only). The export and erasure actions and the masked lists on
other apps' admins are in ``privacy.admin_extensions``."""

from __future__ import annotations

from django.contrib import admin

from core.admin import ReadOnlyAdmin
from privacy.models import AuditLog


@admin.register(AuditLog)
class AuditLogAdmin(ReadOnlyAdmin):
    list_display = ["at", "actor_label", "action", "customer_ref", "case_number", "reason", "ip"]
    list_filter = ["action"]
    search_fields = ["actor_label", "case_number", "reason", "=customer_ref"]
    date_hierarchy = "at"
    readonly_fields = [f.name for f in AuditLog._meta.fields]
