from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _ensure_roles(sender, **kwargs):
    from django.apps import apps
    from django.contrib.auth.management import create_permissions

    from cases.roles import ensure_roles

    # The roles name permissions of apps migrated after this one: create every app's first
    # (idempotent; Django would create them a moment later).
    for app_config in apps.get_app_configs():
        create_permissions(app_config, verbosity=0, using=kwargs.get("using", "default"))
    ensure_roles()


def _install_sla_defaults(sender, **kwargs):
    from cases.sla.defaults import install_defaults

    install_defaults()


def _move_clocks(sender, case, event, **kwargs):
    from cases.sla.clocks import on_case_event

    on_case_event(case=case, event=event)


def _schedule_follow_ups(sender, case, event, **kwargs):
    from cases.sla.follow_ups import on_case_event

    on_case_event(case=case, event=event)


class CasesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "cases"
    verbose_name = _("Cases")

    def ready(self):
        # After this app migrated: auth has created its permissions by then (its receiver runs first).
        post_migrate.connect(_ensure_roles, sender=self, dispatch_uid="cases.ensure_roles")
        post_migrate.connect(_install_sla_defaults, sender=self, dispatch_uid="cases.sla.defaults")
        # The SLA clocks and follow-ups follow every case event, inside the event's transaction.
        from cases.signals import case_event_recorded

        case_event_recorded.connect(_move_clocks, dispatch_uid="cases.sla.clocks")
        case_event_recorded.connect(_schedule_follow_ups, dispatch_uid="cases.sla.follow_ups")
        # The personal data in this app's models, for erasure (core.personal_data).
        from cases.personal_data import register_all

        register_all()
