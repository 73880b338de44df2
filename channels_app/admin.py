"""Admin of the channels: inboxes, widgets, social accounts, phone lines (administrators), the
message log and identities (managers read them), and merging customers (managers)."""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from cases.admin import CustomerAdmin as BaseCustomerAdmin
from cases.admin import ReadOnlyAdmin
from cases.exceptions import CaseError
from cases.models import Customer
from channels_app import (
    admin_webhooks,  # noqa: F401 - registers the shop webhook admin
    email_in,
)
from channels_app.identity import merge_customers
from channels_app.models import (
    ChatSession,
    ChatWidget,
    ContactIdentity,
    EmailInbox,
    Message,
    MessageAttachment,
    PhoneLine,
    RawEmail,
    SocialAccount,
)
from core.admin_masking import PersonalDataAdminMixin, PersonalDataMixin
from core.secret_admin import SecretFieldsAdminMixin


@admin.register(EmailInbox)
class EmailInboxAdmin(SecretFieldsAdminMixin, admin.ModelAdmin):
    list_display = ["name", "address", "code", "active", "imap_host", "last_polled_at", "last_error"]
    list_filter = ["active"]
    readonly_fields = ["last_polled_at", "last_error"]
    actions = ["poll_now"]
    fieldsets = [
        (None, {"fields": ["code", "name", "address", "from_name", "active", "team"]}),
        (
            gettext_lazy("IMAP (incoming)"),
            {
                "fields": [
                    "imap_host",
                    "imap_port",
                    "imap_ssl",
                    "imap_user",
                    "imap_password",
                    "imap_folder",
                    "imap_after_read",
                    "imap_done_folder",
                ]
            },
        ),
        (
            gettext_lazy("SMTP (outgoing)"),
            {"fields": ["smtp_host", "smtp_port", "smtp_user", "smtp_password", "smtp_tls"]},
        ),
        (gettext_lazy("Inbound webhook"), {"fields": ["webhook_secret", "last_polled_at", "last_error"]}),
    ]

    @admin.action(description=gettext_lazy("Poll the selected inboxes now"), permissions=["change"])
    def poll_now(self, request, queryset):
        for inbox in queryset.exclude(imap_host=""):
            result = email_in.poll_safely(inbox)
            if isinstance(result, str):
                self.message_user(
                    request, _("%(inbox)s: %(error)s") % {"inbox": inbox, "error": result}, messages.ERROR
                )
            else:
                self.message_user(
                    request,
                    _("%(inbox)s: %(new)s new, %(dup)s already known, %(auto)s automatic, %(bad)s rejected.")
                    % {
                        "inbox": inbox,
                        "new": result.new,
                        "dup": result.duplicates,
                        "auto": result.automatic,
                        "bad": result.rejected,
                    },
                )


@admin.register(ChatWidget)
class ChatWidgetAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "key", "active"]
    readonly_fields = ["key"]


@admin.register(SocialAccount)
class SocialAccountAdmin(SecretFieldsAdminMixin, admin.ModelAdmin):
    list_display = ["name", "code", "provider", "active"]

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "reply_url":
            kwargs["assume_scheme"] = "https"  # a reply URL typed without a scheme is https
        return super().formfield_for_dbfield(db_field, request, **kwargs)


@admin.register(PhoneLine)
class PhoneLineAdmin(SecretFieldsAdminMixin, admin.ModelAdmin):
    list_display = ["name", "number", "code", "active"]


class MessageAttachmentInline(admin.TabularInline):
    model = MessageAttachment
    extra = 0
    can_delete = False
    readonly_fields = ["attachment", "inline", "content_id"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Message)
class MessageAdmin(PersonalDataAdminMixin, ReadOnlyAdmin):
    personal_fields = {"customer": "customer", "sender": "contact", "sender_name": "name", "recipient": "contact"}
    list_display = ["created_at", "direction", "channel", "sender", "recipient", "subject", "case", "status", "flag"]
    list_filter = ["direction", "channel", "status"]
    search_fields = ["sender", "recipient", "subject", "external_id", "case__number"]
    date_hierarchy = "created_at"
    list_select_related = ["case"]
    raw_id_fields = ["case", "customer", "event", "chat_session"]
    inlines = [MessageAttachmentInline]
    exclude = ["html"]  # customer HTML is never rendered here; the text is shown instead


@admin.register(RawEmail)
class RawEmailAdmin(ReadOnlyAdmin):
    list_display = ["message", "size"]
    raw_id_fields = ["message"]
    exclude = ["content"]


@admin.register(ContactIdentity)
class ContactIdentityAdmin(PersonalDataAdminMixin, ReadOnlyAdmin):
    """Identities are linked, verified and moved by the identity service (intake, portal codes,
    merging customers): read here, never edited."""

    personal_fields = {"value": "identity", "display": "contact", "customer": "customer"}
    list_display = ["value", "kind", "provider", "customer", "verified", "created_at"]
    list_filter = ["kind", "verified"]
    search_fields = ["value", "display", "customer__name"]
    raw_id_fields = ["customer"]


@admin.register(ChatSession)
class ChatSessionAdmin(PersonalDataAdminMixin, ReadOnlyAdmin):
    personal_fields = {"customer": "customer"}
    list_display = ["started_at", "widget", "customer", "case", "ended_at"]
    raw_id_fields = ["customer", "case"]
    exclude = ["token"]


class IdentityInline(PersonalDataMixin, admin.TabularInline):
    """The customer's identities, read only (the identity service writes them), masked until revealed."""

    model = ContactIdentity
    extra = 0
    fields = ["kind", "provider", "value", "verified"]
    readonly_fields = fields
    can_delete = False
    personal_fields = {"value": "identity"}
    template = "admin/edit_inline/tabular_masked.html"  # rows labelled by id, not by the identity

    def customer_of(self, obj) -> int | None:
        return obj.pk  # the customer whose page this is

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


admin.site.unregister(Customer)


@admin.register(Customer)
class CustomerAdmin(BaseCustomerAdmin):
    """The cases app's customer admin, with the customer's identities and merging."""

    inlines = [*BaseCustomerAdmin.inlines, IdentityInline]
    actions = ["merge_selected"]

    @admin.action(description=gettext_lazy("Merge the selected customers into one"), permissions=["change"])
    def merge_selected(self, request, queryset):
        if not request.user.has_perm("channels_app.change_contactidentity"):
            raise PermissionDenied
        chosen = list(queryset.order_by("created_at", "id"))
        if len(chosen) < 2:
            self.message_user(request, _("Select at least two customers to merge."), messages.WARNING)
            return None
        if request.POST.get("target"):
            target = next((c for c in chosen if str(c.pk) == request.POST["target"]), None)
            if target is None:
                self.message_user(request, _("Choose which customer to keep."), messages.ERROR)
                return None
            try:
                for source in chosen:
                    if source.pk != target.pk:
                        merge_customers(source=source, target=target, actor=request.user)
            except CaseError as exc:
                self.message_user(request, exc.message, messages.ERROR)
                return None
            self.message_user(
                request,
                ngettext(
                    "%(n)s customer merged into %(target)s.", "%(n)s customers merged into %(target)s.", len(chosen) - 1
                )
                % {"n": len(chosen) - 1, "target": target},
            )
            return None
        return TemplateResponse(
            request,
            "admin/channels_app/merge_customers.html",
            {
                **self.admin_site.each_context(request),
                "title": _("Merge customers"),
                "customers": chosen,
                "opts": self.model._meta,
                "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
            },
        )
