"""core.errors and their one mapping per surface: the API answers a domain error with its status and
``{"detail", "code"}`` (core.api.exception_handler); the desk shows the page again with the message
at that status (core.desk.answer_write / refusal). Every app's errors are the kernel's kinds."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from rest_framework.exceptions import NotFound, ValidationError

from cases.catalog.orders import OrderConflict
from cases.exceptions import (
    CaseChanged,
    CaseError,
    InvalidInput,
    NeedsApproval,
    TransitionForbidden,
    TransitionNotAllowed,
)
from core import errors
from core.api import exception_handler
from core.desk import answer_write, refusal


@pytest.mark.parametrize(
    "error, status, code",
    [
        (errors.DomainError("no"), 400, "error"),
        (errors.InvalidInput("no"), 400, "invalid"),
        (errors.Forbidden("no"), 403, "permission_denied"),
        (errors.Conflict("no"), 409, "conflict"),
        (InvalidInput("no"), 400, "invalid"),
        (TransitionNotAllowed("no"), 400, "transition_not_allowed"),
        (TransitionForbidden("no"), 403, "permission_denied"),
        (CaseChanged("no"), 409, "case_changed"),
        (NeedsApproval("no"), 403, "needs_approval"),
        (OrderConflict("no"), 409, "order_conflict"),
    ],
)
def test_the_api_answers_a_domain_error_with_its_status_and_code(error, status, code):
    response = exception_handler(error, {})
    assert response.status_code == status
    assert response.data == {"detail": "no", "code": code}


def test_the_api_answer_carries_the_details_when_there_are_any():
    response = exception_handler(errors.InvalidInput("Fix it.", details={"text": ["Required."]}), {})
    assert response.status_code == 400
    assert response.data == {"detail": "Fix it.", "code": "invalid", "details": {"text": ["Required."]}}


@pytest.mark.parametrize(
    "exc, status, code",
    [
        (Http404(), 404, "not_found"),
        (PermissionDenied(), 403, "permission_denied"),
        (NotFound(), 404, "not_found"),
    ],
)
def test_the_api_gives_django_and_drf_errors_the_same_body(exc, status, code):
    response = exception_handler(exc, {})
    assert response.status_code == status
    assert response.data["code"] == code and set(response.data) == {"detail", "code"}


def test_field_validation_keeps_drf_shape():
    response = exception_handler(ValidationError({"name": ["Required."]}), {})
    assert response.status_code == 400
    assert response.data == {"name": ["Required."]}


def test_anything_else_is_left_to_django():
    assert exception_handler(RuntimeError("bug"), {}) is None


def test_the_cases_errors_are_the_kernels_kinds():
    """``except CaseError`` in cases still catches them all; other apps catch the kernel's classes."""
    assert issubclass(CaseError, errors.DomainError)
    assert issubclass(InvalidInput, CaseError) and issubclass(InvalidInput, errors.InvalidInput)
    assert issubclass(TransitionForbidden, CaseError) and issubclass(TransitionForbidden, errors.Forbidden)
    assert issubclass(CaseChanged, CaseError) and issubclass(CaseChanged, errors.Conflict)
    # Above the approval limit the actor may ask for an approval: a 403, not a Forbidden.
    assert not issubclass(NeedsApproval, errors.Forbidden)
    error = InvalidInput("bad", details={"x": ["y"]})
    assert (error.message, error.details, str(error)) == ("bad", {"x": ["y"]}, "bad")


def test_the_other_apps_errors_are_the_kernels_and_not_the_cases_app():
    from channels_app.chat import ChatEnded, ChatNotFound
    from channels_app.portal import PortalError
    from feedback.importing import ImportBusy, ImportRejected
    from feedback.services import LinkExpired

    for error in (ChatEnded, ChatNotFound, PortalError, ImportBusy, ImportRejected, LinkExpired):
        assert issubclass(error, errors.DomainError) and not issubclass(error, CaseError), error
    assert (ChatNotFound.http_status, ChatNotFound.code) == (404, "not_found")
    assert (ImportBusy.http_status, ImportBusy.code) == (409, "import_busy")
    assert (LinkExpired.http_status, LinkExpired.code) == (410, "expired")


# --- the desk ---------------------------------------------------------------------------------------------


def _page(*, error: str = "", status: int = 200) -> HttpResponse:
    return HttpResponse(error, status=status)


def test_the_desk_shows_a_refused_write_again_with_the_message_at_its_status():
    def write():
        raise TransitionForbidden("Your role does not allow this.")

    response = answer_write(write, done=lambda _result: HttpResponse("done"), refused=lambda exc: _page(**refusal(exc)))
    assert response.status_code == 403
    assert response.content.decode() == "Your role does not allow this."


@pytest.mark.parametrize(
    "error, status",
    [(errors.InvalidInput("x"), 400), (CaseChanged("x"), 409), (NeedsApproval("x"), 403), (OrderConflict("x"), 409)],
)
def test_the_desk_uses_each_errors_own_status(error, status):
    def write():
        raise error

    assert refusal(error) == {"error": "x", "status": status}
    response = answer_write(write, done=lambda _r: HttpResponse(), refused=lambda exc: _page(**refusal(exc)))
    assert response.status_code == status


def test_a_write_that_goes_through_gets_the_done_answer_with_its_result():
    response = answer_write(lambda: 42, done=lambda result: HttpResponse(str(result)), refused=lambda exc: _page())
    assert response.content == b"42"


def test_a_bug_in_a_write_is_not_turned_into_a_refusal():
    def write():
        raise KeyError("bug")

    with pytest.raises(KeyError):
        answer_write(write, done=lambda _r: HttpResponse(), refused=lambda exc: _page(**refusal(exc)))
