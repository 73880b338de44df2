"""Django admin for every model of the cases app; the state machine's steps are buttons on a case.

Steps and edits go through ``cases.services`` so the admin writes the same CaseEvent rows, bumps
the same version and honours the same permissions as the API.
"""

from __future__ import annotations

import logging

from django import forms
from django.contrib import admin, messages
from django.db import transaction
from django.utils.translation import gettext_lazy as _
from django_fsm.admin import FSMAdminMixin
from solo.admin import SingletonModelAdmin

from cases import selectors, services
from cases.exceptions import CaseError
from cases.models import (
    AgentProfile,
    ApprovalLimit,
    ApprovalRequest,
    Article,
    Attachment,
    BusinessCalendar,
    CalendarDay,
    CannedReply,
    Case,
    CaseEvent,
    CaseLine,
    CaseNumberCounter,
    CostLine,
    Customer,
    FollowUp,
    InspectionGrade,
    Notification,
    Order,
    OrderLine,
    Product,
    ProductVariant,
    Refund,
    RefundLine,
    ResolutionType,
    ReturnPolicy,
    ReturnPolicyRule,
    RevisitTask,
    RoutingRule,
    ServiceSettings,
    SlaClock,
    SlaPolicy,
    Tag,
    Team,
)
from cases.sla import clocks as sla
from cases.sla import follow_ups
from core import phones
from core.admin_masking import PersonalDataAdminMixin

# --- forms for the steps that take input -----------------------------------------------------------


class RejectForm(forms.Form):
    reason = forms.CharField(label=_("Reason the customer will see"), widget=forms.Textarea, max_length=2000)


class ShipReturnForm(forms.Form):
    carrier = forms.CharField(label=_("Carrier"), max_length=32, required=False)
    tracking_number = forms.CharField(label=_("Return tracking number"), max_length=64, required=False)


class InspectForm(forms.Form):
    passed = forms.TypedChoiceField(
        label=_("Inspection passed"),
        choices=[("1", _("Yes")), ("0", _("No"))],
        coerce=lambda v: v == "1",
    )
    grade = forms.ChoiceField(label=_("Condition grade"), choices=[("", "—"), *InspectionGrade.choices], required=False)
    inspection_note = forms.CharField(label=_("Note"), widget=forms.Textarea, required=False)


class ResolveForm(forms.Form):
    resolution_type = forms.ChoiceField(label=_("Resolution"), choices=ResolutionType.choices)
    refund_amount = forms.DecimalField(label=_("Refund amount"), max_digits=12, decimal_places=2, required=False)
    resolution_note = forms.CharField(label=_("Note"), widget=forms.Textarea, required=False)


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows written only by the services: read and searched here, never edited."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


# --- inlines -------------------------------------------------------------------------------------------


class CaseLineInline(admin.TabularInline):
    model = CaseLine
    extra = 0
    raw_id_fields = ["order_line", "requested_variant"]

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class CaseEventInline(admin.TabularInline):
    """The audit trail: read-only."""

    model = CaseEvent
    extra = 0
    fields = ["created_at", "type", "actor_label", "from_status", "to_status", "channel", "public", "note"]
    readonly_fields = fields
    can_delete = False
    ordering = ["created_at", "id"]

    def has_add_permission(self, request, obj=None):
        return False


class CostLineInline(admin.TabularInline):
    """Cost lines are written by the desk's ``add_cost_line`` and the refund ledger, with their
    events; here they are only read."""

    model = CostLine
    extra = 0
    fields = ["kind", "amount", "currency", "note", "created_by", "created_at"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class AttachmentInline(admin.TabularInline):
    model = Attachment
    extra = 0
    fields = ["original_name", "content_type", "size", "public", "created_at"]
    readonly_fields = fields


# Set by the services only (transitions, the SLA clocks, the refund ledger): shown, never a form field.
CASE_SERVICE_FIELDS = [
    "status",
    "channel",
    "currency",
    "first_response_due_at",
    "next_response_due_at",
    "resolution_due_at",
    "sla_due_at",
    "first_responded_at",
    "replacement_carrier",
    "replacement_tracking_number",
    "replacement_shipped_at",
]
ASSIGNMENT_FIELDS = ("team", "assignee", "priority")


class CaseAdminForm(forms.ModelForm):
    """The case's change form: a new team, assignee or priority is checked as the desk checks it."""

    actor = None  # the user who posts, set by CaseAdmin.get_form

    def clean(self):
        cleaned = super().clean()
        if self.actor is not None and set(ASSIGNMENT_FIELDS) & set(self.changed_data):
            team, assignee = cleaned.get("team"), cleaned.get("assignee")
            try:
                services.check_assignment(
                    actor=self.actor,
                    team_id=team.pk if team else None,
                    assignee_id=assignee.pk if assignee else None,
                    priority=cleaned.get("priority") or "",
                )
            except CaseError as exc:
                raise forms.ValidationError(exc.message) from None
        return cleaned


@admin.register(Case)
class CaseAdmin(PersonalDataAdminMixin, FSMAdminMixin, admin.ModelAdmin):
    form = CaseAdminForm
    personal_fields = {"customer": "customer"}
    fsm_fields = ["status"]
    fsm_forms = {
        "reject": RejectForm,
        "ship_return": ShipReturnForm,
        "inspect": InspectForm,
        "resolve": ResolveForm,
    }
    list_display = [
        "number",
        "kind",
        "status",
        "channel",
        "priority",
        "customer",
        "order",
        "assignee",
        "sla_due_at",
        "created_at",
    ]
    list_filter = ["status", "kind", "channel", "priority", "team", "policy_outcome", "customer__tier"]
    search_fields = ["number", "order__number", "customer__name", "customer__email", "customer__phone"]
    list_select_related = ["customer", "order", "assignee"]
    raw_id_fields = ["customer", "order", "assignee"]
    filter_horizontal = ["tags"]
    date_hierarchy = "created_at"
    readonly_fields = [
        "number",
        "version",
        "kind",
        "customer",
        "order",
        "created_at",
        "updated_at",
        "approved_at",
        "resolved_at",
        "closed_at",
        "reopened_count",
        "policy_outcome",
        "policy_rule",
        "policy_explanation",
        "rejection_reason",
        "return_carrier",
        "return_tracking_number",
        "inspection_passed",
        "inspection_grade",
        "inspection_note",
        "resolution_type",
        "refund_amount",
        "resolution_note",
        *CASE_SERVICE_FIELDS,
    ]
    fieldsets = [
        (None, {"fields": ["number", "status", "kind", "channel", "priority", "customer", "order", "version"]}),
        (_("Request"), {"fields": ["reason_code", "subject", "reason_text", "tags"]}),
        (_("Assignment"), {"fields": ["team", "assignee"]}),
        (_("Policy decision"), {"fields": ["policy_outcome", "policy_rule", "policy_explanation", "rejection_reason"]}),
        (
            _("Return and inspection"),
            {
                "fields": [
                    "return_carrier",
                    "return_tracking_number",
                    "inspection_passed",
                    "inspection_grade",
                    "inspection_note",
                ]
            },
        ),
        (_("Resolution"), {"fields": ["resolution_type", "refund_amount", "currency", "resolution_note"]}),
        (
            _("SLA and times"),
            {
                "fields": [
                    "first_response_due_at",
                    "next_response_due_at",
                    "resolution_due_at",
                    "sla_due_at",
                    "first_responded_at",
                    "created_at",
                    "updated_at",
                    "approved_at",
                    "resolved_at",
                    "closed_at",
                    "reopened_count",
                ]
            },
        ),
    ]
    inlines = [CaseLineInline, CostLineInline, AttachmentInline, CaseEventInline]

    def get_fsm_label(self, transition):
        return str(transition.custom.get("label") or transition.name)

    def has_add_permission(self, request):
        # Cases are opened through the channels and the API, where the policy decides at once.
        return False

    def get_queryset(self, request):
        # The desk's team restriction holds here too (DESK_TEAMS_RESTRICT).
        return super().get_queryset(request).filter(selectors.visible_to(request.user))

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        return type(form.__name__, (form,), {"actor": request.user})

    def save_model(self, request, obj, form, change):
        # Team, assignee and priority go through the desk's assignment service (its checks, its
        # event, the SLA clocks); the other fields of the form are recorded in the same event.
        wanted = {name: getattr(obj, f"{name}_id" if name != "priority" else name) for name in ASSIGNMENT_FIELDS}
        stored = Case.objects.values("team_id", "assignee_id", "priority").get(pk=obj.pk)
        obj.team_id, obj.assignee_id, obj.priority = stored["team_id"], stored["assignee_id"], stored["priority"]
        try:
            services.reassign_case(
                case=obj,
                actor=request.user,
                team_id=wanted["team"],
                assignee_id=wanted["assignee"],
                priority=wanted["priority"],
                also_changed=[name for name in form.changed_data if name not in ASSIGNMENT_FIELDS],
            )
        except CaseError as exc:
            self.message_user(request, exc.message, level=messages.ERROR)

    def _apply_fsm_transition(self, *, obj, transition_name, request, kwargs=None):
        """Run the step through the service (event, version, permission) instead of obj.save()."""
        try:
            services.transition_case(case=obj, name=transition_name, actor=request.user, **(kwargs or {}))
        except CaseError as exc:
            self.message_user(request, exc.message, level=messages.ERROR)
            return False
        self.message_user(
            request,
            _("Case %(number)s: %(step)s done.") % {"number": obj.number, "step": transition_name},
            level=messages.SUCCESS,
        )
        return True


@admin.register(CaseEvent)
class CaseEventAdmin(ReadOnlyAdmin):
    """The audit trail can be read and searched, never edited."""

    list_display = ["case", "type", "transition", "from_status", "to_status", "actor_label", "public", "created_at"]
    list_filter = ["type", "public", "channel"]
    search_fields = ["case__number", "note"]
    list_select_related = ["case"]
    date_hierarchy = "created_at"


class OrderLineInline(admin.TabularInline):
    model = OrderLine
    extra = 0
    raw_id_fields = ["product", "variant"]
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Order)
class OrderAdmin(PersonalDataAdminMixin, ReadOnlyAdmin):
    """The shop's orders as it pushed them (the API): paid amounts and currency are its word."""

    personal_fields = {"customer": "customer", "shipping_address": "address"}

    list_display = ["number", "customer", "status", "placed_at", "delivered_at", "paid_amount", "currency"]
    list_filter = ["status", "currency"]
    search_fields = ["number", "customer__name", "customer__email", "customer__phone"]
    list_select_related = ["customer"]
    raw_id_fields = ["customer"]
    inlines = [OrderLineInline]


@admin.register(OrderLine)
class OrderLineAdmin(ReadOnlyAdmin):
    list_display = ["order", "line_no", "sku", "name", "quantity", "unit_price", "paid_amount"]
    search_fields = ["order__number", "sku", "name"]
    raw_id_fields = ["order", "product", "variant"]
    list_select_related = ["order"]


class CustomerAdminForm(forms.ModelForm):
    phone = phones.PhoneNumberField(label=_("phone"), required=False)  # stored as E.164

    class Meta:
        model = Customer
        fields = ["external_id", "name", "email", "phone", "tier", "language", "dedicated_agent"]


@admin.register(Customer)
class CustomerAdmin(PersonalDataAdminMixin, admin.ModelAdmin):
    form = CustomerAdminForm
    personal_fields = {"name": "name", "email": "email", "phone": "phone"}
    list_display = ["name", "email", "phone", "tier", "language", "created_at"]
    list_filter = ["tier", "language"]
    search_fields = ["name", "email", "phone", "external_id"]

    def customer_of(self, obj) -> int | None:
        return obj.pk

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if change and "tier" in form.changed_data:
            # The SLA targets depend on the tier.
            sla.recompute_customer_cases(customer=obj)


class ProductVariantInline(admin.TabularInline):
    model = ProductVariant
    extra = 0


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = ["sku", "name", "category", "supplier", "returnable", "flags"]
    list_filter = ["category", "returnable"]
    search_fields = ["sku", "name", "supplier"]
    inlines = [ProductVariantInline]


@admin.register(ProductVariant)
class ProductVariantAdmin(admin.ModelAdmin):
    list_display = ["sku", "name", "product", "in_stock"]
    search_fields = ["sku", "name", "product__name"]
    raw_id_fields = ["product"]


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


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "lead"]
    search_fields = ["name", "code"]
    filter_horizontal = ["members"]


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    search_fields = ["name"]


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
    readonly_fields = fields
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


@admin.register(Attachment)
class AttachmentAdmin(ReadOnlyAdmin):
    """Uploaded through the portal and the desk (their checks, their events); the admin reads them."""

    list_display = ["original_name", "case", "content_type", "size", "public", "created_at"]
    search_fields = ["case__number", "original_name"]
    raw_id_fields = ["case"]
    list_select_related = ["case"]


@admin.register(CaseLine)
class CaseLineAdmin(ReadOnlyAdmin):
    """Case lines are written with their case (create_case); here they can be looked up."""

    list_display = ["case", "order_line", "quantity", "opened", "requested_variant"]
    search_fields = ["case__number", "order_line__sku", "order_line__order__number"]
    raw_id_fields = ["case", "order_line", "requested_variant"]
    list_select_related = ["case", "order_line"]


@admin.register(CaseNumberCounter)
class CaseNumberCounterAdmin(ReadOnlyAdmin):
    """The last case number per year, for reference; the service hands numbers out."""

    list_display = ["year", "last"]


# --- SLA: calendars, policies, settings (managers edit), clocks and follow-ups (read only) ------------

log = logging.getLogger(__name__)


def recompute_after_commit() -> None:
    """Move the due times of open cases once the edit is committed (in the background)."""

    def queue():
        from cases.tasks import recompute_clocks

        try:
            recompute_clocks.delay()
        except Exception:  # the broker is down: the edit stands; due times move at the next change
            log.warning("Could not queue recompute_clocks after an SLA edit.", exc_info=True)

    transaction.on_commit(queue)


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
        # A changed day must reach the cached compiled calendar (keyed by updated_at).
        form.instance.save(update_fields=["updated_at"])
        recompute_after_commit()


@admin.register(CalendarDay)
class CalendarDayAdmin(admin.ModelAdmin):
    list_display = ["date", "kind", "name", "calendar"]
    list_filter = ["calendar", "kind"]
    search_fields = ["name"]
    date_hierarchy = "date"

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        obj.calendar.save(update_fields=["updated_at"])
        recompute_after_commit()

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        obj.calendar.save(update_fields=["updated_at"])
        recompute_after_commit()


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
        recompute_after_commit()

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        recompute_after_commit()

    def delete_queryset(self, request, queryset):
        super().delete_queryset(request, queryset)
        recompute_after_commit()


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
    list_display = ["created_at", "kind", "user", "email", "subject", "read_at", "sent_at", "attempts"]
    list_filter = ["kind"]
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


@admin.register(CannedReply)
class CannedReplyAdmin(admin.ModelAdmin):
    list_display = ["position", "title", "active"]
    list_display_links = ["title"]
    list_editable = ["position", "active"]
    search_fields = ["title", "body_en", "body_zh"]


@admin.register(RoutingRule)
class RoutingRuleAdmin(admin.ModelAdmin):
    list_display = ["position", "name", "active", "kinds", "channels", "tiers", "team", "method", "skill"]
    list_display_links = ["name"]
    list_editable = ["position", "active"]
    list_select_related = ["team"]


@admin.register(AgentProfile)
class AgentProfileAdmin(admin.ModelAdmin):
    list_display = ["user", "available", "skills"]
    list_editable = ["available"]
    list_select_related = ["user"]


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    list_display = ["title_en", "title_zh", "category", "active", "updated_at"]
    list_filter = ["category", "active"]
    search_fields = ["title_en", "title_zh", "body_en", "body_zh"]


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
