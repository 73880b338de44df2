"""The queue's faster hands (issue 18), all POST: saving, renaming and deleting a saved view, and
the bulk actions on the selected cases (assign, priority, tags, a step, a macro).

Each parses the form and calls one service; a refusal shows the queue again with the message at the
error's status (nothing written), a bulk action answers with its summary: what was done, what was
refused and why.
"""

from __future__ import annotations

from django.http import Http404, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from cases import selectors
from cases.desk import queue_tools
from cases.desk.views.queue_page import render_queue
from cases.models import SavedView
from cases.workflow import bulk as bulk_actions
from cases.workflow import saved_views
from core.desk import answer_write, desk_required, refusal


def _queue_query(request) -> QueryDict:
    """The queue the form was posted from (its filters travel as hidden fields)."""
    query = QueryDict(mutable=True)
    query.update(queue_tools.current_filters(request.POST))
    return query


def _visible_view(request, pk: int) -> SavedView:
    view = SavedView.objects.filter(pk=pk).first()
    if view is None or not (view.shared or view.owner_id == request.user.pk):
        raise Http404
    return view


def _answer(request, write):
    return answer_write(
        write,
        done=lambda view: redirect(reverse("desk:queue") + queue_tools.view_url(view.filters if view else {})),
        refused=lambda error: render_queue(request, _queue_query(request), **refusal(error)),
    )


@desk_required
@require_POST
def save_view(request):
    return _answer(
        request,
        lambda: saved_views.save_view(
            owner=request.user,
            name=request.POST.get("name", ""),
            filters=queue_tools.current_filters(request.POST),
            shared=request.POST.get("shared") == "1",
        ),
    )


@desk_required
@require_POST
def rename_view(request, pk: int):
    view = _visible_view(request, pk)
    return _answer(
        request, lambda: saved_views.rename_view(view=view, actor=request.user, name=request.POST.get("name", ""))
    )


@desk_required
@require_POST
def delete_view(request, pk: int):
    view = _visible_view(request, pk)

    def write():
        saved_views.delete_view(view=view, actor=request.user)

    return _answer(request, write)


@desk_required
@require_POST
def bulk(request):
    """The action on the selected cases; the summary lists each case's outcome."""

    def write():
        numbers = bulk_actions.check_selection(request.POST.getlist("cases"))
        cases = selectors.bulk_cases(user=request.user, numbers=numbers)
        found = {case.number for case in cases}
        outcomes = bulk_actions.bulk_apply(
            actor=request.user, cases=cases, action=request.POST.get("action", ""), value=_bulk_value(request)
        )
        return queue_tools.bulk_summary(outcomes, [n for n in numbers if n not in found])

    return answer_write(
        write,
        done=lambda summary: render(request, "desk/bulk_summary.html", {**summary, "back": _queue_query(request)}),
        refused=lambda error: render_queue(request, _queue_query(request), **refusal(error)),
    )


def _bulk_value(request) -> str:
    """Each action has its own field in the form (the agent, the priority, the tags, the step, the macro)."""
    action = request.POST.get("action", "")
    return request.POST.get(f"{action}_value", "") if action.isidentifier() else ""
