"""The case page of the workbench, and how a write on a case answers (``after_write``).

``render_case`` is the page (registered as the "case" page in ``cases.apps``, so other apps can show
it again after a refused write of theirs); its context is built by ``cases.desk.presenters``.
"""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cases import masking as privacy
from cases import selectors
from cases.desk import presenters
from cases.exceptions import CaseChanged, NeedsApproval
from cases.models import Article
from core.desk import answer_write, desk_required, refusal


def case_or_404(number: str, user):
    case = selectors.desk_case(number=number)
    if case is None or not selectors.can_see(user, case):
        raise Http404
    return case


def render_case(
    request, number: str, *, error: str = "", draft: str = "", status: int = 200, approval_draft: dict | None = None
):
    case = case_or_404(number, request.user)
    if request.method == "GET":
        # Every opening of a case page by staff is in the personal data audit log (privacy app).
        privacy.record_access(
            request=request, action="view_case", customer_id=case.customer_id, case_id=case.pk, case_number=case.number
        )
    context = presenters.case_page(
        request=request, user=request.user, case=case, error=error, draft=draft, approval_draft=approval_draft
    )
    return render(request, "desk/case.html", context, status=status)


@desk_required
def case_view(request, number: str):
    """The case; ``?canned=<id>`` or ``?article=<id>`` puts that text into the reply box."""
    canned_id = request.GET.get("canned", "")
    article_id = request.GET.get("article", "")
    if article_id:
        case = case_or_404(number, request.user)
        article = Article.objects.filter(pk=int(article_id), active=True).first() if article_id.isdigit() else None
        if article is None:
            return render_case(request, number, error=_("There is no such article."), status=400)
        return render_case(request, number, draft=selectors.article_text(article=article, case=case))
    if not canned_id:
        return render_case(request, number)
    case = case_or_404(number, request.user)
    reply = selectors.canned_replies().filter(pk=int(canned_id)).first() if canned_id.isdigit() else None
    if reply is None:
        return render_case(request, number, error=_("There is no such canned reply."), status=400)
    return render_case(request, number, draft=selectors.fill_canned_reply(reply=reply, case=case))


def after_write(request, number: str, write, *, draft: str = ""):
    """Run ``write`` (``core.desk.answer_write``); on a refusal show the case again with the message
    (and the agent's draft); above the approval limit, with the resolution to ask approval for."""

    def refused(exc):
        if isinstance(exc, NeedsApproval):
            fields = ("resolution_type", "refund_amount", "resolution_note")
            approval_draft = {field: request.POST.get(field, "") for field in fields}
            return render_case(request, number, **refusal(exc), approval_draft=approval_draft)
        if isinstance(exc, CaseChanged):
            message = exc.message + " " + _("The case below is the current one.")
            return render_case(request, number, error=message, draft=draft, status=409)
        return render_case(request, number, **refusal(exc), draft=draft)

    return answer_write(write, done=lambda _result: redirect(reverse("desk:case", args=[number])), refused=refused)


@desk_required
@require_POST
def reveal_contact(request, number: str):
    """Show the customer's email and phone on this case for a while, for a reason (audited)."""
    case = case_or_404(number, request.user)
    try:
        privacy.reveal_contact(request=request, case=case, reason=request.POST.get("reason", ""))
    except privacy.RevealRefused as exc:
        return render_case(request, number, error=str(exc), status=400)
    return redirect(reverse("desk:case", args=[case.number]) + "#customer")
