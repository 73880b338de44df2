"""Admin of the channels: inboxes, widgets, social accounts, phone lines (administrators), the
message log and identities (managers read them), and merging customers (managers)."""

from __future__ import annotations

from django.contrib import admin, messages
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from channels_app import admin_webhooks  # noqa: F401 - registers the shop webhook admin
from channels_app.email import receiving
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
from core import admin_registry
from core.admin import ReadOnlyAdmin
from core.admin_masking import PersonalDataAdminMixin
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
            result = receiving.poll_safely(inbox)
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


# Extended by other apps (privacy masks the lists): registered through the kernel's admin registry.
admin_registry.register(Message, MessageAdmin)
admin_registry.register(ContactIdentity, ContactIdentityAdmin)
