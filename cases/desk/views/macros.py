"""A macro applied from the case page (issue 18, "faster hands"): the same service as the queue's bulk
action (``cases.workflow.bulk.apply_macro``), on this one case.

An unknown or inactive macro is refused before anything is written (``after_write``: the case page
again, 400, with the message). The macro's parts run in order, each through its service; when all of
them went through the answer is a redirect to the case, when some were refused the case page shows
which and why (200: the other parts were written, the timeline shows them).
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cases.desk.views.case_page import after_write, case_or_404, render_case
from cases.workflow import bulk
from core.desk import desk_required


@desk_required
@require_POST
def apply_macro(request, number: str):
    case = case_or_404(number, request.user)
    outcomes: list[bulk.BulkOutcome] = []

    def write():
        macro = bulk.find_macro(request.POST.get("macro", ""))
        outcomes.append(bulk.apply_macro(macro=macro, case=case, actor=request.user))

    response = after_write(request, number, write)
    if outcomes and not outcomes[0].done:
        message = _("Some parts of the macro were refused: %(refused)s") % {"refused": outcomes[0].message}
        return render_case(request, number, error=message)
    return response
