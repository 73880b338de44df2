"""The survey pages customers open from their message: public, reached by the signed link alone.

Thin: the link is read by ``services.invitation_for_token`` and the answers stored by
``services.answer``; this module only picks the language, renders and maps the domain errors
(a tampered link 400, an expired or cancelled one 410, invalid answers the form again with 400).
The page shows the case's number and what was resolved, nothing else of the case.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from cases.exceptions import InvalidInput
from feedback import services
from feedback.models import SCALES, InvitationStatus, QuestionKind, SurveyInvitation

FIELDS = ("csat", "nps", "ces", "comment")

# What each end of a scale means, and a face for each CSAT score (the number is always shown too):
# the mouth of an inline SVG face, so it draws the same on every phone (emoji fonts differ or lack).
FACES = {
    1: "M10 23 Q16 15 22 23",
    2: "M10 22 Q16 18.5 22 22",
    3: "M10 21 L22 21",
    4: "M10 19.5 Q16 23.5 22 19.5",
    5: "M9 18.5 Q16 27 23 18.5",
}
ENDS = {
    QuestionKind.CSAT: (_("Very dissatisfied"), _("Very satisfied")),
    QuestionKind.NPS: (_("Not at all likely"), _("Extremely likely")),
    QuestionKind.CES: (_("Very easy"), _("Very difficult")),
}


@dataclass(frozen=True)
class Question:
    kind: str
    text: str
    choices: list[tuple[int, str]]  # (value, the face's mouth or "")
    low_label: str
    high_label: str
    chosen: str


def _language(request: HttpRequest, invitation: SurveyInvitation | None) -> str:
    """The language switch (``?lang=`` or the form's ``lang``) first, else the invitation's."""
    asked = request.POST.get("lang") or request.GET.get("lang") or ""
    if asked in dict(settings.LANGUAGES):
        return asked
    if invitation is not None:
        return invitation.language
    return translation.get_language() or settings.LANGUAGE_CODE


def _questions(invitation: SurveyInvitation, language: str, chosen: dict) -> tuple[list[Question], str | None]:
    survey, scores, comment = invitation.survey, [], None
    for kind in survey.questions():
        if kind == QuestionKind.COMMENT:
            comment = survey.wording(kind, language)
            continue
        low, high = SCALES[kind]
        scores.append(
            Question(
                kind=kind,
                text=survey.wording(kind, language),
                choices=[(n, FACES[n] if kind == QuestionKind.CSAT else "") for n in range(low, high + 1)],
                low_label=str(ENDS[kind][0]),
                high_label=str(ENDS[kind][1]),
                chosen=str(chosen.get(kind) or ""),
            )
        )
    return scores, comment


def _switch(request: HttpRequest, language: str) -> list[tuple[str, str, str]]:
    """(code, name, url) of the other languages: a plain link, no cookie and no JavaScript."""
    names = {"en": "English", "zh-hans": "简体中文"}
    return [
        (code, names.get(code, str(name)), f"{request.path}?lang={code}")
        for code, name in settings.LANGUAGES
        if code != language
    ]


def _link_problem(
    request: HttpRequest, error: services.LinkInvalid | services.LinkExpired, language: str | None = None
) -> HttpResponse:
    language = language or _language(request, None)
    with translation.override(language):
        return render(
            request,
            "feedback/link_problem.html",
            {
                "message": error.message,
                "expired": isinstance(error, services.LinkExpired),
                "languages": _switch(request, language),
            },
            status=error.http_status,
        )


def _see_thanks(token: str, language: str) -> HttpResponse:
    """303 See Other: the browser GETs the thank-you page, and a reload there resubmits nothing."""
    response = redirect(reverse("feedback:thanks", args=[token]) + f"?lang={language}")
    response.status_code = 303
    return response


def _form(
    request: HttpRequest, invitation: SurveyInvitation, language: str, *, chosen: dict, error: str = "", status=200
) -> HttpResponse:
    scores, comment_prompt = _questions(invitation, language, chosen)
    case = invitation.case
    return render(
        request,
        "feedback/answer.html",
        {
            "case_number": case.number,
            "case_kind": case.get_kind_display(),
            "resolution": case.get_resolution_type_display() if case.resolution_type else "",
            "questions": scores,
            "comment_prompt": comment_prompt,
            "comment": chosen.get("comment") or "",
            "max_comment": services.MAX_COMMENT,
            "error": error,
            "language": language,
            "languages": _switch(request, language),
        },
        status=status,
    )


def _open_link(request: HttpRequest, token: str):
    """The link's invitation, or the page that says what is wrong with the link."""
    try:
        with translation.override(_language(request, None)):  # the error's text, before we know whose link
            return services.invitation_for_token(token)
    except (services.LinkInvalid, services.LinkExpired) as error:
        return _link_problem(request, error)


@never_cache
@require_http_methods(["GET", "POST"])
def answer(request: HttpRequest, token: str) -> HttpResponse:
    """The survey: GET shows the questions, POST stores the answers once and says thank you (303)."""
    invitation = _open_link(request, token)
    if isinstance(invitation, HttpResponse):
        return invitation
    language = _language(request, invitation)
    if invitation.status == InvitationStatus.ANSWERED:
        return _see_thanks(token, language)
    with translation.override(language):
        if request.method == "GET":
            return _form(request, invitation, language, chosen={})
        data = {name: request.POST.get(name) for name in FIELDS}
        try:
            services.answer(invitation=invitation, data=data)
        except services.LinkExpired as error:
            return _link_problem(request, error, language)
        except InvalidInput as error:
            return _form(request, invitation, language, chosen=data, error=error.message, status=400)
    return _see_thanks(token, language)


@never_cache
@require_http_methods(["GET"])
def thanks(request: HttpRequest, token: str) -> HttpResponse:
    """Thank you, for an answered invitation; an unanswered one goes back to its questions."""
    invitation = _open_link(request, token)
    if isinstance(invitation, HttpResponse):
        return invitation
    language = _language(request, invitation)
    if invitation.status != InvitationStatus.ANSWERED:
        return redirect(reverse("feedback:answer", args=[token]) + f"?lang={language}")
    with translation.override(language):
        return render(
            request,
            "feedback/thanks.html",
            {"case_number": invitation.case.number, "languages": _switch(request, language)},
        )
