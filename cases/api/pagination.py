"""Keyset (cursor) pagination over an ordering that may contain NULLs.

DRF's ``CursorPagination`` needs one unique, non-null ordering field. The case queue orders by
``sla_due_at`` ascending with cases without a deadline last, then by ``id``; this paginator keeps
that order and seeks from the last row seen with a WHERE clause (no OFFSET), so pages never skip or
repeat a row while cases are added, and a deep page costs what the first does. The
``ORDER BY sla_due_at ASC NULLS LAST, id`` and ``ORDER BY created_at DESC, id DESC`` it emits are
the orders of the indexes ``case_order_by_sla`` and ``case_list_recent``.

Pages go forward only (``next``), which is what a queue needs.
"""

from __future__ import annotations

import base64
import binascii
import json
from datetime import datetime

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import BasePagination
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param

from core.keyset import KeysetOrdering


class KeysetPagination(BasePagination):
    page_size = 25
    max_page_size = 100
    cursor_query_param = "cursor"
    page_size_query_param = "page_size"
    ordering_query_param = "ordering"
    orderings = {
        "sla_due_at": KeysetOrdering("sla_due_at", nullable=True),
        "-created_at": KeysetOrdering("created_at", descending=True),
    }
    default_ordering = "sla_due_at"

    # --- the page -------------------------------------------------------------------------------

    def paginate_queryset(self, queryset: QuerySet, request, view=None) -> list:
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

    def get_paginated_response(self, data) -> Response:
        return Response({"next": self.get_next_link(), "results": data})

    def get_next_link(self) -> str | None:
        if not self.has_next or self.last is None:
            return None
        field = self.orderings[self.ordering_name].field
        url = self.request.build_absolute_uri()
        return replace_query_param(url, self.cursor_query_param, self._encode(getattr(self.last, field), self.last.pk))

    # --- inputs ---------------------------------------------------------------------------------

    def _ordering_name(self, request) -> str:
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

    def _page_size(self, request) -> int:
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

    def _encode(self, value: datetime | None, pk: int) -> str:
        payload = {"o": self.ordering_name, "v": value.isoformat() if value else None, "id": pk}
        return base64.urlsafe_b64encode(json.dumps(payload, separators=(",", ":")).encode()).decode()

    def _decode(self, cursor: str) -> tuple[datetime | None, int]:
        """The position a cursor names; a cursor of another ordering or a mangled one is a 400."""
        try:
            payload = json.loads(base64.urlsafe_b64decode(cursor.encode()))
            if payload["o"] != self.ordering_name:
                raise ValueError("cursor of another ordering")
            value = datetime.fromisoformat(payload["v"]) if payload["v"] is not None else None
            pk = int(payload["id"])
        except (ValueError, TypeError, KeyError, binascii.Error, UnicodeDecodeError):
            raise ValidationError(
                {self.cursor_query_param: [_("This cursor is not valid for this list; start again.")]}
            )
        return value, pk

    # --- schema ---------------------------------------------------------------------------------

    def get_paginated_response_schema(self, schema: dict) -> dict:
        return {
            "type": "object",
            "required": ["next", "results"],
            "properties": {
                "next": {"type": "string", "nullable": True, "format": "uri"},
                "results": schema,
            },
        }

    def get_schema_operation_parameters(self, view) -> list[dict]:
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
                "description": "`sla_due_at`: next SLA deadline first, cases without one last (default); "
                "`-created_at`: newest first.",
                "schema": {"type": "string", "enum": list(self.orderings), "default": self.default_ordering},
            },
        ]
