"""Splitting a message out of a case into a new case (a timeline entry's "Split into a new case").

Who: staff who may work cases and see this case; a refusal shows the case again with the message.
"""

from __future__ import annotations

from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_POST

from cases import services
from cases.desk.views.case_page import case_or_404, render_case
from core.desk import answer_write, desk_required, refusal


@desk_required
@require_POST
def split(request, number: str):
    case = case_or_404(number, request.user)
    return answer_write(
        lambda: services.split_message(
            case=case,
            event_id=request.POST.get("event", ""),
            actor=request.user,
            kind=request.POST.get("kind", "inquiry"),
            subject=request.POST.get("subject", ""),
        ),
        done=lambda new: redirect(reverse("desk:case", args=[new.number])),
        refused=lambda exc: render_case(request, number, **refusal(exc)),
    )
