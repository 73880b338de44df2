from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ChannelsAppConfig(AppConfig):
    """Intake and outbound on every channel: the self-service portal, email, live chat, phone and
    social media; one customer across them; the shop's outgoing webhooks."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "channels_app"
    verbose_name = _("Channels")

    def ready(self):
        from cases.signals import case_event_recorded

        from .receivers import on_case_event

        case_event_recorded.connect(on_case_event, dispatch_uid="channels_app.on_case_event")
