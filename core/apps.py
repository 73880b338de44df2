from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    """The shared kernel as an app: its templates (the secret widget, the page that shows a new
    secret once) and its commands (``rotate_secrets``). It has no models."""

    name = "core"
    verbose_name = _("Shared kernel")

    def ready(self):
        from core import checks  # noqa: F401 - registers the system checks (outgoing messages delivered)
