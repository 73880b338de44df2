"""privacy's additions to other apps' admins: on the customer admin the export and erasure actions; the
admin lists of customers, identities and messages show contacts masked.

The customer, identity and message admins of ``cases`` and ``channels_app`` are extended through the
kernel's admin registry (``core.admin_registry``: declared here, composed when the owner registers its
admin), so those apps need not know about privacy and nobody unregisters anyone.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.template.response import TemplateResponse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cases import selectors as masks
from cases.models import Customer
from cases.services import record_access
from channels_app.models import ContactIdentity, Message
from core.admin_registry import extends
from core.client_ip import client_ip
from privacy import services

EXPORT_PERM = "privacy.export_personal_data"
ERASE_PERM = "privacy.erase_personal_data"


@extends("cases.customer")
class CustomerPrivacy:
    """The customer admin with contacts masked in the list, and export and erasure actions."""

    list_display = ["name", "masked_email", "masked_phone", "tier", "language", "created_at"]
    actions = ["export_personal_data", "erase_personal_data"]

    @admin.display(description=gettext_lazy("email"), ordering="email")
    def masked_email(self, obj: Customer) -> str:
        return masks.mask_email(obj.email)

    @admin.display(description=gettext_lazy("phone"), ordering="phone")
    def masked_phone(self, obj: Customer) -> str:
        return masks.mask_phone(obj.phone)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        response = super().change_view(request, object_id, form_url, extra_context)
        if request.method == "GET" and response.status_code == 200 and str(object_id).isdigit():
            record_access(request=request, action="view_customer", customer_id=int(object_id))
        return response

    def has_export_permission(self, request) -> bool:
        return request.user.has_perm(EXPORT_PERM)

    def has_erase_permission(self, request) -> bool:
        return request.user.has_perm(ERASE_PERM)

    @admin.action(description=gettext_lazy("Export the personal data (zip)"), permissions=["export"])
    def export_personal_data(self, request, queryset):
        chosen = list(queryset[:2])
        if len(chosen) != 1:
            self.message_user(request, _("Select exactly one customer to export."), messages.ERROR)
            return None
        customer = chosen[0]
        try:
            content = services.export_customer(
                customer=customer, actor=request.user, zipped=True, ip=client_ip(request)
            )
        except services.PrivacyError as exc:
            self.message_user(request, exc.message, messages.ERROR)
            return None
        response = HttpResponse(content, content_type="application/zip")
        response["Content-Disposition"] = f'attachment; filename="customer-{customer.pk}.zip"'
        return response

    @admin.action(description=gettext_lazy("Erase the personal data (anonymise)"), permissions=["erase"])
    def erase_personal_data(self, request, queryset):
        if not request.user.has_perm(ERASE_PERM):
            raise PermissionDenied
        chosen = list(queryset.order_by("id"))
        if request.POST.get("confirm") == "yes":
            reason = request.POST.get("reason", "").strip()
            if not reason:
                self.message_user(request, _("Say why the data is erased (the request's reference)."), messages.ERROR)
                return None
            erased, refused = [], []
            for customer in chosen:
                try:
                    services.erase_customer(customer=customer, actor=request.user, reason=reason, ip=client_ip(request))
                    erased.append(customer.pk)
                except services.PrivacyError as exc:
                    refused.append(exc.message)
            if erased:
                self.message_user(
                    request, _("Erased: %(ids)s.") % {"ids": ", ".join(map(str, erased))}, messages.SUCCESS
                )
            for message in refused:
                self.message_user(request, message, messages.ERROR)
            return None
        return TemplateResponse(
            request,
            "admin/privacy/erase_customers.html",
            {
                **self.admin_site.each_context(request),
                "title": _("Erase personal data"),
                "customers": chosen,
                "opts": self.model._meta,
                "action_checkbox_name": ACTION_CHECKBOX_NAME,
            },
        )


@extends("channels_app.contactidentity")
class ContactIdentityPrivacy:
    list_display = ["masked_value", "kind", "provider", "customer", "verified", "created_at"]

    @admin.display(description=gettext_lazy("value"), ordering="value")
    def masked_value(self, obj: ContactIdentity) -> str:
        return masks.mask_identity(obj.kind, obj.value)

    def action_checkbox(self, obj: ContactIdentity):
        # Django labels the row's checkbox with str(obj), which is the identity unmasked.
        attrs = {
            "class": "action-select",
            "aria-label": format_html(_("Select this object for an action - {}"), self.masked_value(obj)),
        }
        return forms.CheckboxInput(attrs, lambda value: False).render(ACTION_CHECKBOX_NAME, str(obj.pk))


@extends("channels_app.message")
class MessagePrivacy:
    list_display = [
        "created_at",
        "direction",
        "channel",
        "masked_sender",
        "masked_recipient",
        "subject",
        "case",
        "status",
        "flag",
    ]

    @admin.display(description=gettext_lazy("sender"), ordering="sender")
    def masked_sender(self, obj: Message) -> str:
        return masks.mask_contact(obj.sender)

    @admin.display(description=gettext_lazy("recipient"), ordering="recipient")
    def masked_recipient(self, obj: Message) -> str:
        return masks.mask_contact(obj.recipient)
