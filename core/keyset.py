"""Keyset (cursor) ordering over a column that may hold NULLs: the case lists of the API and the desk.

A page seeks from the last row seen with a WHERE clause (no OFFSET), so pages never skip or repeat
a row while cases are added, and a deep page costs what the first does.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import F, Q


@dataclass(frozen=True)
class KeysetOrdering:
    """Order by ``field`` (then by id in the same direction); a nullable field puts NULLs last."""

    field: str
    descending: bool = False
    nullable: bool = False

    def order_by(self) -> list:
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
