"""The API's shared pieces: the one place for errors, the error body's schema, the role check.

Every error body is ``{"detail": ..., "code": ...}``. Domain errors (``core.errors.DomainError`` and
every app's subclasses) carry their HTTP status: ``InvalidInput`` 400, ``Forbidden`` 403,
``Conflict`` 409, and whatever an app's own error says (``cases.exceptions.TransitionNotAllowed``
400, ``NeedsApproval`` 403, ``CaseChanged`` and ``OrderConflict`` 409, a chat's 404 or 429, ...);
their ``details``, when any, come along. Field validation errors keep DRF's shape
(``{"field": ["message"]}``). ``exception_handler`` is ``REST_FRAMEWORK["EXCEPTION_HANDLER"]``.

``HasRolePermissions`` grants a request when the user holds the Django permissions the view lists
for the method (the roles' groups carry them: ``core.roles``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers
from rest_framework.exceptions import APIException
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler
from rest_framework.views import set_rollback

from core.errors import DomainError

if TYPE_CHECKING:
    from django.contrib.auth.models import User
    from rest_framework.views import APIView

    _Serializer = serializers.Serializer[Any]  # generic for the type checker only

    class SignedInRequest(Request):
        """A request of a view whose permissions let only signed-in users in: its user is a User."""

        user: User  # narrower than the User | AnonymousUser of any request

else:
    _Serializer = serializers.Serializer
    SignedInRequest = Request  # annotations only: the request is DRF's


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """The answer to an exception a view raised: a domain error with its status, anything DRF knows
    with its code; ``None`` (a 500) for the rest."""
    if isinstance(exc, DomainError):
        set_rollback()
        body: dict[str, Any] = {"detail": exc.message, "code": exc.code}
        if exc.details:
            body["details"] = exc.details
        return Response(body, status=exc.http_status)
    response = drf_exception_handler(exc, context)
    if response is None or not isinstance(response.data, dict) or "detail" not in response.data:
        return response
    codes = exc.get_codes() if isinstance(exc, APIException) else None
    if isinstance(exc, Http404):
        code = "not_found"
    elif isinstance(exc, PermissionDenied):
        code = "permission_denied"
    elif isinstance(codes, str):
        code = codes
    else:
        code = "error"
    response.data = {"detail": response.data["detail"], "code": code}
    return response


class ErrorSerializer(_Serializer):
    """The body of every error but field validation."""

    detail = serializers.CharField()
    code = serializers.CharField()


class HasRolePermissions(BasePermission):
    """Grants a request when the user holds every permission ``view.required_permissions[method]`` lists.

    Anonymous requests are refused (401 when the token authenticator comes first, so the answer
    says how to authenticate); a user without the permissions gets 403. HEAD counts as GET;
    OPTIONS (the API's self-description) only needs a signed-in user; a method the view does not
    list is refused.
    """

    message = _("Your role does not allow this.")

    def has_permission(self, request: Request, view: APIView) -> bool:
        user = request.user
        if not (user and user.is_authenticated):
            return False
        if request.method == "OPTIONS":
            return True
        method = "GET" if request.method == "HEAD" else request.method
        required = getattr(view, "required_permissions", {}).get(method)
        if required is None:
            return False
        return bool(user.has_perms(required))
