"""The desk's feedback pages (/desk/feedback/): the follow-up board and the free feedback list.

Thin views: reads through ``feedback.selectors``, writes through ``cases.sla.follow_ups`` (a revisit's
outcome) and ``feedback.free``. Who: desk staff (``core.desk.desk_required``: anonymous visitors
go to the sign-in page, users without a desk role get 403) holding, on top:

- the board: ``cases.view_revisittask`` to see, ``cases.change_revisittask`` to record an outcome.
  Managers (``view_all_teams``) see and record every task; an agent only the tasks assigned to
  them (another's task is a 404);
- free feedback: ``feedback.view_freefeedback`` to read; ``feedback.change_freefeedback`` (managers)
  to re-categorise it and mark it handled.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from cases.services import complete_revisit
from core import clock
from core.desk import desk_required
from core.pagination import encode_cursor, instant, read_cursor
from feedback import free, selectors

SEE_REVISITS = ("cases.view_revisittask",)
RECORD_REVISITS = ("cases.view_revisittask", "cases.change_revisittask")
SEE_FEEDBACK = ("feedback.view_freefeedback",)
CHANGE_FEEDBACK = ("feedback.view_freefeedback", "feedback.change_freefeedback")
MAX_OUTCOME = 2000


def _require(request, perms: tuple[str, ...]) -> None:
    if not request.user.has_perms(perms):
        raise PermissionDenied


# The positions of the two lists (core.pagination; an unreadable cursor is the first page): the
# board's (rank, due_at, id), the free feedback's (created_at, id).
BOARD_CURSOR = (int, instant, int)
FEEDBACK_CURSOR = (instant, int)


def _next_url(request, cursor: tuple | None) -> str:
    if cursor is None:
        return ""
    params = request.GET.copy()
    params["after"] = encode_cursor(cursor)
    return f"?{params.urlencode()}"


def _back(request, default: str) -> str:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return default


# --- the follow-up board ------------------------------------------------------------------------------


def _board(request, *, error: str = "", status: int = 200, drafts: dict | None = None):
    state = request.GET.get("state", "open")
    if state not in selectors.BOARD_STATES:
        state = "open"
    now = clock.now()
    page = selectors.follow_up_board(
        user=request.user,
        state=state,
        after=read_cursor(request.GET.get("after", ""), BOARD_CURSOR),
        now=now,
    )
    return render(
        request,
        "feedback/desk_follow_ups.html",
        {
            "state": state,
            "states": [("open", _("Open")), ("overdue", _("Overdue")), ("done", _("Done"))],
            "rows": [(task, task.done_at is None and task.due_at < now) for task in page.rows],
            "next_url": _next_url(request, page.next_cursor),
            "sees_all": selectors.sees_every_revisit(request.user),
            "may_record": request.user.has_perms(RECORD_REVISITS),
            "error": error,
            "drafts": drafts or {},
        },
        status=status,
    )


@require_GET
@desk_required
def follow_ups(request):
    _require(request, SEE_REVISITS)
    return _board(request)


@require_POST
@desk_required
def complete(request, pk: int):
    """Record what came of a revisit (cases.sla.follow_ups.complete_revisit); a second submit keeps the first."""
    _require(request, RECORD_REVISITS)
    task = selectors.revisit_for(user=request.user, pk=pk)
    if task is None:
        raise Http404
    outcome = request.POST.get("outcome", "").strip()
    if not outcome or len(outcome) > MAX_OUTCOME:
        message = (
            _("Write what came of the call back before recording it.")
            if not outcome
            else _("The outcome is too long (at most %(n)s characters).") % {"n": MAX_OUTCOME}
        )
        return _board(request, error=message, status=400, drafts={task.pk: outcome})
    complete_revisit(task=task, actor=request.user, outcome=outcome)
    return redirect(_back(request, reverse("feedback_desk:follow_ups")))


# --- free feedback ---------------------------------------------------------------------------------------


def _category_label(category) -> str:
    return category.name_zh if (get_language() or "").startswith("zh") else category.name_en


def _feedback_page(request, *, error: str = "", status: int = 200):
    filters = {
        "category": request.GET.get("category", "")[:30],
        "team": request.GET.get("team", "")[:12],
        "state": request.GET.get("state", "open"),
    }
    if filters["state"] not in selectors.FEEDBACK_STATES:
        filters["state"] = "open"
    page = selectors.free_feedback_list(
        user=request.user,
        after=read_cursor(request.GET.get("after", ""), FEEDBACK_CURSOR),
        **filters,
    )
    categories = [(c.code, _category_label(c)) for c in selectors.categories()]
    return render(
        request,
        "feedback/desk_feedback.html",
        {
            "rows": [(item, _category_label(item.category) if item.category else "") for item in page.rows],
            "next_url": _next_url(request, page.next_cursor),
            "filters": filters,
            "categories": categories,
            "teams": selectors.teams(),
            "states": [("open", _("Not handled")), ("handled", _("Handled")), ("all", _("All"))],
            "none": selectors.NONE,
            "may_change": request.user.has_perms(CHANGE_FEEDBACK),
            "error": error,
        },
        status=status,
    )


@require_GET
@desk_required
def feedback_list(request):
    _require(request, SEE_FEEDBACK)
    return _feedback_page(request)


def _item_or_404(request, pk: int):
    item = selectors.free_feedback_for(user=request.user, pk=pk)
    if item is None:
        raise Http404
    return item


@require_POST
@desk_required
def recategorise(request, pk: int):
    _require(request, CHANGE_FEEDBACK)
    item = _item_or_404(request, pk)
    code = request.POST.get("category", "")
    category = None
    if code and code != selectors.NONE:
        category = next((c for c in selectors.categories() if c.code == code), None)
        if category is None:
            return _feedback_page(request, error=_("There is no such category."), status=400)
    free.recategorise(item=item, category=category, actor=request.user)
    return redirect(_back(request, reverse("feedback_desk:list")))


@require_POST
@desk_required
def handled(request, pk: int):
    _require(request, CHANGE_FEEDBACK)
    free.mark_handled(item=_item_or_404(request, pk), actor=request.user)
    return redirect(_back(request, reverse("feedback_desk:list")))
