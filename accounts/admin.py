from dataclasses import dataclass

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils.translation import gettext
from rest_framework.authtoken.admin import TokenAdmin
from rest_framework.authtoken.models import TokenProxy

from accounts.forms import AdminLoginForm
from core.secret_admin import show_secrets_once

# The admin's login asks for the TOTP code too, for those who enrolled (accounts.forms).
admin.site.login_form = AdminLoginForm


@dataclass(frozen=True)
class _NamedToken:
    pk: str
    label: str

    def __str__(self) -> str:
        return self.label


# API tokens (DRF's TokenAdmin) without the key: the list showed every token in plain text. A new
# token is shown once, on the answer to the request that created it, to hand to the shop's system.
admin.site.unregister(TokenProxy)


@admin.register(TokenProxy)
class ApiTokenAdmin(TokenAdmin):
    list_display = ("user", "created")

    def response_add(self, request, obj, post_url_continue=None):
        return show_secrets_once(
            request,
            admin_site=self.admin_site,
            opts=self.model._meta,
            obj=obj,
            secrets={"key": obj.key},
            next_url=reverse("admin:authtoken_tokenproxy_changelist"),
        )

    # A token's name (str) is its key: every page that would print it gets "API token of <user>".
    def _label(self, object_id) -> str:
        user = get_user_model().objects.filter(pk=object_id).first() if str(object_id).isdigit() else None
        return gettext("API token of %(user)s") % {"user": user}

    def change_view(self, request, object_id, form_url="", extra_context=None):
        label = self._label(object_id)
        response = super().change_view(request, object_id, form_url, {**(extra_context or {}), "subtitle": label})
        if getattr(response, "context_data", None) and "original" in response.context_data:
            response.context_data["original"] = label  # the breadcrumbs
        return response

    def history_view(self, request, object_id, extra_context=None):
        label = self._label(object_id)
        named = _NamedToken(pk=object_id, label=label)
        context = {"title": gettext("Change history: %s") % label, "subtitle": None, "object": named}
        return super().history_view(request, object_id, {**(extra_context or {}), **context})

    def delete_view(self, request, object_id, extra_context=None):
        named = _NamedToken(pk=object_id, label=self._label(object_id))  # the page links to object.pk
        return super().delete_view(request, object_id, {**(extra_context or {}), "object": named})

    def response_delete(self, request, obj_display, obj_id):
        return super().response_delete(request, gettext("API token"), obj_id)

    def get_deleted_objects(self, objs, request):
        _deleted, model_count, perms_needed, protected = super().get_deleted_objects(objs, request)
        return [self._label(obj.user_id) for obj in objs], model_count, perms_needed, protected

    # The admin's log names an object by its primary key, which for a token is the key itself (the
    # "recent actions" box would link to it): log the token's user instead.
    def log_addition(self, request, obj, message):
        return super().log_addition(request, obj.user, gettext("Created an API token."))

    def log_change(self, request, obj, message):
        return super().log_change(request, obj.user, gettext("Changed the API token."))

    def log_deletions(self, request, queryset):
        from django.contrib.admin.models import CHANGE, LogEntry

        return LogEntry.objects.log_actions(
            user_id=request.user.pk,
            queryset=get_user_model().objects.filter(auth_token__in=queryset),
            action_flag=CHANGE,
            change_message=gettext("Deleted the API token."),
        )
