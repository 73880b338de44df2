"""While the database is unreachable, every request gets a clear 503, never a traceback.

``DatabaseUnavailableMiddleware`` turns ``OperationalError`` and ``InterfaceError`` (the server is
down, restarting, or the connection was cut) raised by a view into ``503 Service Unavailable`` with
a ``Retry-After`` header: JSON in the API's error shape (``{"detail": ..., "code": ...}``) under
``/api/``, the translated page ``templates/503.html`` everywhere else. Nothing has to be restarted
afterwards: Django drops the broken connection at the end of the request (``conn_health_checks``
also checks it before reuse), so the first request after the database is back opens a new one.
"""

from __future__ import annotations

import logging

from django.db.utils import InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

log = logging.getLogger(__name__)
RETRY_AFTER_SECONDS = 30
API_PREFIX = "/api/"
DATABASE_ERRORS = (OperationalError, InterfaceError)


def unavailable_response(request) -> HttpResponse:
    """The 503 for ``request``: JSON for the API, the HTML page for everything else."""
    message = _("The service is temporarily unavailable. Please try again in a moment.")
    response: HttpResponse
    if request.path.startswith(API_PREFIX):
        response = JsonResponse({"detail": message, "code": "service_unavailable"}, status=503)
    else:
        # Rendered without the request: the context processors would read the session and the
        # user, that is the database that is down. The language is already active (LocaleMiddleware).
        html = render_to_string("503.html", {"message": message, "retry_after": RETRY_AFTER_SECONDS})
        response = HttpResponse(html, status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


class DatabaseUnavailableMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, DATABASE_ERRORS):
            return None
        # One line, no traceback: the cause is the database, not this request.
        log.warning("Database unavailable for %s %s: %s", request.method, request.path, type(exception).__name__)
        return unavailable_response(request)
