"""Admin base for models with secrets (``core.fields.EncryptedCharField``): never a page that shows one.

* Who may change: the form field is write-only (``core.fields.SecretFormField``).
* Who may only view: each secret is replaced by a read-only "set" / "not set" line.
* A secret we generate (a new row's default, or the "generate" box) is shown once, on the answer
  to the POST that made it (never cached, never in a message cookie or the session), because it
  has to be handed to the shop or the telephony provider. It cannot be read back afterwards.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, cast

from django.contrib import admin
from django.contrib.admin import AdminSite
from django.db.models import Field, Model
from django.db.models.options import Options
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _

from core.fields import EncryptedCharField, generated_secrets

if TYPE_CHECKING:
    # What the mixin is mixed into, for the type checker only (at run time the ModelAdmin comes after it).
    _AdminBase = admin.ModelAdmin[Any]
else:
    _AdminBase = object

STATUS_SUFFIX = "_status"


def secret_status(value: str) -> str:
    return _("set") if value else _("not set")


def show_secrets_once(
    request: HttpRequest,
    *,
    admin_site: AdminSite,
    opts: Options[Any],
    obj: Model,
    secrets: dict[str, str],
    next_url: str,
) -> TemplateResponse:
    """The page that shows newly generated secrets, once; not cacheable."""
    labels = {
        name: cast("Field[Any, Any]", opts.get_field(name)).verbose_name for name in secrets if _has_field(opts, name)
    }
    response = TemplateResponse(
        request,
        "admin/core/secret_once.html",
        {
            **admin_site.each_context(request),
            "title": _("Copy the new secret now"),
            "opts": opts,
            "original": obj,
            "secrets": [(labels.get(name, name), value) for name, value in secrets.items()],
            "next_url": next_url,
        },
    )
    add_never_cache_headers(response)
    return response


def _has_field(opts: Options[Any], name: str) -> bool:
    return any(f.name == name for f in opts.get_fields())


class SecretFieldsAdminMixin(_AdminBase):
    """Mix into a ``ModelAdmin`` before it (``class XAdmin(SecretFieldsAdminMixin, admin.ModelAdmin)``)."""

    def __init__(self, model: type[Model], admin_site: AdminSite) -> None:
        super().__init__(model, admin_site)
        for name in self.secret_field_names():
            setattr(self, name + STATUS_SUFFIX, self._status_display(name))

    def secret_field_names(self) -> list[str]:
        return [f.name for f in self.model._meta.concrete_fields if isinstance(f, EncryptedCharField)]

    def _status_display(self, name: str) -> Callable[[Model], str]:
        field = self.model._meta.get_field(name)

        @admin.display(description=field.verbose_name)
        def status(obj: Model) -> str:
            return secret_status(getattr(obj, name))

        return status

    def _readers_names(self, names: Sequence[Any]) -> list[Any]:
        secrets = set(self.secret_field_names())
        return [name + STATUS_SUFFIX if name in secrets else name for name in names]

    def get_fieldsets(self, request: HttpRequest, obj: Model | None = None) -> Any:
        fieldsets = super().get_fieldsets(request, obj)
        if self.has_change_permission(request, obj):
            return fieldsets
        return [(title, {**options, "fields": self._readers_names(options["fields"])}) for title, options in fieldsets]

    def get_readonly_fields(self, request: HttpRequest, obj: Model | None = None) -> list[str]:
        readonly = list(super().get_readonly_fields(request, obj))
        if not self.has_change_permission(request, obj):
            readonly += [name + STATUS_SUFFIX for name in self.secret_field_names()]
        return readonly

    def _secrets_once(self, request: HttpRequest, obj: Model) -> TemplateResponse | None:
        secrets = generated_secrets(obj)
        if not secrets:
            return None
        opts = self.model._meta
        next_url = reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])
        return show_secrets_once(
            request, admin_site=self.admin_site, opts=opts, obj=obj, secrets=secrets, next_url=next_url
        )

    def response_add(self, request: HttpRequest, obj: Model, post_url_continue: str | None = None) -> HttpResponse:
        return self._secrets_once(request, obj) or super().response_add(request, obj, post_url_continue)

    def response_change(self, request: HttpRequest, obj: Model) -> HttpResponse:
        return self._secrets_once(request, obj) or super().response_change(request, obj)
