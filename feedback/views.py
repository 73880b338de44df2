"""The survey pages customers open from their message: public, reached by the signed link alone.

Thin: the link is read by ``services.invitation_for_token`` and the answers stored by
``services.answer``; this module only picks the language, renders and maps the domain errors
(a tampered link 400, an expired or cancelled one 410, invalid answers the form again with 400).
The page shows the case's number and what was resolved, nothing else of the case.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from core.errors import InvalidInput
from feedback import services
from feedback.models import InvitationStatus, SurveyInvitation
from feedback.presenters import questions

FIELDS = ("csat", "nps", "ces", "comment")


def _language(request: HttpRequest, invitation: SurveyInvitation | None) -> str:
    """The language switch (``?lang=`` or the form's ``lang``) first, else the invitation's."""
    asked = request.POST.get("lang") or request.GET.get("lang") or ""
    if asked in dict(settings.LANGUAGES):
        return asked
    if invitation is not None:
        return invitation.language
    return translation.get_language() or settings.LANGUAGE_CODE


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
    scores, comment_prompt = questions(invitation, language, chosen)
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
