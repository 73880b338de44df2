"""The product's URLs plus ``bench/noop/`` (a POST that reads its body and answers 202 "{}") and
``bench/noop-get/`` (a GET that reads the session's user: the floor of a signed-in page)."""

from django.http import HttpResponse
from django.urls import include, path
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST


@csrf_exempt
@require_POST
def noop(request):
    request.body  # noqa: B018 - read it as the webhooks do, so both pay for the upload
    return HttpResponse("{}", status=202, content_type="application/json")


@require_GET
def noop_get(request):
    # Reads the session and the user as every signed-in page does, and nothing else.
    return HttpResponse("{}" if request.user.is_authenticated else "null", content_type="application/json")


urlpatterns = [
    path("bench/noop/", noop, name="bench-noop"),
    path("bench/noop-get/", noop_get, name="bench-noop-get"),
    path("", include("aftersales.urls")),
]
