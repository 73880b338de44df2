"""The API's one place for errors: every error body is ``{"detail": ..., "code": ...}``.

Domain errors from the services (``cases.exceptions.CaseError`` and its subclasses) carry their
HTTP status: InvalidInput and TransitionNotAllowed 400, TransitionForbidden 403, CaseChanged and
OrderConflict 409. Field validation errors keep DRF's shape (``{"field": ["message"]}``).
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404
from rest_framework.exceptions import APIException
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler
from rest_framework.views import set_rollback

from cases.exceptions import CaseError


def exception_handler(exc, context):
    if isinstance(exc, CaseError):
        set_rollback()
        body = {"detail": exc.message, "code": exc.code}
        if exc.details:
            body["details"] = exc.details
        return Response(body, status=exc.http_status)
    response = drf_exception_handler(exc, context)
    if response is None or not isinstance(response.data, dict) or "detail" not in response.data:
        return response
    if isinstance(exc, Http404):
        code = "not_found"
    elif isinstance(exc, PermissionDenied):
        code = "permission_denied"
    elif isinstance(exc, APIException) and isinstance(exc.get_codes(), str):
        code = exc.get_codes()
    else:
        code = "error"
    response.data = {"detail": response.data["detail"], "code": code}
    return response
