"""Surveys as data, their invitations and answers, free feedback and its categories (issue 7).

A ``Survey`` asks some of CSAT (1-5), NPS (0-10), CES (1-7) and a free comment, worded in both
languages. ``SurveyRule`` picks the survey for a resolved case by kind and channel (the delay after
resolution is the cases app's ``ServiceSettings.survey_delay_minutes``, which a manager edits).
An invitation carries a signed link; one ``SurveyResponse`` per invitation (a double submit or a
replay stores one row). Low answers open a revisit task (回访) for the team lead
(``cases.sla.follow_ups.create_revisit``): the closed loop.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from solo.models import SingletonModel

from cases.models import Case, Channel, Customer, Team


class QuestionKind(models.TextChoices):
    CSAT = "csat", _("Satisfaction (CSAT, 1-5)")
    NPS = "nps", _("Recommendation (NPS, 0-10)")
    CES = "ces", _("Effort (CES, 1-7)")
    COMMENT = "comment", _("Free comment")


SCALES: dict[str, tuple[int, int]] = {QuestionKind.CSAT: (1, 5), QuestionKind.NPS: (0, 10), QuestionKind.CES: (1, 7)}


class Survey(models.Model):
    code = models.SlugField(_("code"), max_length=50, unique=True)
    name = models.CharField(_("name"), max_length=100)
    active = models.BooleanField(_("active"), default=True)
    ask_csat = models.BooleanField(_("ask CSAT (1-5)"), default=True)
    ask_nps = models.BooleanField(_("ask NPS (0-10)"), default=False)
    ask_ces = models.BooleanField(_("ask CES (1-7)"), default=False)
    ask_comment = models.BooleanField(_("ask for a comment"), default=True)
    csat_en = models.CharField(
        _("CSAT question (English)"), max_length=300, default="How satisfied are you with how we handled your request?"
    )
    csat_zh = models.CharField(_("CSAT question (Chinese)"), max_length=300, default="您对本次售后处理满意吗？")
    nps_en = models.CharField(
        _("NPS question (English)"), max_length=300, default="How likely are you to recommend us to a friend?"
    )
    nps_zh = models.CharField(_("NPS question (Chinese)"), max_length=300, default="您有多大可能把我们推荐给朋友？")
    ces_en = models.CharField(
        _("CES question (English)"),
        max_length=300,
        default="How much effort did it take to get your request handled? (1 = very little)",
    )
    ces_zh = models.CharField(
        _("CES question (Chinese)"), max_length=300, default="这次办理售后，您花了多少力气？（1 = 非常省力）"
    )
    comment_en = models.CharField(
        _("comment prompt (English)"), max_length=300, default="Anything you would like to tell us?"
    )
    comment_zh = models.CharField(_("comment prompt (Chinese)"), max_length=300, default="还有什么想告诉我们的吗？")

    class Meta:
        verbose_name = _("survey")
        verbose_name_plural = _("surveys")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def questions(self) -> list[str]:
        return [
            kind
            for kind, on in (
                (QuestionKind.CSAT, self.ask_csat),
                (QuestionKind.NPS, self.ask_nps),
                (QuestionKind.CES, self.ask_ces),
                (QuestionKind.COMMENT, self.ask_comment),
            )
            if on
        ]

    def wording(self, kind: str, language: str) -> str:
        return getattr(self, f"{kind}_{'zh' if language.startswith('zh') else 'en'}")


class SurveyRule(models.Model):
    """Which survey a resolved case gets: the first active rule (by position) matching its kind and
    channel; empty lists match any. No matching rule: no survey."""

    position = models.PositiveIntegerField(_("position"), default=100)
    survey = models.ForeignKey(Survey, verbose_name=_("survey"), on_delete=models.CASCADE, related_name="rules")
    kinds = models.JSONField(_("case kinds"), default=list, blank=True, help_text=_("Empty: every kind."))
    channels = models.JSONField(_("channels"), default=list, blank=True, help_text=_("Empty: every channel."))
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("survey rule")
        verbose_name_plural = _("survey rules")
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return f"{self.position}: {self.survey}"

    def matches(self, *, kind: str, channel: str) -> bool:
        return (not self.kinds or kind in self.kinds) and (not self.channels or channel in self.channels)


class FeedbackSettings(SingletonModel):
    """The closed loop's and the invitations' numbers, one row a manager edits."""

    valid_days = models.PositiveSmallIntegerField(_("a survey link is valid for (days)"), default=14)
    low_csat = models.PositiveSmallIntegerField(_("CSAT at or below this opens a follow-up"), default=2)
    low_nps = models.PositiveSmallIntegerField(_("NPS at or below this opens a follow-up"), default=6)
    complaint_words = models.TextField(
        _("words that flag a comment as a complaint"),
        blank=True,
        default="投诉\n差评\n太差\n骗\n欺骗\n12315\n举报\ncomplaint\nterrible\nscam\nworst\nawful\nunacceptable",
        help_text=_("One per line, Chinese or English, matched anywhere in the comment regardless of case."),
    )
    reward_enabled = models.BooleanField(_("thank with a coupon"), default=False)
    reward_value = models.DecimalField(_("coupon value"), max_digits=8, decimal_places=2, default=5)
    reward_currency = models.CharField(_("coupon currency"), max_length=3, default="CNY")

    class Meta:
        verbose_name = _("feedback settings")

    def __str__(self) -> str:
        return str(_("Feedback settings"))


class InvitationStatus(models.TextChoices):
    SENT = "sent", _("Sent")
    REMINDED = "reminded", _("Reminded")
    ANSWERED = "answered", _("Answered")
    EXPIRED = "expired", _("Expired")
    CANCELLED = "cancelled", _("Cancelled (case reopened)")


OPEN_INVITATION = (InvitationStatus.SENT, InvitationStatus.REMINDED)


class SurveyInvitation(models.Model):
    case = models.ForeignKey(Case, verbose_name=_("case"), on_delete=models.CASCADE, related_name="survey_invitations")
    customer = models.ForeignKey(Customer, verbose_name=_("customer"), on_delete=models.CASCADE, related_name="+")
    survey = models.ForeignKey(Survey, verbose_name=_("survey"), on_delete=models.PROTECT, related_name="invitations")
    channel = models.CharField(_("sent on"), max_length=16, choices=Channel.choices)
    language = models.CharField(_("language"), max_length=10, choices=settings.LANGUAGES)
    status = models.CharField(
        _("status"), max_length=10, choices=InvitationStatus.choices, default=InvitationStatus.SENT
    )
    sent_at = models.DateTimeField(_("sent at"))
    reminded_at = models.DateTimeField(_("reminded at"), null=True, blank=True)
    expires_at = models.DateTimeField(_("expires at"))
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)

    class Meta:
        verbose_name = _("survey invitation")
        verbose_name_plural = _("survey invitations")
        ordering = ["-sent_at", "-id"]
        indexes = [
            models.Index(fields=["sent_at"], name="invitation_by_sent"),
            models.Index(
                fields=["expires_at"],
                name="invitation_open_by_expiry",
                condition=models.Q(status__in=["sent", "reminded"]),
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["case"],
                condition=models.Q(status__in=["sent", "reminded"]),
                name="invitation_one_open_per_case",
            )
        ]

    def __str__(self) -> str:
        return f"{self.case_id} {self.survey_id} {self.status}"


class ResponseSource(models.TextChoices):
    LINK = "link", _("Survey link")
    IMPORT = "import", _("Imported")


class SurveyResponse(models.Model):
    """The customer's answers: one per invitation; imported answers carry the tool's id instead."""

    invitation = models.OneToOneField(
        SurveyInvitation,
        verbose_name=_("invitation"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="response",
    )
    case = models.ForeignKey(
        Case, verbose_name=_("case"), null=True, blank=True, on_delete=models.SET_NULL, related_name="survey_responses"
    )
    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("agent"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    team = models.ForeignKey(
        Team, verbose_name=_("team"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices, blank=True)
    kind = models.CharField(_("case kind"), max_length=16, blank=True)
    csat = models.PositiveSmallIntegerField(_("CSAT"), null=True, blank=True)
    nps = models.PositiveSmallIntegerField(_("NPS"), null=True, blank=True)
    ces = models.PositiveSmallIntegerField(_("CES"), null=True, blank=True)
    comment = models.TextField(_("comment"), blank=True)
    complaint = models.BooleanField(_("comment is a complaint"), default=False)
    language = models.CharField(_("language"), max_length=10, blank=True)
    source = models.CharField(_("source"), max_length=8, choices=ResponseSource.choices, default=ResponseSource.LINK)
    external_id = models.CharField(_("external id"), max_length=100, null=True, blank=True, unique=True)
    answered_at = models.DateTimeField(_("answered at"))

    class Meta:
        verbose_name = _("survey response")
        verbose_name_plural = _("survey responses")
        ordering = ["-answered_at", "-id"]
        indexes = [models.Index(fields=["answered_at", "id"], name="response_by_answered")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(csat__isnull=True) | models.Q(csat__gte=1, csat__lte=5), name="response_csat_1_5"
            ),
            models.CheckConstraint(
                condition=models.Q(nps__isnull=True) | models.Q(nps__lte=10), name="response_nps_0_10"
            ),
            models.CheckConstraint(
                condition=models.Q(ces__isnull=True) | models.Q(ces__gte=1, ces__lte=7), name="response_ces_1_7"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case_id}: csat={self.csat} nps={self.nps} ces={self.ces}"


class FeedbackCategory(models.Model):
    """A topic of free feedback, with the words (zh and en) that put a text in it and the team it goes to."""

    code = models.SlugField(_("code"), max_length=30, unique=True)
    name_en = models.CharField(_("name (English)"), max_length=100)
    name_zh = models.CharField(_("name (Chinese)"), max_length=100)
    keywords = models.TextField(_("keywords"), blank=True, help_text=_("One per line, Chinese or English."))
    team = models.ForeignKey(
        Team, verbose_name=_("team"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    position = models.PositiveIntegerField(
        _("position"), default=100, help_text=_("Breaks ties between equal matches.")
    )

    class Meta:
        verbose_name = _("feedback category")
        verbose_name_plural = _("feedback categories")
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.name_en


class FreeFeedback(models.Model):
    """Feedback not tied to a case, from the portal or a channel; categorised and routed to a team."""

    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    text = models.TextField(_("text"))
    contact = models.CharField(_("contact (optional)"), max_length=254, blank=True)
    language = models.CharField(_("language"), max_length=10, blank=True)
    category = models.ForeignKey(
        FeedbackCategory,
        verbose_name=_("category"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="items",
    )
    categorised_by = models.CharField(
        _("categorised by"), max_length=10, blank=True, help_text=_("keywords, customer or staff")
    )
    matched = models.JSONField(_("matched words"), default=list, blank=True)
    team = models.ForeignKey(
        Team, verbose_name=_("team"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"))
    handled_at = models.DateTimeField(_("handled at"), null=True, blank=True)

    class Meta:
        verbose_name = _("free feedback")
        verbose_name_plural = _("free feedback")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["team", "handled_at", "-created_at"], name="feedback_by_team_open")]

    def __str__(self) -> str:
        return self.text[:60]
