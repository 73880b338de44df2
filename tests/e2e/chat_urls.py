"""The site's URLs plus, for the browser test, a stand-in shop page on another origin: served as http://127.0.0.1:<port>,
it embeds the widget from http://localhost:<port>, the same live server under another name."""

from csp.decorators import csp_exempt
from django.http import HttpResponse
from django.urls import path
from django.utils.html import format_html

from aftersales.urls import urlpatterns as site_patterns
from channels_app.models import ChatWidget


# The stand-in is another site's page, not ours: it does not carry our Content-Security-Policy.
@csp_exempt()
def other_origin_shop(request):
    widget = ChatWidget.objects.get(code=request.GET.get("widget", ""))
    site = f"{request.scheme}://{request.get_host().replace('127.0.0.1', 'localhost')}"
    return HttpResponse(
        format_html(
            "<!doctype html><html><head><meta charset='utf-8'><meta name='viewport' content='width=device-width'>"
            "<title>A shop</title></head><body><h1>A shop</h1>"
            "<script src='{}/static/chat/widget.js' data-widget='{}' async></script></body></html>",
            site,
            widget.key,
        )
    )


urlpatterns = [
    path("test-shop/", other_origin_shop),
    *site_patterns,
]
