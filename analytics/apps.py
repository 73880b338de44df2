from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AnalyticsConfig(AppConfig):
    """KPI definitions, rollups, dashboards and scorecards (DESIGN.md §5, issue 8)."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "analytics"
    verbose_name = _("Analytics")

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from analytics import receivers

        receivers.connect()
        post_migrate.connect(_default_targets, sender=self, dispatch_uid="analytics.default_targets")
        # The personal data in this app's models, for erasure (core.personal_data).
        from analytics.personal_data import register_all

        register_all()
        # What the roles may do with analytics (core.roles); the dashboard in the desk's menu (core.desk).
        from analytics import roles
        from core.desk import register_menu_entry

        roles.register()
        register_menu_entry(
            label=_("Dashboard"), url_name="dashboard:home", permission="analytics.view_dashboard", order=40
        )


# The targets of DESIGN.md §5: resolution within 3 days (median), resolution rate at least 95 %,
# CSAT at least 90 %, complaint rate below 1 %.
DEFAULT_TARGETS = [
    ("resolution_median_hours", "le", "72"),
    ("resolution_rate", "ge", "0.95"),
    ("csat_rate", "ge", "0.90"),
    ("complaint_rate", "lt", "0.01"),
]


def _default_targets(sender, **kwargs) -> None:
    """After migrate: a shop with no targets at all gets the defaults (deactivate one to hide it)."""
    from analytics.models import KpiTarget

    if not KpiTarget.objects.exists():
        KpiTarget.objects.bulk_create(
            [KpiTarget(kpi=kpi, comparison=comparison, value=value) for kpi, comparison, value in DEFAULT_TARGETS]
        )
