"""Admin of the feedback app: what managers configure (surveys, their rules, the closed loop's numbers,
the categories of free feedback) and what they and the agents read (invitations and answers, which
only the services write, and free feedback, which a manager may recategorise and mark handled)."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from solo.admin import SingletonModelAdmin

from cases.models import CaseKind, Channel
from core.admin import ReadOnlyAdmin
from core.admin_masking import PersonalDataAdminMixin
from feedback import free
from feedback.models import (
    FeedbackCategory,
    FeedbackSettings,
    FreeFeedback,
    Survey,
    SurveyInvitation,
    SurveyResponse,
    SurveyRule,
)

# --- configuration ---------------------------------------------------------------------------------------


@admin.register(Survey)
class SurveyAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "active", "ask_csat", "ask_nps", "ask_ces", "ask_comment"]
    list_filter = ["active"]
    search_fields = ["name", "code"]
    prepopulated_fields = {"code": ["name"]}
    fieldsets = [
        (None, {"fields": ["name", "code", "active"]}),
        (_("Questions asked"), {"fields": ["ask_csat", "ask_nps", "ask_ces", "ask_comment"]}),
        (_("Satisfaction (CSAT, 1-5)"), {"fields": ["csat_en", "csat_zh"]}),
        (_("Recommendation (NPS, 0-10)"), {"fields": ["nps_en", "nps_zh"]}),
        (_("Effort (CES, 1-7)"), {"fields": ["ces_en", "ces_zh"]}),
        (_("Free comment"), {"fields": ["comment_en", "comment_zh"]}),
    ]


class SurveyRuleForm(forms.ModelForm):
    kinds = forms.MultipleChoiceField(
        label=_("case kinds"),
        choices=CaseKind.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None ticked: every kind."),
    )
    channels = forms.MultipleChoiceField(
        label=_("channels"),
        choices=Channel.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None ticked: every channel."),
    )

    class Meta:
        model = SurveyRule
        fields = ["position", "survey", "kinds", "channels", "active"]


def _labels(values: list[str], choices) -> str:
    if not values:
        return str(_("all"))
    labels = dict(choices)
    return ", ".join(str(labels.get(value, value)) for value in values)


@admin.register(SurveyRule)
class SurveyRuleAdmin(admin.ModelAdmin):
    form = SurveyRuleForm
    list_display = ["position", "survey", "kind_list", "channel_list", "active"]
    list_display_links = ["position", "survey"]
    list_filter = ["active", "survey"]
    list_select_related = ["survey"]

    @admin.display(description=_("case kinds"))
    def kind_list(self, obj):
        return _labels(obj.kinds, CaseKind.choices)

    @admin.display(description=_("channels"))
    def channel_list(self, obj):
        return _labels(obj.channels, Channel.choices)


@admin.register(FeedbackSettings)
class FeedbackSettingsAdmin(SingletonModelAdmin):
    fieldsets = [
        (_("Survey links"), {"fields": ["valid_days"]}),
        (_("Closed loop"), {"fields": ["low_csat", "low_nps", "complaint_words"]}),
        (_("Thank-you coupon"), {"fields": ["reward_enabled", "reward_value", "reward_currency"]}),
    ]


@admin.register(FeedbackCategory)
class FeedbackCategoryAdmin(admin.ModelAdmin):
    list_display = ["name_en", "name_zh", "code", "team", "position"]
    list_filter = ["team"]
    search_fields = ["code", "name_en", "name_zh", "keywords"]
    list_select_related = ["team"]


# --- what the services write -------------------------------------------------------------------------------


@admin.register(SurveyInvitation)
class SurveyInvitationAdmin(PersonalDataAdminMixin, ReadOnlyAdmin):
    personal_fields = {"customer": "customer"}
    list_display = ["sent_at", "case", "survey", "channel", "language", "status", "reminded_at", "answered_at"]
    list_filter = ["status", "channel", "language", "survey"]
    search_fields = ["case__number", "customer__name", "customer__email"]
    list_select_related = ["case", "survey"]
    date_hierarchy = "sent_at"
    raw_id_fields = ["case", "customer"]


@admin.register(SurveyResponse)
class SurveyResponseAdmin(PersonalDataAdminMixin, ReadOnlyAdmin):
    personal_fields = {"customer": "customer"}
    list_display = [
        "answered_at",
        "case",
        "kind",
        "channel",
        "team",
        "agent",
        "csat",
        "nps",
        "ces",
        "complaint",
        "source",
    ]
    list_filter = ["source", "complaint", "channel", "kind", "team", "csat"]
    search_fields = ["case__number", "external_id", "comment"]
    list_select_related = ["case", "team", "agent"]
    date_hierarchy = "answered_at"
    raw_id_fields = ["invitation", "case", "customer", "agent"]


@admin.register(FreeFeedback)
class FreeFeedbackAdmin(PersonalDataAdminMixin, admin.ModelAdmin):
    """The text and where it came from are the customer's; a manager moves it to another category
    (and so to that category's team) and marks it handled, both through ``feedback.free``."""

    list_display = ["created_at", "short_text", "channel", "category", "team", "categorised_by", "handled_at"]
    list_filter = ["category", "team", "channel", "categorised_by", ("handled_at", admin.EmptyFieldListFilter)]
    search_fields = ["text", "contact"]
    list_select_related = ["category", "team"]
    date_hierarchy = "created_at"
    actions = ["mark_handled"]
    fields = [
        "created_at",
        "channel",
        "customer",
        "contact",
        "language",
        "text",
        "category",
        "categorised_by",
        "matched",
        "team",
        "handled_at",
    ]
    readonly_fields = [f for f in fields if f != "category"]  # type: ignore[misc]  # plain field names
    personal_fields = {"customer": "customer", "contact": "contact"}

    def has_add_permission(self, request):
        return False  # free feedback comes from the customers (portal, channels, API)

    @admin.display(description=_("text"))
    def short_text(self, obj):
        return str(obj)

    def save_model(self, request, obj, form, change):
        if "category" in form.changed_data:
            free.recategorise(item=obj, category=obj.category, actor=request.user)

    @admin.action(description=_("Mark as handled"), permissions=["change"])
    def mark_handled(self, request, queryset):
        for item in queryset.filter(handled_at__isnull=True):
            free.mark_handled(item=item, actor=request.user)
