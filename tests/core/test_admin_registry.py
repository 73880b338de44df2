"""The admin composed once (core.admin_registry): other apps extend an app's admin, nobody replaces it."""

from __future__ import annotations

import pytest
from django.contrib import admin

from cases.models import Customer, Tag
from channels_app.models import ContactIdentity, Message
from core import admin_registry


def test_the_customer_admin_is_cases_own_with_the_other_apps_extensions_in_front():
    model_admin = admin.site.get_model_admin(Customer)
    bases = [cls.__qualname__ for cls in type(model_admin).__mro__]
    # cases' admin is the last (the one registered), privacy's and channels_app's mixins come before it.
    assert bases.index("CustomerPrivacy") < bases.index("CustomerIdentities") < bases.index("CustomerAdmin", 1)
    assert type(model_admin).__module__ == "cases.admin.catalog"
    assert model_admin.actions == ["merge_selected", "export_personal_data", "erase_personal_data"]
    assert "masked_email" in model_admin.list_display


@pytest.mark.parametrize("model", [ContactIdentity, Message])
def test_channels_admins_carry_privacys_masks_without_being_unregistered(model):
    model_admin = admin.site.get_model_admin(model)
    assert type(model_admin).__module__ == "channels_app.admin"
    assert any(cls.__module__ == "privacy.admin_extensions" for cls in type(model_admin).__mro__)


def test_an_extension_adds_its_actions_and_methods_and_a_model_without_one_keeps_its_class():
    class TagAdmin(admin.ModelAdmin):
        actions = ["first"]

    site = admin.AdminSite(name="registry-test")
    assert admin_registry.register(Tag, TagAdmin, site=site) is TagAdmin  # no extension: the owner's class

    @admin_registry.extends("cases.tag")
    class Tagging:
        actions = ["second", "first"]

        def get_list_display(self, request):
            return [*super().get_list_display(request), "extra"]

    try:
        composed = admin_registry.compose(Tag, TagAdmin)
        assert composed.__mro__[1:3] == (Tagging, TagAdmin)
        assert composed.actions == ["first", "second"], "merged, each once, the owner's first"
        assert composed(Tag, site).get_list_display(None) == ["__str__", "extra"]
    finally:
        admin_registry._extensions["cases.tag"].remove(Tagging)
