from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ChannelsAppConfig(AppConfig):
    """Intake and outbound on every channel (portal, email, chat, phone, social): issue 6."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "channels_app"
    verbose_name = _("Channels")
