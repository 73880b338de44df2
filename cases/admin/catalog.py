"""The mirror of the shop in the admin: orders and their lines (read only), customers, products."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from cases.models import (
    Customer,
    Order,
    OrderLine,
    Product,
    ProductVariant,
)
from cases.sla import recompute
from core import admin_registry, phones
from core.admin import ReadOnlyAdmin
from core.admin_masking import PersonalDataAdminMixin


class OrderLineInline(admin.TabularInline):
    model = OrderLine
    extra = 0
    raw_id_fields = ["product", "variant"]
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Order)
class OrderAdmin(PersonalDataAdminMixin, ReadOnlyAdmin):
    """The shop's orders as it pushed them (the API): paid amounts and currency are its word."""

    personal_fields = {"customer": "customer", "shipping_address": "address"}

    list_display = ["number", "customer", "status", "placed_at", "delivered_at", "paid_amount", "currency"]
    list_filter = ["status", "currency"]
    search_fields = ["number", "customer__name", "customer__email", "customer__phone"]
    list_select_related = ["customer"]
    raw_id_fields = ["customer"]
    inlines = [OrderLineInline]


@admin.register(OrderLine)
class OrderLineAdmin(ReadOnlyAdmin):
    list_display = ["order", "line_no", "sku", "name", "quantity", "unit_price", "paid_amount"]
    search_fields = ["order__number", "sku", "name"]
    raw_id_fields = ["order", "product", "variant"]
    list_select_related = ["order"]


class CustomerAdminForm(forms.ModelForm):
    phone = phones.PhoneNumberField(label=_("phone"), required=False)  # stored as E.164

    class Meta:
        model = Customer
        fields = ["external_id", "name", "email", "phone", "tier", "language", "dedicated_agent"]


class CustomerAdmin(PersonalDataAdminMixin, admin.ModelAdmin):
    form = CustomerAdminForm
    personal_fields = {"name": "name", "email": "email", "phone": "phone"}
    list_display = ["name", "email", "phone", "tier", "language", "created_at"]
    list_filter = ["tier", "language"]
    search_fields = ["name", "email", "phone", "external_id"]

    def customer_of(self, obj) -> int | None:
        return obj.pk

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if change and "tier" in form.changed_data:
            recompute.customer_tier_changed(customer=obj)


# channels_app and privacy extend it (core.admin_registry).
admin_registry.register(Customer, CustomerAdmin)


class ProductVariantInline(admin.TabularInline):
    model = ProductVariant
    extra = 0


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = ["sku", "name", "category", "supplier", "returnable", "flags"]
    list_filter = ["category", "returnable"]
    search_fields = ["sku", "name", "supplier"]
    inlines = [ProductVariantInline]


@admin.register(ProductVariant)
class ProductVariantAdmin(admin.ModelAdmin):
    list_display = ["sku", "name", "product", "in_stock"]
    search_fields = ["sku", "name", "product__name"]
    raw_id_fields = ["product"]
