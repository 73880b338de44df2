"""Keyset (cursor) pagination: the one cursor codec, the ordering, and the API's paginator.

A page seeks from the last row seen with a WHERE clause (no OFFSET), so pages never skip or repeat
a row while rows are added, and a deep page costs what the first does. Every list of the project
pages this way: the case API and queue, the desk's boards, the feedback answers, the KPI drill-down.

- ``encode_cursor`` / ``decode_cursor``: a position (the values of the last row's ordering columns,
  then its id) as an opaque, URL-safe string, optionally bound to the ordering it was made for. A
  cursor that does not decode into the expected kinds, or of another ordering, is ``InvalidCursor``;
  ``read_cursor`` makes that the first page (the desk's lists), the API's paginator a 400.
- ``KeysetOrdering``: ORDER BY ``field`` then id, and the WHERE clause of the rows after a position.
  A nullable field puts NULLs last; a NOT NULL field gets the plain order of its index.
- ``KeysetPagination``: DRF's paginator for one or more named orderings (``?ordering=``,
  ``?cursor=``, ``?page_size=``), forward only (``next``), which is what a queue needs. DRF's
  ``CursorPagination`` needs one unique, non-null ordering field; this one does not.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar

from django.db.models import F, OrderBy, Q, QuerySet
from django.utils.translation import gettext as _
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import BasePagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param

if TYPE_CHECKING:
    from rest_framework.views import APIView

# A cursor's values are read back by these: ``int``, ``str``, ``instant``, ``optional_instant``.
Kind = Callable[[Any], Any]

# --- the cursor codec ---------------------------------------------------------------------------------


class InvalidCursor(ValueError):
    """A cursor that was mangled, made for another ordering, or does not hold the expected values."""


def instant(value: Any) -> datetime:
    """A cursor value that must be a moment (ISO 8601)."""
    if not isinstance(value, str):
        raise InvalidCursor("not a moment")
    return datetime.fromisoformat(value)


def optional_instant(value: Any) -> datetime | None:
    """A cursor value that is a moment or None (a nullable ordering column)."""
    return None if value is None else instant(value)


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value


def encode_cursor(position: Sequence[Any], *, ordering: str = "") -> str:
    """``position`` (datetimes, numbers, text or None) as a URL-safe cursor for ``ordering``."""
    payload = {"o": ordering, "p": [_plain(value) for value in position]}
    return base64.urlsafe_b64encode(json.dumps(payload, separators=(",", ":")).encode()).decode()


def decode_cursor(text: str, kinds: Sequence[Kind], *, ordering: str = "") -> tuple[Any, ...]:
    """The position ``text`` names, each value read by its kind (``int``, ``instant``,
    ``optional_instant``, ``str``...); raises ``InvalidCursor`` for anything else, including a cursor
    made for another ordering."""
    try:
        payload = json.loads(base64.urlsafe_b64decode(text.encode()))
        if not isinstance(payload, dict) or payload.get("o") != ordering:
            raise InvalidCursor("cursor of another ordering")
        values = payload.get("p")
        if not isinstance(values, list) or len(values) != len(kinds):
            raise InvalidCursor("cursor of another shape")
        return tuple(kind(value) for kind, value in zip(kinds, values, strict=True))
    except InvalidCursor:
        raise
    except (ValueError, TypeError, OverflowError) as exc:  # binascii.Error and JSON errors are ValueErrors
        raise InvalidCursor(str(exc)) from None


def read_cursor(text: str, kinds: Sequence[Kind], *, ordering: str = "") -> tuple[Any, ...] | None:
    """A cursor from a page's query string: its position, or None (the first page) when it is empty
    or unreadable."""
    if not text:
        return None
    try:
        return decode_cursor(text, kinds, ordering=ordering)
    except InvalidCursor:
        return None


# --- the ordering ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class KeysetOrdering:
    """Order by ``field`` (then by id in the same direction); a nullable field puts NULLs last."""

    field: str
    descending: bool = False
    nullable: bool = False

    def order_by(self) -> list[OrderBy | str]:
        # A NOT NULL column gets plain ASC/DESC: the order of its index, which PostgreSQL can walk.
        nulls_last = True if self.nullable else None
        column = F(self.field)
        key = column.desc(nulls_last=nulls_last) if self.descending else column.asc(nulls_last=nulls_last)
        return [key, "-id" if self.descending else "id"]

    def after(self, value: datetime | None, pk: int) -> Q:
        """Rows that come after the row (value, pk) in this order."""
        beyond = "lt" if self.descending else "gt"
        if value is None:
            return Q(**{f"{self.field}__isnull": True, f"id__{beyond}": pk})
        following = Q(**{f"{self.field}__{beyond}": value}) | Q(**{self.field: value, f"id__{beyond}": pk})
        if self.nullable:
            following |= Q(**{f"{self.field}__isnull": True})
        return following

    def cursor_kinds(self) -> tuple[Kind, Kind]:
        """How a cursor's values are read back: the field's moment (or None), then the id."""
        return (optional_instant if self.nullable else instant, int)


# --- the API's paginator -----------------------------------------------------------------------------------


class KeysetPagination(BasePagination):
    """Forward-only keyset pages over ``orderings`` (name -> ``KeysetOrdering``, datetime fields).

    A subclass names its orderings, the default and what they mean for the schema
    (``ordering_description``)."""

    page_size = 25
    max_page_size = 100
    cursor_query_param = "cursor"
    page_size_query_param = "page_size"
    ordering_query_param = "ordering"
    orderings: ClassVar[dict[str, KeysetOrdering]] = {}
    default_ordering = ""
    ordering_description = ""

    # --- the page -------------------------------------------------------------------------------

    def paginate_queryset(  # type: ignore[override]  # a queryset only: the keyset is a WHERE clause
        self, queryset: QuerySet[Any], request: Request, view: APIView | None = None
    ) -> list[Any]:
        self.request = request
        self.ordering_name = self._ordering_name(request)
        ordering = self.orderings[self.ordering_name]
        size = self._page_size(request)
        queryset = queryset.order_by(*ordering.order_by())
        cursor = request.query_params.get(self.cursor_query_param)
        if cursor:
            value, pk = self._decode(cursor)
            queryset = queryset.filter(ordering.after(value, pk))
        rows = list(queryset[: size + 1])
        self.has_next = len(rows) > size
        rows = rows[:size]
        self.last = rows[-1] if rows else None
        return rows

    def get_paginated_response(self, data: Any) -> Response:
        return Response({"next": self.get_next_link(), "results": data})

    def get_next_link(self) -> str | None:
        if not self.has_next or self.last is None:
            return None
        field = self.orderings[self.ordering_name].field
        cursor = encode_cursor((getattr(self.last, field), self.last.pk), ordering=self.ordering_name)
        return replace_query_param(self.request.build_absolute_uri(), self.cursor_query_param, cursor)

    # --- inputs ---------------------------------------------------------------------------------

    def _ordering_name(self, request: Request) -> str:
        name = request.query_params.get(self.ordering_query_param) or self.default_ordering
        if name not in self.orderings:
            raise ValidationError(
                {
                    self.ordering_query_param: [
                        _("Order by one of: %(choices)s.") % {"choices": ", ".join(self.orderings)}
                    ]
                }
            )
        return name

    def _page_size(self, request: Request) -> int:
        raw = request.query_params.get(self.page_size_query_param)
        if raw in (None, ""):
            return self.page_size
        try:
            size = int(raw)
        except ValueError:
            size = 0
        if not 1 <= size <= self.max_page_size:
            raise ValidationError(
                {self.page_size_query_param: [_("Give a page size from 1 to %(max)s.") % {"max": self.max_page_size}]}
            )
        return size

    def _decode(self, cursor: str) -> tuple[datetime | None, int]:
        """The position a cursor names; a cursor of another ordering or a mangled one is a 400."""
        kinds = self.orderings[self.ordering_name].cursor_kinds()
        try:
            value, pk = decode_cursor(cursor, kinds, ordering=self.ordering_name)
        except InvalidCursor:
            raise ValidationError(
                {self.cursor_query_param: [_("This cursor is not valid for this list; start again.")]}
            ) from None
        return value, pk

    # --- schema ---------------------------------------------------------------------------------

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        return {
            "type": "object",
            "required": ["next", "results"],
            "properties": {
                "next": {"type": "string", "nullable": True, "format": "uri"},
                "results": schema,
            },
        }

    def get_schema_operation_parameters(self, view: APIView) -> list[dict[str, Any]]:
        return [
            {
                "name": self.cursor_query_param,
                "required": False,
                "in": "query",
                "description": "The position to continue from (the `next` link of the previous page).",
                "schema": {"type": "string"},
            },
            {
                "name": self.page_size_query_param,
                "required": False,
                "in": "query",
                "description": f"Rows per page, 1 to {self.max_page_size} (default {self.page_size}).",
                "schema": {"type": "integer", "minimum": 1, "maximum": self.max_page_size},
            },
            {
                "name": self.ordering_query_param,
                "required": False,
                "in": "query",
                "description": self.ordering_description,
                "schema": {"type": "string", "enum": list(self.orderings), "default": self.default_ordering},
            },
        ]
