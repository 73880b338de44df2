from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _ensure_roles(sender, **kwargs):
    from .roles import ensure_roles

    ensure_roles()


class CasesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "cases"
    verbose_name = _("Cases")

    def ready(self):
        # After this app migrated: auth has created its permissions by then (its receiver runs first).
        post_migrate.connect(_ensure_roles, sender=self, dispatch_uid="cases.ensure_roles")
