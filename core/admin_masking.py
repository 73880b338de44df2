"""Personal data in the Django admin: masked until revealed for a reason (issue 16).

The admin pages of customers, orders, cases, identities, messages, chats and feedback show a
customer's name, email, phone, addresses, identities and message senders masked (the masks of
``cases.masking``), in lists and on change pages, for every role. A change page offers "Show the
personal data": with a reason, ``cases.masking.reveal_customer`` keeps that customer revealed in
the session for ``REVEAL_MINUTES`` and writes the same ``reveal_contact`` audit row as the desk's
case page; the change pages of that customer then show (and, for who may change them, edit) the
values. Lists stay masked. A masked field is no form field, so a forged value is ignored.

Use: ``class OrderAdmin(PersonalDataAdminMixin, admin.ModelAdmin)`` with
``personal_fields = {"customer": "customer", "shipping_address": "address"}`` and, when the
object's customer is not ``obj.customer_id``, ``customer_of``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, cast

from django import forms
from django.contrib import admin
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db.models import Model
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core import masking as privacy

if TYPE_CHECKING:
    # What the mixins are mixed into, for the type checker only (at run time the admin class comes after them).
    _AnyAdminBase = admin.options.BaseModelAdmin[Any]
    _ModelAdminBase = admin.ModelAdmin[Any]
else:
    _AnyAdminBase = _ModelAdminBase = object

MASKS: dict[str, Callable[[str], str]] = {
    "name": privacy.mask_name,
    "email": privacy.mask_email,
    "phone": privacy.mask_phone,
    "address": privacy.mask_address,
    "contact": privacy.mask_contact,
}


def masked(kind: str, obj: object, name: str) -> str:
    """The value of ``obj.<name>`` masked by ``kind`` (a mask of MASKS, "customer" for a customer
    foreign key shown as its masked name, "identity" for a ContactIdentity's value by its kind)."""
    if kind == "customer":
        customer = getattr(obj, name, None)
        return privacy.mask_name(customer.name) if customer is not None else ""
    value = getattr(obj, name, "") or ""
    if kind == "identity":
        return privacy.mask_identity(getattr(obj, "kind", ""), value)
    return MASKS[kind](str(value))


STATUS_FIELDS = ("personal_data_masked", "personal_data_shown")


def masked_name(name: str) -> str:
    return f"masked_{name}"


class _Shown:
    """The object of a change page with a masked label (breadcrumbs, titles) and its other attributes."""

    def __init__(self, obj: Model, label: str) -> None:
        self._obj, self._label = obj, label

    def __getattr__(self, name: str) -> Any:
        return getattr(self._obj, name)

    def __str__(self) -> str:
        return self._label


class PersonalDataMixin(_AnyAdminBase):
    """For ModelAdmin and InlineModelAdmin classes: ``personal_fields`` ({field: kind}) are shown
    masked unless the customer of the page (``customer_of``) is revealed to this user."""

    personal_fields: dict[str, str] = {}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # One display function per personal field: its masked value under the field's label.
        for name, kind in self.personal_fields.items():
            setattr(self, masked_name(name), self._display(name, kind))

    def _display(self, name: str, kind: str) -> Callable[[Model], str]:
        def show(obj: Model) -> str:
            return masked(kind, obj, name)

        show.short_description = self.model._meta.get_field(name).verbose_name  # type: ignore[attr-defined]
        show.admin_order_field = name  # type: ignore[attr-defined]
        show.__name__ = masked_name(name)
        return show

    def customer_of(self, obj: Model) -> int | None:
        """The id of the customer whose data ``obj`` (the page's object) holds."""
        return getattr(obj, "customer_id", None)

    def contact_revealed(self, request: HttpRequest, obj: Model | None) -> bool:
        return (
            obj is not None
            and privacy.customer_revealed_until(request=request, customer_id=self.customer_of(obj)) is not None
        )

    def _swap(self, names: Sequence[Any], request: HttpRequest, obj: Model | None) -> list[Any]:
        if self.contact_revealed(request, obj):
            return list(names)
        out: list[Any] = []
        for name in names:
            if isinstance(name, (list, tuple)):
                out.append(tuple(self._swap(name, request, obj)))
                continue
            shown = masked_name(name) if name in self.personal_fields else name
            if shown not in out:
                out.append(shown)
        return out

    def get_fieldsets(self, request: HttpRequest, obj: Model | None = None) -> Any:
        return [
            (title, {**options, "fields": self._swap(options["fields"], request, obj)})
            for title, options in super().get_fieldsets(request, obj)
        ]

    def get_readonly_fields(self, request: HttpRequest, obj: Model | None = None) -> list[str]:
        readonly = list(super().get_readonly_fields(request, obj))
        if self.contact_revealed(request, obj):
            return readonly
        # The masked fields are no form fields (the originals are excluded, declared ones included),
        # so a value posted for them changes nothing.
        return [*readonly, *self.personal_fields, *(masked_name(n) for n in self.personal_fields)]


class PersonalDataAdminMixin(PersonalDataMixin, _ModelAdminBase):
    """For a ModelAdmin: masked list columns, a masked page title, and the reveal page."""

    def get_list_display(self, request: HttpRequest) -> Any:
        return [masked_name(n) if n in self.personal_fields else n for n in super().get_list_display(request)]

    def get_list_display_links(self, request: HttpRequest, list_display: Any) -> Any:
        links = super().get_list_display_links(request, list_display)
        if links is None:
            return None
        return [masked_name(n) if n in self.personal_fields else n for n in links]

    def action_checkbox(self, obj: Model) -> SafeString:
        # Django labels a row's checkbox with str(obj), which may be a name or an address.
        attrs = {
            "class": "action-select",
            "aria-label": format_html(_("Select this object for an action - {}"), obj.pk),
        }
        return forms.CheckboxInput(attrs, lambda value: False).render(ACTION_CHECKBOX_NAME, str(obj.pk))

    def masked_label(self, obj: Model) -> str:
        """What the page calls ``obj`` while it is masked (str(obj) may be a name or an address)."""
        return f"{obj._meta.verbose_name} #{obj.pk}"

    def get_fieldsets(self, request: HttpRequest, obj: Model | None = None) -> Any:
        fieldsets = [
            (title, {**options, "fields": [f for f in options["fields"] if f not in STATUS_FIELDS]})
            for title, options in super().get_fieldsets(request, obj)
        ]
        if obj is None or self.customer_of(obj) is None:
            return fieldsets
        status = "personal_data_shown" if self.contact_revealed(request, obj) else "personal_data_masked"
        return [(gettext_lazy("Personal data"), {"fields": [status]}), *fieldsets]

    def get_readonly_fields(self, request: HttpRequest, obj: Model | None = None) -> list[str]:
        readonly = super().get_readonly_fields(request, obj)
        if obj is None or self.customer_of(obj) is None:
            return readonly
        return [*readonly, *STATUS_FIELDS]

    @admin.display(description=gettext_lazy("Personal data"))
    def personal_data_masked(self, obj: Model) -> str:
        meta = self.model._meta
        url = reverse(f"admin:{meta.app_label}_{meta.model_name}_reveal", args=[obj.pk])
        return format_html(
            '{} <a id="reveal-personal-data" href="{}">{}</a>',
            _("Masked."),
            url,
            _("Show the personal data (with a reason)"),
        )

    @admin.display(description=gettext_lazy("Personal data"))
    def personal_data_shown(self, obj: Model) -> str:
        return format_html(
            '<span id="personal-data-revealed">{}</span>',
            _("Shown for %(minutes)s minutes from the reveal; the reason is in the audit log.")
            % {"minutes": privacy.REVEAL_MINUTES},
        )

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        obj = self.get_object(request, unquote(object_id)) if object_id else None
        extra_context = dict(extra_context or {})
        if obj is not None and self.customer_of(obj) is not None and not self.contact_revealed(request, obj):
            extra_context["subtitle"] = self.masked_label(obj)
        return super().change_view(request, object_id, form_url, extra_context)

    def render_change_form(
        self,
        request: HttpRequest,
        context: dict[str, Any],
        add: bool = False,
        change: bool = False,
        form_url: str = "",
        obj: Model | None = None,
    ) -> HttpResponse:
        if obj is not None and self.customer_of(obj) is not None and not self.contact_revealed(request, obj):
            context["original"] = _Shown(obj, self.masked_label(obj))
        return super().render_change_form(request, context, add, change, form_url, obj)

    def history_view(
        self, request: HttpRequest, object_id: str, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        obj = self.get_object(request, unquote(object_id))
        extra_context = dict(extra_context or {})
        if obj is not None and self.customer_of(obj) is not None and not self.contact_revealed(request, obj):
            label = self.masked_label(obj)
            extra_context.update({"title": _("Change history: %s") % label, "object": _Shown(obj, label)})
        return super().history_view(request, object_id, extra_context)

    def get_urls(self) -> list[URLPattern]:
        meta = self.model._meta
        return [
            path(
                "<path:object_id>/reveal/",
                self.admin_site.admin_view(self.reveal_view),
                name=f"{meta.app_label}_{meta.model_name}_reveal",
            ),
            *super().get_urls(),
        ]

    def reveal_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """GET: the reason form; POST: reveal this object's customer for the reason (audited)."""
        obj = self.get_object(request, unquote(object_id))
        if obj is None or self.customer_of(obj) is None:
            raise Http404
        if not self.has_view_or_change_permission(request, obj):
            raise PermissionDenied
        meta = self.model._meta
        change_url = reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[obj.pk])
        error, status = "", 200
        if request.method == "POST":
            try:
                privacy.reveal_customer(
                    request=request,
                    customer_id=cast(int, self.customer_of(obj)),  # not None: checked above
                    reason=request.POST.get("reason", ""),
                    where=f"{meta.app_label}.{meta.model_name}:{obj.pk}",
                )
            except privacy.RevealRefused as exc:
                error, status = str(exc), 400
            else:
                return redirect(change_url)
        elif request.method != "GET":
            return TemplateResponse(request, "admin/reveal_personal_data.html", {}, status=405)
        return TemplateResponse(
            request,
            "admin/reveal_personal_data.html",
            {
                **self.admin_site.each_context(request),
                "title": _("Show the personal data"),
                "subtitle": self.masked_label(obj),
                "opts": meta,
                "object_label": self.masked_label(obj),
                "change_url": change_url,
                "error": error,
                "reason": request.POST.get("reason", "") if request.method == "POST" else "",
                "minutes": privacy.REVEAL_MINUTES,
                "reason_min": privacy.REASON_MIN,
                "reason_max": privacy.REASON_MAX,
            },
            status=status,
        )
