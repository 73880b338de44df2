"""Approvals on the desk: asking for one above the agent's limit, and a manager's decision on it.

Both answer through ``case_page.after_write`` like every write on a case.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cases import services
from cases.desk.views.case_page import after_write, case_or_404
from cases.exceptions import InvalidInput
from cases.money import approvals
from core.desk import desk_required


@desk_required
@require_POST
def ask_approval(request, number: str):
    case = case_or_404(number, request.user)
    return after_write(
        request,
        number,
        lambda: services.request_approval(
            case=case,
            actor=request.user,
            resolution_type=request.POST.get("resolution_type", ""),
            refund_amount=request.POST.get("refund_amount", ""),
            resolution_note=request.POST.get("resolution_note", ""),
        ),
    )


@desk_required
@require_POST
def decide(request, number: str):
    case = case_or_404(number, request.user)

    def write():
        waiting = approvals.pending(case)
        if waiting is None:
            raise InvalidInput(_("Nothing waits for an approval on this case."))
        services.decide_approval(
            request=waiting,
            actor=request.user,
            approve=request.POST.get("approve") == "1",
            note=request.POST.get("note", ""),
        )

    return after_write(request, number, write)
