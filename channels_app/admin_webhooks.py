"""Admin of the shop's webhooks: the endpoints (administrators) and the delivery log.

The log is read-only: rows are written by ``shop_webhooks`` only. Administrators (who may change
deliveries) replay deliveries and send test events; managers read endpoints and the log; the
signing secret is write-only for everyone (``core.secret_admin``: "set" / "not set", shown once
when generated); agents see neither. Both actions go through ``shop_webhooks`` and the outbox:
nothing is sent from inside the request.
"""

from __future__ import annotations

import json
import uuid

from django import forms
from django.contrib import admin, messages
from django.db.models import Count, Q
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from channels_app import shop_webhooks
from channels_app.models import ShopWebhook, WebhookDelivery, WebhookDeliveryStatus, WebhookEventType
from core.secret_admin import SecretFieldsAdminMixin


class ShopWebhookForm(forms.ModelForm):
    url = forms.URLField(label=_("URL"), max_length=200, assume_scheme="https")
    events = forms.MultipleChoiceField(
        label=_("events"),
        choices=WebhookEventType.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Event types to send; none ticked: all of them."),
    )

    class Meta:
        model = ShopWebhook
        fields = ["name", "url", "active", "events", "secret"]


@admin.register(ShopWebhook)
class ShopWebhookAdmin(SecretFieldsAdminMixin, admin.ModelAdmin):
    form = ShopWebhookForm
    list_display = ["name", "url", "active", "event_list", "pending_count", "failed_count", "log_link"]
    list_filter = ["active"]
    search_fields = ["name", "url"]
    actions = ["send_test_event"]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                pending_deliveries=Count("deliveries", filter=Q(deliveries__status=WebhookDeliveryStatus.PENDING)),
                failed_deliveries=Count("deliveries", filter=Q(deliveries__status=WebhookDeliveryStatus.FAILED)),
            )
        )

    @admin.display(description=_("events"))
    def event_list(self, obj):
        if not obj.events:
            return _("all")
        labels = dict(WebhookEventType.choices)
        return ", ".join(str(labels.get(e, e)) for e in obj.events)

    @admin.display(description=_("pending"), ordering="pending_deliveries")
    def pending_count(self, obj):
        return obj.pending_deliveries

    @admin.display(description=_("failed"), ordering="failed_deliveries")
    def failed_count(self, obj):
        return obj.failed_deliveries

    @admin.display(description=_("delivery log"))
    def log_link(self, obj):
        url = reverse("admin:channels_app_webhookdelivery_changelist") + f"?endpoint__id__exact={obj.pk}"
        return format_html('<a href="{}">{}</a>', url, _("deliveries"))

    @admin.action(description=_("Send a test event"), permissions=["change"])
    def send_test_event(self, request, queryset):
        sent = 0
        for endpoint in queryset:
            if not endpoint.active:
                self.message_user(
                    request,
                    gettext("%(endpoint)s is not active: switch it on to send it events.") % {"endpoint": endpoint},
                    messages.WARNING,
                )
                continue
            shop_webhooks.send_test_event(endpoint=endpoint)
            sent += 1
        if sent:
            self.message_user(
                request,
                ngettext(
                    "A test event was queued for %(n)s endpoint; its result shows in the delivery log.",
                    "A test event was queued for %(n)s endpoints; their results show in the delivery log.",
                    sent,
                )
                % {"n": sent},
                messages.SUCCESS,
            )


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    list_display = [
        "created_at",
        "event_type",
        "endpoint",
        "case",
        "status",
        "attempts",
        "last_status_code",
        "next_attempt_at",
        "delivered_at",
    ]
    list_filter = ["status", "event_type", "endpoint"]
    search_fields = ["case__number", "endpoint__name"]
    list_select_related = ["endpoint", "case"]
    date_hierarchy = "created_at"
    actions = ["replay_selected"]
    fields = [
        "endpoint",
        "event_type",
        "event_id",
        "case",
        "status",
        "attempts",
        "last_status_code",
        "last_error",
        "next_attempt_at",
        "delivered_at",
        "created_at",
        "payload_pretty",
    ]
    readonly_fields = fields  # type: ignore[assignment]  # plain field names, no groups

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False  # the log is written by the outbox only

    def has_delete_permission(self, request, obj=None):
        return False

    def has_replay_permission(self, request):
        return request.user.has_perm("channels_app.change_webhookdelivery")

    def get_search_results(self, request, queryset, search_term):
        """Search by case number or endpoint name, and by the event id the shop quotes."""
        term = search_term.strip()
        try:
            event_id = uuid.UUID(term)
        except ValueError:
            return super().get_search_results(request, queryset, search_term)
        return queryset.filter(event_id=event_id), False

    @admin.display(description=_("payload"))
    def payload_pretty(self, obj):
        return format_html("<pre>{}</pre>", json.dumps(obj.payload, indent=2, ensure_ascii=False, sort_keys=True))

    @admin.action(description=_("Replay selected deliveries"), permissions=["replay"])
    def replay_selected(self, request, queryset):
        count = shop_webhooks.replay(deliveries=queryset, actor=request.user)
        self.message_user(
            request,
            ngettext(
                "%(n)s delivery will be sent again with its event id.",
                "%(n)s deliveries will be sent again with their event ids.",
                count,
            )
            % {"n": count},
            messages.SUCCESS,
        )
