"""channels_app's additions to other apps' admins (``core.admin_registry``): on the customer admin of
``cases``, the customer's identities (read only, masked until revealed) and merging customers."""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from channels_app.identity import merge_customers
from channels_app.models import ContactIdentity
from core.admin_masking import PersonalDataMixin
from core.admin_registry import extends
from core.errors import DomainError


class IdentityInline(PersonalDataMixin, admin.TabularInline):
    """The customer's identities, read only (the identity service writes them), masked until revealed."""

    model = ContactIdentity
    extra = 0
    fields = ["kind", "provider", "value", "verified"]
    readonly_fields = fields  # type: ignore[assignment]  # plain field names, no groups
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


@extends("cases.customer")
class CustomerIdentities:
    """On the cases app's customer admin: the customer's identities, and merging customers."""

    actions = ["merge_selected"]

    def get_inlines(self, request, obj):
        return [*super().get_inlines(request, obj), IdentityInline]

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
            except DomainError as exc:
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
