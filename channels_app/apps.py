from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


def _portal_customer_id(request) -> int | None:
    from channels_app.portal import signed_in_customer

    session = getattr(request, "session", None)
    customer = signed_in_customer(session) if session is not None else None
    return customer.pk if customer is not None else None


class ChannelsAppConfig(AppConfig):
    """Intake and outbound on every channel: the self-service portal, email, live chat, phone and
    social media; one customer across them; the shop's outgoing webhooks."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "channels_app"
    verbose_name = _("Channels")

    def ready(self):
        from cases.signals import case_event_recorded
        from channels_app.receivers import on_case_event

        case_event_recorded.connect(on_case_event, dispatch_uid="channels_app.on_case_event")
        # The personal data in this app's models, for erasure (core.personal_data).
        from channels_app.personal_data import register_all

        register_all()
        # The Celery tasks, registered in every process (web too): the outbox nudges them by name.
        from channels_app import tasks  # noqa: F401

        # Other apps link what a signed-in portal customer leaves to them (core.signed_in).
        from core import signed_in

        signed_in.register(_portal_customer_id)
        # What the roles may do with the channels (core.roles); the desk's "Log a call" (core.desk).
        from channels_app import roles
        from core.desk import register_menu_entry

        roles.register()
        register_menu_entry(
            label=_("Log a call"),
            url_name="desk_calls:new",
            permission="cases.work_case",
            staff_only=True,
            order=10,
            section=_("Workbench"),
        )
