"""SLA in the admin: calendars, policies and settings (managers edit), clocks, follow-ups, notifications
and revisits (read only). A change of the rules calls ``cases.sla.recompute``.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from solo.admin import SingletonModelAdmin

from cases.models import (
    BusinessCalendar,
    CalendarDay,
    FollowUp,
    Notification,
    RevisitTask,
    ServiceSettings,
    SlaClock,
    SlaPolicy,
)
from cases.sla import follow_ups, recompute
from core.admin import ReadOnlyAdmin

# --- SLA: calendars, policies, settings (managers edit), clocks and follow-ups (read only) ------------


class CalendarDayInline(admin.TabularInline):
    model = CalendarDay
    extra = 1
    ordering = ["-date"]


@admin.register(BusinessCalendar)
class BusinessCalendarAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "time_zone", "updated_at"]
    search_fields = ["code", "name"]
    inlines = [CalendarDayInline]

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        recompute.calendar_changed(calendar=form.instance)


@admin.register(CalendarDay)
class CalendarDayAdmin(admin.ModelAdmin):
    list_display = ["date", "kind", "name", "calendar"]
    list_filter = ["calendar", "kind"]
    search_fields = ["name"]
    date_hierarchy = "date"

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        recompute.calendar_changed(calendar=obj.calendar)

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        recompute.calendar_changed(calendar=obj.calendar)


@admin.register(SlaPolicy)
class SlaPolicyAdmin(admin.ModelAdmin):
    list_display = [
        "position",
        "name",
        "active",
        "priorities",
        "channels",
        "kinds",
        "tiers",
        "first_response_minutes",
        "next_response_minutes",
        "resolution_minutes",
        "calendar",
    ]
    list_display_links = ["name"]
    list_editable = ["position", "active"]
    list_filter = ["active"]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        recompute.rules_changed()

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        recompute.rules_changed()

    def delete_queryset(self, request, queryset):
        super().delete_queryset(request, queryset)
        recompute.rules_changed()


@admin.register(ServiceSettings)
class ServiceSettingsAdmin(SingletonModelAdmin):
    pass


@admin.register(SlaClock)
class SlaClockAdmin(ReadOnlyAdmin):
    list_display = ["case", "kind", "state", "due_at", "warned_at", "breached_at", "stopped_at"]
    list_filter = ["kind", "state"]
    search_fields = ["case__number"]
    list_select_related = ["case"]


@admin.register(FollowUp)
class FollowUpAdmin(ReadOnlyAdmin):
    list_display = ["case", "kind", "due_at", "done_at", "cancelled_at"]
    list_filter = ["kind"]
    search_fields = ["case__number"]
    list_select_related = ["case"]


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "kind", "user", "email", "subject", "read_at", "status", "sent_at", "attempts"]
    list_filter = ["kind", "status"]
    search_fields = ["case__number", "email", "subject"]
    list_select_related = ["user", "case"]


@admin.register(RevisitTask)
class RevisitTaskAdmin(admin.ModelAdmin):
    list_display = ["case", "reason", "assignee", "due_at", "done_at"]
    list_filter = ["reason", ("done_at", admin.EmptyFieldListFilter)]
    search_fields = ["case__number"]
    list_select_related = ["case", "assignee"]
    readonly_fields = ["case", "reason", "note", "team", "assignee", "due_at", "created_at", "done_at"]
    actions = ["mark_done"]

    def has_add_permission(self, request):
        return False

    def save_model(self, request, obj, form, change):
        if "outcome" in form.changed_data and obj.done_at is None:
            follow_ups.complete_revisit(task=obj, actor=request.user, outcome=obj.outcome)
        else:
            super().save_model(request, obj, form, change)

    @admin.action(description=_("Mark done"), permissions=["change"])
    def mark_done(self, request, queryset):
        for task in queryset.filter(done_at__isnull=True):
            follow_ups.complete_revisit(task=task, actor=request.user, outcome=task.outcome)
        self.message_user(request, _("Marked done."), messages.SUCCESS)
