from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _install_sla_defaults(sender, **kwargs):
    from cases.sla.defaults import install_defaults

    install_defaults()


class CasesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "cases"
    verbose_name = _("Cases")

    def ready(self):
        post_migrate.connect(_install_sla_defaults, sender=self, dispatch_uid="cases.sla.defaults")
        # The SLA clocks and follow-ups follow every case event, inside the event's transaction: the
        # listed receivers of cases.reactions.
        from cases import reactions

        reactions.connect()
        # The personal data in this app's models, for erasure (core.personal_data).
        from cases.personal_data import register_all

        register_all()
        # What the roles may do with cases (core.roles builds the groups after migrate); who may
        # enter the desk (core.desk). The Celery tasks are imported so every process (web too) has
        # them registered: the outbox nudges them by name.
        from cases import roles, tasks  # noqa: F401 - tasks: registered on import
        from core.desk import register_desk_permissions, register_page

        roles.register()
        register_desk_permissions(*roles.DESK_PERMISSIONS)
        # The case page, which other apps' desk actions answer with when they refuse a write.
        register_page("case", "cases.desk.views.render_case")
        # Opening a case for a customer who phoned, walked in or wrote on a marketplace.
        from core.desk import register_menu_entry

        register_menu_entry(
            label=_("New case"),
            url_name="desk:new_case",
            permission="cases.add_case",
            staff_only=True,
            order=5,
            section=_("Workbench"),
        )
