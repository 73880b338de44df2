"""A page that embeds the chat widget the way a shop does, with one script tag: for trying a
widget out and for the browser test. Public: the widget key it needs is public anyway."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from channels_app.models import ChatWidget


def demo(request: HttpRequest) -> HttpResponse:
    """``?widget=<key>``: a sample shop page with that (active) widget on it."""
    key = request.GET.get("widget", "").strip()
    widget = ChatWidget.objects.filter(key=key, active=True).first() if key else None
    if widget is None:
        raise Http404(_("There is no such chat widget."))
    return render(request, "chat/demo.html", {"widget": widget})
