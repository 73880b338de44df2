"""The write actions on a case (all POST): steps of the state machine, replies and notes, assignment,
costs, links and merges, tags, dispositions, replacements, a complaint's classification (approvals:
``approval_actions``).

Each parses the form, calls one service and answers through ``case_page.after_write``: done is a
redirect to the case, a refusal shows the case again with the message and what the agent typed.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cases import selectors, services
from cases.desk.views.case_page import after_write, case_or_404
from cases.exceptions import CaseChanged, InvalidInput
from core.desk import desk_required

STEP_FIELDS = (
    "reason",
    "carrier",
    "tracking_number",
    "grade",
    "inspection_note",
    "resolution_type",
    "refund_amount",
    "resolution_note",
)


def posted_version(request) -> int | None:
    raw = request.POST.get("version", "")
    return int(raw) if raw.isdigit() else None


@desk_required
@require_POST
def step(request, number: str, name: str):
    case = case_or_404(number, request.user)
    params = {field: request.POST[field] for field in STEP_FIELDS if field in request.POST}
    if "passed" in request.POST:
        params["passed"] = request.POST["passed"] == "1"
    return after_write(
        request,
        number,
        lambda: services.transition_case(
            case=case,
            name=name,
            actor=request.user,
            note=request.POST.get("note", ""),
            expected_version=posted_version(request),
            **params,
        ),
    )


@desk_required
@require_POST
def message(request, number: str):
    """A reply on the channel the agent picked ("Reply via": one the customer used), or a note."""
    case = case_or_404(number, request.user)
    text = request.POST.get("text", "")
    public = request.POST.get("public") == "1"
    offered = [value for value, _label in selectors.reply_channels(case)]
    channel = request.POST.get("channel", "") or (offered[0] if offered else "")

    def write():
        if channel not in offered:
            raise InvalidInput(
                _("The customer has not written on “%(channel)s” in this case: choose one of the channels offered.")
                % {"channel": channel[:20]}
            )
        services.add_message(case=case, actor=request.user, text=text, public=public, channel=channel)

    return after_write(request, number, write, draft=text)


@desk_required
@require_POST
def disposition(request, number: str, line_id: int):
    case = case_or_404(number, request.user)
    return after_write(
        request,
        number,
        lambda: services.set_disposition(
            case=case, line_id=line_id, disposition=request.POST.get("disposition", ""), actor=request.user
        ),
    )


@desk_required
@require_POST
def replacement(request, number: str):
    case = case_or_404(number, request.user)
    return after_write(
        request,
        number,
        lambda: services.ship_replacement(
            case=case,
            actor=request.user,
            carrier=request.POST.get("carrier", ""),
            tracking_number=request.POST.get("tracking_number", ""),
        ),
    )


@desk_required
@require_POST
def link(request, number: str):
    case = case_or_404(number, request.user)
    other = request.POST.get("other", "")
    if request.POST.get("merge") == "1":
        return after_write(
            request,
            number,
            lambda: services.merge_case(
                duplicate=case, into_number=other, actor=request.user, reason=request.POST.get("reason", "")
            ),
        )
    return after_write(request, number, lambda: services.link_cases(case=case, other_number=other, actor=request.user))


@desk_required
@require_POST
def tags(request, number: str):
    case = case_or_404(number, request.user)
    return after_write(
        request, number, lambda: services.set_tags(case=case, actor=request.user, text=request.POST.get("tags", ""))
    )


@desk_required
@require_POST
def cost(request, number: str):
    case = case_or_404(number, request.user)
    return after_write(
        request,
        number,
        lambda: services.add_cost_line(
            case=case,
            actor=request.user,
            kind=request.POST.get("kind", ""),
            amount=request.POST.get("amount", ""),
            note=request.POST.get("note", ""),
        ),
    )


@desk_required
@require_POST
def assign(request, number: str):
    case = case_or_404(number, request.user)

    def write():
        if posted_version(request) is not None and posted_version(request) != case.version:
            raise CaseChanged(
                _("Case %(number)s was changed by someone else meanwhile. Reload it and try again.")
                % {"number": case.number}
            )
        services.assign_case(
            case=case,
            actor=request.user,
            assignee_id=request.POST.get("assignee") or None,
            priority=request.POST.get("priority") or case.priority,
        )

    return after_write(request, number, write)


@desk_required
@require_POST
def classify(request, number: str):
    """A complaint's category and severity (the small form on a complaint's page), with a reason."""
    case = case_or_404(number, request.user)
    return after_write(
        request,
        number,
        lambda: services.classify_complaint(
            case=case,
            actor=request.user,
            category=request.POST.get("category", ""),
            severity=request.POST.get("severity", ""),
            reason=request.POST.get("reason", ""),
            expected_version=posted_version(request),
        ),
    )
