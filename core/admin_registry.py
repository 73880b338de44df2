"""The admin composed once: each app registers its own models, other apps extend them through here.

An app that adds to another app's admin (an inline, an action, masked list columns) declares a mixin in its
``admin_extensions`` module::

    @extends("cases.customer")
    class CustomerIdentities:
        actions = ["merge_selected"]          # merged with the base's and the other extensions' actions

        def get_inlines(self, request, obj):
            return [*super().get_inlines(request, obj), IdentityInline]

The owning app registers the model with ``register(Customer, CustomerAdmin)`` instead of
``admin.site.register``; the class registered is the owner's admin with every extension in front of it, in
the order of ``INSTALLED_APPS``. Nobody unregisters anyone, and the final admin does not depend on which
admin module Django imports first: ``register`` first imports every app's ``admin_extensions`` (by name,
through the app registry, as Django's admin autodiscovery does), so the kernel and the owner import none of
the extending apps.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from typing import Any, TypeVar

from django.contrib import admin
from django.db.models import Model
from django.utils.module_loading import autodiscover_modules

T = TypeVar("T", bound=type)

_extensions: dict[str, list[type]] = defaultdict(list)
_discovered = False


def extends(model_label: str) -> Callable[[T], T]:
    """Class decorator: the class is a mixin for the admin of ``model_label`` ("app_label.modelname")."""

    def declare(mixin: T) -> T:
        if mixin not in _extensions[model_label.lower()]:
            _extensions[model_label.lower()].append(mixin)
        return mixin

    return declare


def extensions_of(model: type[Model]) -> list[type]:
    _discover()
    return list(_extensions.get(model._meta.label_lower, []))


def compose(model: type[Model], admin_class: type[admin.ModelAdmin[Any]]) -> type[admin.ModelAdmin[Any]]:
    """``admin_class`` with every declared extension of ``model`` in front of it; their actions merged."""
    mixins = extensions_of(model)
    if not mixins:
        return admin_class
    actions: list[Any] = list(admin_class.actions or [])
    for mixin in mixins:
        actions += [a for a in getattr(mixin, "actions", None) or [] if a not in actions]
    bases = (*reversed(mixins), admin_class)
    return type(admin_class.__name__, bases, {"__module__": admin_class.__module__, "actions": actions})


def register(
    model: type[Model], admin_class: type[admin.ModelAdmin[Any]], site: admin.AdminSite | None = None
) -> type[admin.ModelAdmin[Any]]:
    """Register ``model`` with its owner's ``admin_class`` composed with the other apps' extensions."""
    composed = compose(model, admin_class)
    (site or admin.site).register(model, composed)
    return composed


def _discover() -> None:
    global _discovered
    if not _discovered:
        _discovered = True
        autodiscover_modules("admin_extensions")
