"""The case in the admin: its steps as buttons (through ``cases.services``), its lines, events, costs,
attachments, and the read-only rows beside it.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django_fsm.admin import FSMAdminMixin

from cases import selectors, services
from cases.exceptions import CaseError
from cases.models import (
    Attachment,
    Case,
    CaseEvent,
    CaseLine,
    CaseNumberCounter,
    CostLine,
    InspectionGrade,
    ResolutionType,
)
from core.admin import ReadOnlyAdmin
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
    readonly_fields = fields  # type: ignore[assignment]  # plain field names, no groups
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
    readonly_fields = fields  # type: ignore[assignment]  # plain field names, no groups
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
    readonly_fields = fields  # type: ignore[assignment]  # plain field names, no groups


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
