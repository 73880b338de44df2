"""The case's audit trail: the one function that writes a ``CaseEvent`` and announces it, and case numbers.

``record_event`` runs inside the caller's transaction and sends ``cases.signals.case_event_recorded``;
receivers (SLA clocks, follow-ups, other apps) defer their side effects to ``on_commit``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.db import connection

from cases.models import (
    Case,
    CaseEvent,
    CaseNumberCounter,
)
from cases.signals import case_event_recorded
from core import clock

SYSTEM = "system"


def allocate_case_number(*, year: int) -> str:
    """Hand out the next number of the year, e.g. RMA-2026-000123, in one atomic statement.

    ``INSERT ... ON CONFLICT DO UPDATE ... RETURNING`` works on PostgreSQL and SQLite alike; the
    row lock it takes is held to the end of the caller's transaction, so numbers never repeat and
    a rolled-back case gives its number back.
    """
    table = CaseNumberCounter._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (year, last) VALUES (%s, 1) "  # noqa: S608 - table name is ours
            f"ON CONFLICT (year) DO UPDATE SET last = {table}.last + 1 RETURNING last",
            [year],
        )
        (last,) = cursor.fetchone()
    return f"{settings.CASE_NUMBER_PREFIX}-{year}-{last:06d}"


# --- events ---------------------------------------------------------------------------------------


def actor_label_for(actor: User | None, fallback: str = SYSTEM) -> str:
    if actor is None:
        return fallback
    return actor.get_full_name() or actor.get_username()


def record_event(
    *,
    case: Case,
    type: str,
    actor: User | None,
    at: datetime | None = None,
    actor_label: str | None = None,
    note: str = "",
    public: bool = False,
    channel: str = "",
    transition: str = "",
    from_status: str = "",
    to_status: str = "",
    data: dict[str, Any] | None = None,
) -> CaseEvent:
    """Write one CaseEvent and announce it. Call inside the transaction of the change."""
    event = CaseEvent.objects.create(
        case=case,
        type=type,
        actor=actor,
        actor_label=actor_label or actor_label_for(actor),
        note=note,
        public=public,
        channel=channel,
        transition=transition,
        from_status=from_status,
        to_status=to_status,
        data=data or {},
        created_at=at or clock.now(),
    )
    case_event_recorded.send(sender=Case, case=case, event=event)
    return event


# --- creating a case ------------------------------------------------------------------------------
