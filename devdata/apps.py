from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DevdataConfig(AppConfig):
    """Demo and benchmark data (``seed_demo``, ``seed_demo_channels``, ``seed_bench``); no models."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "devdata"
    verbose_name = _("Demo and benchmark data")
