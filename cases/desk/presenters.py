"""View-models of the workbench's pages: what the queue and the case page show, shaped for their templates.

The views (``cases.desk.views``) read the request, call a write and answer; the context a page renders
is built here, from reads through ``cases.selectors`` (and the read helpers of the domain packages).
Nothing here writes: the audit row of a case page opening stays in the view.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib.auth import get_user_model
from django.http import HttpRequest, QueryDict
from django.utils.translation import gettext as _

from cases import masking as privacy
from cases import selectors, services
from cases.catalog.carriers import CARRIERS
from cases.models import (
    Case,
    CaseKind,
    CaseStatus,
    Channel,
    ComplaintCategory,
    ComplaintSeverity,
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
from core.pagination import encode_cursor

if TYPE_CHECKING:
    from django.contrib.auth.models import User


def tag_names() -> list[str]:
    return list(Tag.objects.order_by("name").values_list("name", flat=True))


def queue_filters(query: QueryDict, tags: list[str]) -> dict[str, str]:
    """The queue's filters the request names with a known value (an unknown value is no filter)."""
    return {
        field: query.get(field, "")
        for field, choices in (
            ("kind", CaseKind.values),
            ("channel", Channel.values),
            ("status", CaseStatus.values),
            ("priority", Priority.values),
            ("tier", CustomerTier.values),
            ("reason", ReasonCode.values),
            ("tag", tags),
        )
        if query.get(field, "") in choices
    }


def queue_page(
    *, name: str, page: Any, query: QueryDict, filters: dict[str, str], search: str, tags: list[str]
) -> dict[str, Any]:
    """The queue page: the tabs, the rows with their time left on the SLA, the filters and the next page's link."""
    now = clock.now()
    rows = [(case, (case.sla_due_at - now) if case.sla_due_at else None) for case in page.rows]
    params = query.copy()
    params["after"] = encode_cursor(page.next_cursor) if page.next_cursor else ""
    return {
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
                ("tag", _("Tag"), [(t, t) for t in tags]),
            )
        ],
    }


def chosen_reply_channel(request: HttpRequest, reply_channels: list[tuple[str, str]]) -> str:
    """After a refused reply the agent's choice stays picked; otherwise the most recent channel."""
    chosen = request.POST.get("channel", "") if request.method == "POST" else ""
    if chosen not in dict(reply_channels):
        chosen = reply_channels[0][0] if reply_channels else ""
    return chosen


def case_page(
    *, request: HttpRequest, user: User, case: Case, error: str, draft: str, approval_draft: dict[str, str] | None
) -> dict[str, Any]:
    """The case page: the case, its steps, clocks, the customer 360, the reply box and the forms' choices.

    ``user`` is ``request.user``, signed in (the desk lets no one else in)."""
    kb_query = request.GET.get("kb", "")
    staff = get_user_model().objects.filter(is_active=True, is_staff=True).order_by("username")
    reply_channels = selectors.reply_channels(case)
    return {
        "case": case,
        "contact": privacy.desk_contact(request=request, case=case),
        "steps": selectors.transition_options(case=case, user=user),
        "c360": selectors.customer_360(case=case),
        "clocks": [(c, sla.time_left(c)) for c in case.clocks.all()],
        "staff": staff,
        "priorities": Priority.choices,
        "complaint_categories": ComplaintCategory.choices,
        "complaint_severities": ComplaintSeverity.choices,
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
        "reply_channel": chosen_reply_channel(request, reply_channels),
        "sender_unverified": selectors.sender_unverified(case),
        "canned": selectors.canned_replies(),
        "macros": selectors.macros() if case.is_open else [],
        "kb_query": kb_query,
        "approval": approvals.pending(case),
        "approval_draft": approval_draft,
        "money": selectors.case_money(case=case, user=user),
        "may_approve": user.has_perm(approvals.APPROVE),
        "articles": selectors.search_articles(query=kb_query) if kb_query else None,
    }
