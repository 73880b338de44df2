from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ChannelsAppConfig(AppConfig):
    """Intake and outbound on every channel: the self-service portal (issue 4); email, chat,
    phone and social come in issue 6."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "channels_app"
    verbose_name = _("Channels")

    def ready(self):
        from cases.signals import case_event_recorded

        from .receivers import email_customer

        case_event_recorded.connect(email_customer, dispatch_uid="channels_app.email_customer")
