from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PrivacyConfig(AppConfig):
    """Personal data (PIPL / GDPR): the audit log, a customer's export and erasure, retention."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "privacy"
    verbose_name = _("Privacy")

    def ready(self):
        from cases.signals import personal_data_accessed
        from privacy import receivers

        personal_data_accessed.connect(receivers.on_personal_data_accessed, dispatch_uid="privacy.log_access")
        # The personal data in this app's models and Django's admin log, for erasure (core.personal_data).
        from privacy.personal_data import register_all

        register_all()
