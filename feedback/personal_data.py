"""The personal data in this app's models, for the registry of ``core.personal_data`` (imported and called
from ``FeedbackConfig.ready``, once the models are loaded): survey comments and free feedback; the scores
stay for the KPIs."""

from __future__ import annotations

from django.db.models import Q

from cases.models import Case
from core.personal_data import ERASED, How, not_personal, register
from feedback.models import (
    FeedbackCategory,
    FeedbackSettings,
    FreeFeedback,
    Survey,
    SurveyInvitation,
    SurveyResponse,
    SurveyRule,
)

CONFIGURATION = "configuration the staff writes, about no customer"
CODE = "a code, status or choice from a fixed list"


def register_all() -> None:
    register(
        SurveyResponse,
        rows=lambda s: Q(customer=s.customer) | Q(case__in=s.pks(Case)),
        fields=["comment"],
        how=How.BLANK,
    )
    not_personal(SurveyResponse, fields=["channel", "kind", "language", "source"], reason=CODE)
    not_personal(
        SurveyResponse,
        fields=["external_id"],
        reason="the survey tool's id of an imported answer, kept so that importing it again adds nothing",
    )
    not_personal(SurveyInvitation, fields=["channel", "language", "status"], reason=CODE)
    # Free feedback of the customer, and feedback left without a sign-in that gave one of their
    # addresses as the contact.
    register(
        FreeFeedback,
        rows=lambda s: Q(customer=s.customer) | (Q(customer__isnull=True) & s.q_address("contact")),
        fields=["text"],
        how=How.MASK,
        value=ERASED,
    )
    register(FreeFeedback, fields=["contact", "matched"], how=How.BLANK)
    not_personal(FreeFeedback, fields=["channel", "language", "categorised_by"], reason=CODE)

    not_personal(
        Survey,
        fields=[
            "code",
            "name",
            "csat_en",
            "csat_zh",
            "nps_en",
            "nps_zh",
            "ces_en",
            "ces_zh",
            "comment_en",
            "comment_zh",
        ],
        reason=CONFIGURATION,
    )
    not_personal(SurveyRule, fields=["kinds", "channels"], reason=CONFIGURATION)
    not_personal(FeedbackSettings, fields=["complaint_words", "reward_currency"], reason=CONFIGURATION)
    not_personal(FeedbackCategory, fields=["code", "name_en", "name_zh", "keywords"], reason=CONFIGURATION)
