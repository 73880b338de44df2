from django.apps import AppConfig, apps
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    """The shared kernel as an app: its templates (the secret widget, the page that shows a new
    secret once) and its commands (``rotate_secrets``). It has no models."""

    name = "core"
    verbose_name = _("Shared kernel")

    def ready(self) -> None:
        from core import checks  # noqa: F401 - registers the system checks (outgoing messages delivered)
        from core.roles import ensure_roles_after_migrate

        # The role groups after every migrate and flush. The kernel has no models, so no post_migrate
        # of its own: after auth's, which comes before every app of the project (the receiver
        # creates every app's permissions first).
        post_migrate.connect(
            ensure_roles_after_migrate, sender=apps.get_app_config("auth"), dispatch_uid="core.ensure_roles"
        )
