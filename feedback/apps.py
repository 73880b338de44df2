from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FeedbackConfig(AppConfig):
    """Surveys (CSAT, NPS, CES), invitations, answers and the closed loop; free feedback."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "feedback"
    verbose_name = _("Feedback")

    def ready(self):
        from cases.signals import case_event_recorded, survey_due, survey_reminder_due
        from feedback import receivers

        survey_due.connect(receivers.on_survey_due, dispatch_uid="feedback.invite")
        survey_reminder_due.connect(receivers.on_survey_reminder_due, dispatch_uid="feedback.remind")
        case_event_recorded.connect(receivers.on_case_event, dispatch_uid="feedback.on_case_event")
        # The personal data in this app's models, for erasure (core.personal_data).
        from feedback.personal_data import register_all

        register_all()
        # What the roles may do with feedback (core.roles); the desk's follow-up board (core.desk).
        from core.desk import register_menu_entry
        from feedback import roles

        roles.register()
        register_menu_entry(
            label=_("Follow-ups"),
            url_name="feedback_desk:follow_ups",
            permission="cases.view_revisittask",
            order=20,
            section=_("Feedback"),
        )
