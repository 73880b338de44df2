"""The landing page and the agents' queue (/desk/): named queues, filters, search, keyset pages."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from cases import selectors
from cases.desk import presenters
from core.desk import desk_required
from core.pagination import optional_instant, read_cursor

# The queue's position: the last case's SLA deadline (None: no deadline) and its id.
QUEUE_CURSOR = (optional_instant, int)


def home(request: HttpRequest) -> HttpResponse:
    """The landing page: where the portal, the workbench, the dashboard and the API live."""
    return render(request, "home.html")


@desk_required
def queue(request):
    name = request.GET.get("queue", "mine")
    if name not in selectors.QUEUES:
        name = "mine"
    tags = presenters.tag_names()
    filters = presenters.queue_filters(request.GET, tags)
    search = request.GET.get("q", "")[:100]
    page = selectors.desk_queue(
        user=request.user,
        queue=name,
        filters=filters,
        search=search,
        after=read_cursor(request.GET.get("after", ""), QUEUE_CURSOR),
    )
    context = presenters.queue_page(name=name, page=page, query=request.GET, filters=filters, search=search, tags=tags)
    return render(request, "desk/queue.html", context)
