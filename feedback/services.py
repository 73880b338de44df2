"""Every write of the feedback app: invitations, answers and the closed loop, free feedback.

Invitations come from the cases app's follow-up sweep: ``cases.signals.survey_due`` (the
``ServiceSettings.survey_delay_minutes`` after resolution, a manager's number) and
``survey_reminder_due`` (one reminder). The invitation is written, and the customer told, in the
sweep's transaction: a public ``survey`` CaseEvent carrying the link, which channels_app delivers on
the case's channel (email from the inbox, a chat message, a social reply; a notification email or
an SMS otherwise). Nothing here calls another app.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings as django_settings
from django.core import signing
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from cases.models import Case, CaseStatus, Channel, Customer, EventType, RevisitReason
from cases.selectors import VOUCHED
from cases.services import create_revisit, record_event
from core import clock
from core.errors import InvalidInput
from feedback.models import (
    OPEN_INVITATION,
    SCALES,
    FeedbackCategory,
    FeedbackSettings,
    FreeFeedback,
    InvitationStatus,
    QuestionKind,
    ResponseSource,
    Survey,
    SurveyInvitation,
    SurveyResponse,
    SurveyRule,
)

SALT = "feedback.survey-invitation"
CJK = re.compile(r"[\u3400-\u9fff]")
MAX_COMMENT = 2000


class LinkInvalid(InvalidInput):
    """The survey link was altered, or is not one of ours."""


class LinkExpired(InvalidInput):
    """The survey link is ours but its time is over (or the case was reopened)."""

    http_status = 410
    code = "expired"


# --- the link ----------------------------------------------------------------------------------------


def token_for(invitation: SurveyInvitation) -> str:
    """A signed token naming the invitation and carrying its expiry (Unix seconds); the same for
    every call, so the link in the invitation and in its reminder are one link."""
    payload = {"i": invitation.pk, "e": int(invitation.expires_at.timestamp())}
    return signing.Signer(salt=SALT).sign_object(payload, compress=True)


def survey_link(invitation: SurveyInvitation) -> str:
    return django_settings.SITE_URL.rstrip("/") + reverse("feedback:answer", args=[token_for(invitation)])


def invitation_for_token(token: str, *, at: datetime | None = None) -> SurveyInvitation:
    """The invitation behind a link; LinkInvalid when tampered, LinkExpired when its time (the
    expiry the token carries, read by the product's clock) is over or the case was reopened. An
    answered invitation is returned whatever the date (its page says thank you)."""
    invalid = _("This survey link is not valid. Open the link from your message again.")
    try:
        payload = signing.Signer(salt=SALT).unsign_object(token)
    except (signing.BadSignature, ValueError, UnicodeError):
        raise LinkInvalid(invalid)
    if not isinstance(payload, dict) or not isinstance(payload.get("i"), int) or not isinstance(payload.get("e"), int):
        raise LinkInvalid(invalid)
    invitation = SurveyInvitation.objects.select_related("survey", "case", "customer").filter(pk=payload["i"]).first()
    if invitation is None or int(invitation.expires_at.timestamp()) != payload["e"]:
        raise LinkInvalid(invalid)
    if invitation.status == InvitationStatus.ANSWERED:
        return invitation
    if invitation.status == InvitationStatus.CANCELLED:
        raise LinkExpired(_("This survey was withdrawn because your request was reopened. Thank you anyway!"))
    now = at or clock.now()
    if invitation.status == InvitationStatus.EXPIRED or payload["e"] <= now.timestamp():
        raise LinkExpired(_("This survey link has expired. Thank you anyway!"))
    return invitation


# --- invitations ------------------------------------------------------------------------------------


def survey_for(case: Case) -> Survey | None:
    for rule in SurveyRule.objects.filter(active=True, survey__active=True).select_related("survey"):
        if rule.matches(kind=case.kind, channel=case.channel):
            return rule.survey
    return None


def _reply_channel(case: Case) -> str:
    """The channel the customer last wrote on (the survey goes where the conversation was), not
    counting senders nobody vouched for (a visitor who typed the customer's email into a chat): the
    link is the customer's. The delivery skips such senders too (channels_app.replies)."""
    last = (
        case.events.filter(type__in=[EventType.CREATED, EventType.REPLY], public=True)
        .exclude(data__direction="out")
        .filter(VOUCHED)
        .order_by("-created_at", "-id")
        .values_list("channel", flat=True)
        .first()
    )
    return last or case.channel


def _tell(*, invitation: SurveyInvitation, reminder: bool, at: datetime) -> None:
    case = invitation.case
    with translation.override(invitation.language):
        if reminder:
            lead = _("A reminder: we would still love to hear how we did with your request %(case)s.")
        else:
            lead = _("Your request %(case)s is resolved. How did we do? It takes a minute.")
        text = (lead % {"case": case.number}) + "\n" + survey_link(invitation)
    record_event(
        case=case,
        type=EventType.SURVEY,
        actor=None,
        at=at,
        public=True,
        channel=invitation.channel,
        note=text,
        data={"invitation": invitation.pk, "reminder": reminder},
    )


def invite(*, case: Case, at: datetime | None = None) -> SurveyInvitation | None:
    """Invite the customer of a resolved case to the survey its rule picks (None: no rule, or an
    invitation already open). Runs in the caller's transaction (the follow-up sweep's)."""
    at = at or clock.now()
    if case.status not in (CaseStatus.RESOLVED, CaseStatus.CLOSED):
        return None
    survey = survey_for(case)
    if survey is None:
        return None
    try:
        with transaction.atomic():
            invitation = SurveyInvitation.objects.create(
                case=case,
                customer=case.customer,
                survey=survey,
                channel=_reply_channel(case),
                language=case.customer.language,
                sent_at=at,
                expires_at=at + timedelta(days=FeedbackSettings.get_solo().valid_days),
            )
    except IntegrityError:  # one open invitation per case: the sweep ran twice
        return None
    _tell(invitation=invitation, reminder=False, at=at)
    return invitation


def remind(*, case: Case, at: datetime | None = None) -> SurveyInvitation | None:
    """The one reminder, when the invitation is still open and unanswered."""
    at = at or clock.now()
    invitation = (
        SurveyInvitation.objects.select_for_update()
        .filter(case=case, status=InvitationStatus.SENT, expires_at__gt=at)
        .first()
    )
    if invitation is None:
        return None
    invitation.status, invitation.reminded_at = InvitationStatus.REMINDED, at
    invitation.save(update_fields=["status", "reminded_at"])
    _tell(invitation=invitation, reminder=True, at=at)
    return invitation


def cancel_open(*, case: Case) -> int:
    """A reopened case's survey is no longer the right question."""
    return SurveyInvitation.objects.filter(case=case, status__in=OPEN_INVITATION).update(
        status=InvitationStatus.CANCELLED
    )


def expire_due(*, at: datetime | None = None) -> int:
    """Mark invitations whose time is over (beat); the link refuses them already."""
    return SurveyInvitation.objects.filter(status__in=OPEN_INVITATION, expires_at__lte=at or clock.now()).update(
        status=InvitationStatus.EXPIRED
    )


# --- answers ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Answers:
    csat: int | None = None
    nps: int | None = None
    ces: int | None = None
    comment: str = ""


def _score(value: Any, kind: str, *, required: bool) -> int | None:
    low, high = SCALES[kind]
    if value in (None, ""):
        if required:
            raise InvalidInput(_("Choose a score from %(low)s to %(high)s.") % {"low": low, "high": high})
        return None
    try:
        number = int(str(value).strip())
    except ValueError:
        raise InvalidInput(_("Choose a score from %(low)s to %(high)s.") % {"low": low, "high": high})
    if not low <= number <= high:
        raise InvalidInput(_("Choose a score from %(low)s to %(high)s.") % {"low": low, "high": high})
    return number


def clean_answers(*, questions: list[str], data: dict[str, Any], required: bool = True) -> Answers:
    """Validate raw answers against the survey's questions (the scores it asks are required)."""
    comment = data.get("comment") or ""
    if not isinstance(comment, str):
        raise InvalidInput(_("The comment must be text."))
    comment = comment.strip()
    if len(comment) > MAX_COMMENT:
        raise InvalidInput(_("The comment is too long (at most %(n)s characters).") % {"n": MAX_COMMENT})
    scores = {
        kind: _score(data.get(kind), kind, required=required and kind in questions) if kind in questions else None
        for kind in (QuestionKind.CSAT, QuestionKind.NPS, QuestionKind.CES)
    }
    if not any(v is not None for v in scores.values()) and not comment:
        raise InvalidInput(_("Answer at least one question."))
    return Answers(comment=comment if QuestionKind.COMMENT in questions or not questions else "", **scores)


def words_in(text: str, words: str) -> list[str]:
    """The words of a manager's list (one per line) found in ``text``, case-insensitively.

    Chinese has no spaces, so a Chinese word matches anywhere; an English one must start a word
    ("scam" finds "scammed" but not "ascam"), which keeps stems useful ("deliver" finds "delivery").
    """
    lowered = (text or "").lower()
    found = []
    for word in (line.strip().lower() for line in words.splitlines()):
        if not word:
            continue
        if word.isascii() and not re.search(rf"(?<![a-z]){re.escape(word)}", lowered):
            continue
        if not word.isascii() and word not in lowered:
            continue
        found.append(word)
    return found


def is_low(*, response: SurveyResponse, settings: FeedbackSettings) -> list[str]:
    reasons = []
    if response.csat is not None and response.csat <= settings.low_csat:
        reasons.append(_("CSAT %(n)s") % {"n": response.csat})
    if response.nps is not None and response.nps <= settings.low_nps:
        reasons.append(_("NPS %(n)s") % {"n": response.nps})
    if response.complaint:
        reasons.append(_("the comment reads as a complaint"))
    return reasons


def close_the_loop(*, response: SurveyResponse, at: datetime, settings: FeedbackSettings | None = None) -> None:
    """A low answer (or a complaint in the comment) becomes a revisit task for the team lead, with
    its due date. Every completed survey from a link earns the thank-you coupon when it is on —
    whatever the score: a reward for good scores only would be buying reviews (好评返现). The coupon
    is a ``follow_up`` event that the shop's webhook turns into a coupon request."""
    settings = settings or FeedbackSettings.get_solo()
    case = response.case
    if case is None:
        return
    reasons = is_low(response=response, settings=settings)
    if reasons:
        with translation.override(django_settings.LANGUAGE_CODE):
            note = _("Survey answer: %(reasons)s.") % {"reasons": ", ".join(str(r) for r in reasons)}
            if response.comment:
                note += "\n" + _("Comment: %(comment)s") % {"comment": response.comment}
        create_revisit(case=case, reason=RevisitReason.LOW_SCORE, note=note, at=at)
    if settings.reward_enabled and response.source == ResponseSource.LINK:
        record_event(
            case=case,
            type=EventType.FOLLOW_UP,
            actor=None,
            at=at,
            data={
                "follow_up": "coupon",
                "response": response.pk,
                "value": f"{settings.reward_value:.2f}",
                "currency": settings.reward_currency,
            },
        )


def answer(
    *, invitation: SurveyInvitation, data: dict[str, Any], at: datetime | None = None
) -> tuple[SurveyResponse, bool]:
    """Store the customer's answers once: (response, created). A second submit, a double click or
    a replayed POST finds the first answer and changes nothing."""
    at = at or clock.now()
    with transaction.atomic():
        locked = SurveyInvitation.objects.select_for_update().select_related("case", "survey").get(pk=invitation.pk)
        existing = SurveyResponse.objects.filter(invitation=locked).first()
        if existing is not None:  # a double submit or a replay, whatever it carries: the first answer
            return existing, False
        answers = clean_answers(questions=locked.survey.questions(), data=data)
        if locked.status not in OPEN_INVITATION or locked.expires_at <= at:
            raise LinkExpired(_("This survey link has expired. Thank you anyway!"))
        case = locked.case
        settings = FeedbackSettings.get_solo()
        response = SurveyResponse.objects.create(
            invitation=locked,
            case=case,
            customer=locked.customer,
            agent=case.assignee,
            team=case.team,
            channel=locked.channel,
            kind=case.kind,
            csat=answers.csat,
            nps=answers.nps,
            ces=answers.ces,
            comment=answers.comment,
            complaint=bool(words_in(answers.comment, settings.complaint_words)),
            language=locked.language,
            answered_at=at,
        )
        locked.status, locked.answered_at = InvitationStatus.ANSWERED, at
        locked.save(update_fields=["status", "answered_at"])
        close_the_loop(response=response, at=at, settings=settings)
    return response, True


# --- free feedback ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Categorised:
    category: FeedbackCategory | None
    matched: list[str]


def categorise(text: str) -> Categorised:
    """The category with the most distinct keywords in the text (ties: the lower position); None
    when no keyword matches. Keywords match as ``words_in`` says: Chinese anywhere, English at the
    start of a word."""
    best: FeedbackCategory | None = None
    best_hits: list[str] = []
    for category in FeedbackCategory.objects.all():
        hits = words_in(text, category.keywords)
        if len(hits) > len(best_hits):
            best, best_hits = category, hits
    return Categorised(best, best_hits)


def submit_free_feedback(
    *, text: str, channel: str, customer: Customer | None = None, contact: str = "", at: datetime | None = None
) -> FreeFeedback:
    """Store feedback not tied to a case, categorised by keywords and routed to the category's team."""
    text = text.strip() if isinstance(text, str) else ""
    if not text:
        raise InvalidInput(_("Write your feedback first."))
    if len(text) > MAX_COMMENT:
        raise InvalidInput(_("The feedback is too long (at most %(n)s characters).") % {"n": MAX_COMMENT})
    if channel not in Channel.values:
        raise InvalidInput(_("Unknown channel “%(channel)s”.") % {"channel": channel})
    if len(contact or "") > 254:
        raise InvalidInput(_("The contact is too long."))
    found = categorise(text)
    return FreeFeedback.objects.create(
        customer=customer,
        channel=channel,
        text=text,
        contact=(contact or "").strip(),
        language="zh-hans" if CJK.search(text) else "en",
        category=found.category,
        categorised_by="keywords" if found.category else "",
        matched=found.matched,
        team=found.category.team if found.category else None,
        created_at=at or clock.now(),
    )
