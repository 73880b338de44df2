"""The landing page and the agents' queue (/desk/): named queues, filters, search, keyset pages."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render

from cases import selectors
from cases.desk import presenters, queue_tools
from core.desk import desk_required
from core.pagination import optional_instant, read_cursor

# The queue's position: the last case's SLA deadline (None: no deadline) and its id.
QUEUE_CURSOR = (optional_instant, int)


def home(request: HttpRequest) -> HttpResponse:
    """The landing page: where the portal, the workbench, the dashboard and the API live."""
    return render(request, "home.html")


@desk_required
def queue(request):
    return render_queue(request, request.GET)


def render_queue(request, query: QueryDict, *, error: str = "", status: int = 200) -> HttpResponse:
    """The queue for ``query`` (its GET parameters); a refused write on it (a saved view, a bulk
    action) shows it again with the message, at the error's status."""
    name = query.get("queue", "mine")
    if name not in selectors.QUEUES:
        name = "mine"
    tags = presenters.tag_names()
    filters = presenters.queue_filters(query, tags)
    search = query.get("q", "")[:100]
    page = selectors.desk_queue(
        user=request.user,
        queue=name,
        filters=filters,
        search=search,
        after=read_cursor(query.get("after", ""), QUEUE_CURSOR),
    )
    context = presenters.queue_page(name=name, page=page, query=query, filters=filters, search=search, tags=tags)
    context |= queue_tools.queue_tools(user=request.user, query=query)
    context["error"] = error
    return render(request, "desk/queue.html", context, status=status)
