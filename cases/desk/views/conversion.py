"""Making a case the right case on the workbench: the "convert or reclassify" page (GET), converting
(an inquiry into a return, exchange, repair, refund-only case or complaint) and reclassifying (POST).

Who: the desk's staff see the page; converting and reclassifying need ``cases.work_case`` (the service
checks it: 403 otherwise). A refused write shows the page again with the message and what was posted,
nothing written; done is the case page.
"""

from __future__ import annotations

from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from cases import services
from cases.desk.conversion import conversion_page, posted_conversion
from cases.desk.views.actions import posted_version
from cases.desk.views.case_page import case_or_404
from core.desk import answer_write, desk_required, refusal


@desk_required
def convert_page(request, number: str):
    return _render(request, case_or_404(number, request.user))


def _render(request, case, *, error: str = "", status: int = 200):
    posted = request.POST if request.method == "POST" else None
    context = conversion_page(case=case, error=error, posted=posted)
    return render(request, "desk/convert.html", context, status=status)


@desk_required
@require_POST
def convert(request, number: str):
    case = case_or_404(number, request.user)
    return _answer(
        request,
        case,
        lambda: services.convert_case(
            case=case, actor=request.user, expected_version=posted_version(request), **posted_conversion(request.POST)
        ),
    )


@desk_required
@require_POST
def reclassify(request, number: str):
    case = case_or_404(number, request.user)
    return _answer(
        request,
        case,
        lambda: services.reclassify_case(
            case=case,
            actor=request.user,
            why=request.POST.get("why", ""),
            kind=request.POST.get("kind") or None,
            reason_code=request.POST.get("reason_code") or None,
            expected_version=posted_version(request),
        ),
    )


def _answer(request, case, write):
    return answer_write(
        write,
        done=lambda _case: redirect(reverse("desk:case", args=[case.number])),
        # Shown from the database again: a write that lost a race may have changed the object in memory.
        refused=lambda exc: _render(request, case_or_404(case.number, request.user), **refusal(exc)),
    )
