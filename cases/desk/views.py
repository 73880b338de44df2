"""Server-rendered pages of the cases app: the landing page and the agents' workbench (/desk/).

Thin views: reads through ``cases.selectors``, writes through ``cases.services``. Who: signed-in
staff holding the desk permissions (view_case and view_caseevent: agents, managers, admins);
anyone else signed in gets 403, anonymous visitors go to the sign-in page. Every form works
without JavaScript; a step or an edit on a case that changed meanwhile re-renders the case with
a message and keeps the text the agent was typing.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cases import masking as privacy
from cases import selectors, services
from cases.catalog.carriers import CARRIERS
from cases.exceptions import CaseChanged, InvalidInput, NeedsApproval
from cases.models import (
    Article,
    CaseKind,
    CaseStatus,
    Channel,
    CostKind,
    CustomerTier,
    Disposition,
    InspectionGrade,
    Priority,
    ReasonCode,
    ResolutionType,
    Tag,
)
from cases.money import approvals
from cases.sla import clocks as sla
from core import clock
from core.attachments import attachment_response
from core.desk import answer_write, desk_required, refusal
from core.pagination import encode_cursor, optional_instant, read_cursor

# The queue's position: the last case's SLA deadline (None: no deadline) and its id.
QUEUE_CURSOR = (optional_instant, int)


def home(request):
    """The landing page: where the portal, the workbench, the dashboard and the API live."""
    return render(request, "home.html")


@desk_required
def queue(request):
    name = request.GET.get("queue", "mine")
    if name not in selectors.QUEUES:
        name = "mine"
    tag_names = list(Tag.objects.order_by("name").values_list("name", flat=True))
    filters = {
        field: request.GET.get(field, "")
        for field, choices in (
            ("kind", CaseKind.values),
            ("channel", Channel.values),
            ("status", CaseStatus.values),
            ("priority", Priority.values),
            ("tier", CustomerTier.values),
            ("reason", ReasonCode.values),
            ("tag", tag_names),
        )
        if request.GET.get(field, "") in choices
    }
    search = request.GET.get("q", "")[:100]
    page = selectors.desk_queue(
        user=request.user,
        queue=name,
        filters=filters,
        search=search,
        after=read_cursor(request.GET.get("after", ""), QUEUE_CURSOR),
    )
    now = clock.now()
    rows = [(case, (case.sla_due_at - now) if case.sla_due_at else None) for case in page.rows]
    params = request.GET.copy()
    params["after"] = encode_cursor(page.next_cursor) if page.next_cursor else ""
    return render(
        request,
        "desk/queue.html",
        {
            "queue": name,
            "queues": [
                ("mine", _("Mine")),
                ("team", _("My teams, unassigned")),
                ("breaching", _("Breaching soon")),
                ("waiting", _("Waiting on the customer")),
                ("open", _("All open")),
                ("approval", _("Waiting for approval")),
            ],
            "rows": rows,
            "page": page,
            "filters": filters,
            "search": search,
            "next_url": f"?{params.urlencode()}" if page.next_cursor else "",
            "choices": [
                (field, label, options, filters.get(field, ""))
                for field, label, options in (
                    ("kind", _("Kind"), CaseKind.choices),
                    ("channel", _("Channel"), Channel.choices),
                    ("status", _("Status"), CaseStatus.choices),
                    ("priority", _("Priority"), Priority.choices),
                    ("tier", _("Tier"), CustomerTier.choices),
                    ("reason", _("Reason"), ReasonCode.choices),
                    ("tag", _("Tag"), [(t, t) for t in tag_names]),
                )
            ],
        },
    )


def _case_or_404(number: str, user):
    case = selectors.desk_case(number=number)
    if case is None or not selectors.can_see(user, case):
        raise Http404
    return case


def render_case(
    request, number: str, *, error: str = "", draft: str = "", status: int = 200, approval_draft: dict | None = None
):
    case = _case_or_404(number, request.user)
    if request.method == "GET":
        # Every opening of a case page by staff is in the personal data audit log (privacy app).
        privacy.record_access(
            request=request, action="view_case", customer_id=case.customer_id, case_id=case.pk, case_number=case.number
        )
    kb_query = request.GET.get("kb", "")
    staff = get_user_model().objects.filter(is_active=True, is_staff=True).order_by("username")
    reply_channels = selectors.reply_channels(case)
    # After a refused reply the agent's choice stays picked; otherwise the most recent channel.
    chosen = request.POST.get("channel", "") if request.method == "POST" else ""
    if chosen not in dict(reply_channels):
        chosen = reply_channels[0][0] if reply_channels else ""
    return render(
        request,
        "desk/case.html",
        {
            "case": case,
            "contact": privacy.desk_contact(request=request, case=case),
            "steps": selectors.transition_options(case=case, user=request.user),
            "c360": selectors.customer_360(case=case),
            "clocks": [(c, sla.time_left(c)) for c in case.clocks.all()],
            "staff": staff,
            "priorities": Priority.choices,
            "grades": InspectionGrade.choices,
            "resolutions": ResolutionType.choices,
            "cost_kinds": CostKind.choices,
            "dispositions": Disposition.choices,
            "at_warehouse": case.status in services.AT_WAREHOUSE,
            "sends_replacement": case.kind in services.REPLACEMENT_KINDS and not case.replacement_shipped_at,
            "carriers": [(code, label) for code, (label, _pattern) in CARRIERS.items()],
            "error": error,
            "draft": draft,
            "reply_channels": reply_channels,
            "reply_channel": chosen,
            "sender_unverified": selectors.sender_unverified(case),
            "canned": selectors.canned_replies(),
            "kb_query": kb_query,
            "approval": approvals.pending(case),
            "approval_draft": approval_draft,
            "money": selectors.case_money(case=case, user=request.user),
            "may_approve": request.user.has_perm(approvals.APPROVE),
            "articles": selectors.search_articles(query=kb_query) if kb_query else None,
        },
        status=status,
    )


@desk_required
def case_view(request, number: str):
    """The case; ``?canned=<id>`` or ``?article=<id>`` puts that text into the reply box."""
    canned_id = request.GET.get("canned", "")
    article_id = request.GET.get("article", "")
    if article_id:
        case = _case_or_404(number, request.user)
        article = Article.objects.filter(pk=int(article_id), active=True).first() if article_id.isdigit() else None
        if article is None:
            return render_case(request, number, error=_("There is no such article."), status=400)
        return render_case(request, number, draft=selectors.article_text(article=article, case=case))
    if not canned_id:
        return render_case(request, number)
    case = _case_or_404(number, request.user)
    reply = selectors.canned_replies().filter(pk=int(canned_id)).first() if canned_id.isdigit() else None
    if reply is None:
        return render_case(request, number, error=_("There is no such canned reply."), status=400)
    return render_case(request, number, draft=selectors.fill_canned_reply(reply=reply, case=case))


def _version(request) -> int | None:
    raw = request.POST.get("version", "")
    return int(raw) if raw.isdigit() else None


def _after_write(request, number: str, write, *, draft: str = ""):
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


@desk_required
@require_POST
def step(request, number: str, name: str):
    case = _case_or_404(number, request.user)
    params = {field: request.POST[field] for field in STEP_FIELDS if field in request.POST}
    if "passed" in request.POST:
        params["passed"] = request.POST["passed"] == "1"
    return _after_write(
        request,
        number,
        lambda: services.transition_case(
            case=case,
            name=name,
            actor=request.user,
            note=request.POST.get("note", ""),
            expected_version=_version(request),
            **params,
        ),
    )


@desk_required
@require_POST
def message(request, number: str):
    """A reply on the channel the agent picked ("Reply via": one the customer used), or a note."""
    case = _case_or_404(number, request.user)
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

    return _after_write(request, number, write, draft=text)


@desk_required
@require_POST
def disposition(request, number: str, line_id: int):
    case = _case_or_404(number, request.user)
    return _after_write(
        request,
        number,
        lambda: services.set_disposition(
            case=case, line_id=line_id, disposition=request.POST.get("disposition", ""), actor=request.user
        ),
    )


@desk_required
@require_POST
def warehouse_photos(request, number: str):
    case = _case_or_404(number, request.user)
    return _after_write(
        request,
        number,
        lambda: services.add_warehouse_photos(case=case, actor=request.user, uploads=request.FILES.getlist("photos")),
    )


@desk_required
@require_POST
def ask_approval(request, number: str):
    case = _case_or_404(number, request.user)
    return _after_write(
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
    case = _case_or_404(number, request.user)

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

    return _after_write(request, number, write)


@desk_required
@require_POST
def replacement(request, number: str):
    case = _case_or_404(number, request.user)
    return _after_write(
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
    case = _case_or_404(number, request.user)
    other = request.POST.get("other", "")
    if request.POST.get("merge") == "1":
        return _after_write(
            request, number, lambda: services.merge_case(duplicate=case, into_number=other, actor=request.user)
        )
    return _after_write(request, number, lambda: services.link_cases(case=case, other_number=other, actor=request.user))


@desk_required
@require_POST
def tags(request, number: str):
    case = _case_or_404(number, request.user)
    return _after_write(
        request, number, lambda: services.set_tags(case=case, actor=request.user, text=request.POST.get("tags", ""))
    )


@desk_required
@require_POST
def cost(request, number: str):
    case = _case_or_404(number, request.user)
    return _after_write(
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
    case = _case_or_404(number, request.user)

    def write():
        if _version(request) is not None and _version(request) != case.version:
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

    return _after_write(request, number, write)


@desk_required
@require_POST
def reveal_contact(request, number: str):
    """Show the customer's email and phone on this case for a while, for a reason (audited)."""
    case = _case_or_404(number, request.user)
    try:
        privacy.reveal_contact(request=request, case=case, reason=request.POST.get("reason", ""))
    except privacy.RevealRefused as exc:
        return render_case(request, number, error=str(exc), status=400)
    return redirect(reverse("desk:case", args=[case.number]) + "#customer")


@desk_required
def photo(request, number: str, pk: int):
    case = _case_or_404(number, request.user)
    attachment = case.attachments.filter(pk=pk).first()
    if attachment is None:
        raise Http404
    return attachment_response(attachment)
