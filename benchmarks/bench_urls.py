"""The product's URLs plus ``bench/noop/``: a POST that reads its body and answers 202 "{}"."""

from django.http import HttpResponse
from django.urls import include, path
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST


@csrf_exempt
@require_POST
def noop(request):
    request.body  # noqa: B018 - read it as the webhooks do, so both pay for the upload
    return HttpResponse("{}", status=202, content_type="application/json")


urlpatterns = [
    path("bench/noop/", noop, name="bench-noop"),
    path("", include("aftersales.urls")),
]
