"""What the API's views share: the path parameters and error answers of the schema, and finding a case."""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.request import Request

from cases import selectors
from cases.models import Case
from core.api import ErrorSerializer

ORDER_NUMBER = OpenApiParameter("number", str, OpenApiParameter.PATH, description="The shop's order number.")
CASE_NUMBER = OpenApiParameter("number", str, OpenApiParameter.PATH, description="The case number (RMA-2026-000123).")
STEP_NAME = OpenApiParameter("name", str, OpenApiParameter.PATH, description="The step, e.g. approve, resolve.")


def error(description: str) -> OpenApiResponse:
    return OpenApiResponse(ErrorSerializer, description=description)


UNAUTHENTICATED = error("Not signed in (no or a bad token or session).")
FORBIDDEN = error("The user's role does not allow this.")


def case_or_404(number: str, user, *, detail: bool = False) -> Case:
    case = selectors.case_detail(number=number) if detail else selectors.case_by_number(number=number)
    if case is None or not selectors.can_see(user, case):
        raise NotFound(_("There is no case %(number)s.") % {"number": number})
    return case


# --- the list parameters of the staff's notifications and revisits ---------------------------------------

LIMIT = OpenApiParameter("limit", int, description="How many, newest first (1-200, default 50).")


def limit_param(request: Request) -> int:
    raw = request.query_params.get("limit", "50")
    if not raw.isdigit() or not 1 <= int(raw) <= 200:
        raise ValidationError({"limit": [_("Give a number from 1 to 200.")]})
    return int(raw)


def flag_param(request: Request, name: str) -> bool | None:
    raw = request.query_params.get(name)
    if raw in (None, ""):
        return None
    if raw not in ("0", "1", "true", "false"):
        raise ValidationError({name: [_("Give 1 or 0.")]})
    return raw in ("1", "true")
