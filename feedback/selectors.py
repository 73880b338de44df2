"""Reads of the feedback app for the desk: the follow-up board (revisit tasks) and free feedback.

Each list is one page by cursor (keyset: no OFFSET, no row skipped or repeated while rows are
added) with what a row shows joined in the same query, so a page costs the same number of queries
however many rows there are.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.contrib.auth.models import User
from django.db import models
from django.db.models import Q, QuerySet

from cases.models import RevisitReason, RevisitTask, Team
from cases.selectors import teams_restrict
from core import clock
from feedback.models import FeedbackCategory, FreeFeedback

PAGE_SIZE = 50
BOARD_STATES = ("open", "overdue", "done")
FEEDBACK_STATES = ("open", "handled", "all")
NONE = "none"  # the filter value for "no category" / "no team"


@dataclass(frozen=True)
class Page:
    rows: list[Any]
    next_cursor: tuple[Any, ...] | None


# --- the follow-up board ------------------------------------------------------------------------


def sees_every_revisit(user: User) -> bool:
    """Managers (``view_all_teams``) see every revisit task; everyone else the ones assigned to them."""
    return user.has_perm("cases.view_all_teams")


def _revisits_of(user: User) -> QuerySet[RevisitTask]:
    qs = RevisitTask.objects.all()
    return qs if sees_every_revisit(user) else qs.filter(assignee=user)


def follow_up_board(
    *,
    user: User,
    state: str = "open",
    after: tuple[Any, ...] | None = None,
    size: int = PAGE_SIZE,
    now: datetime | None = None,
) -> Page:
    """One page of revisit tasks: low scores first, then the others, each by due time.

    ``open``: not done (overdue ones included); ``overdue``: not done and due before now;
    ``done``: with an outcome. The cursor is (rank, due_at, id) of the last row of the page.
    """
    now = now or clock.now()
    qs = _revisits_of(user).select_related("case", "assignee", "team")
    if state == "done":
        qs = qs.filter(done_at__isnull=False)
    else:
        qs = qs.filter(done_at__isnull=True)
        if state == "overdue":
            qs = qs.filter(due_at__lt=now)
    qs = qs.annotate(
        rank=models.Case(
            models.When(reason=RevisitReason.LOW_SCORE, then=models.Value(0)),
            default=models.Value(1),
            output_field=models.IntegerField(),
        )
    ).order_by("rank", "due_at", "id")
    if after is not None:
        rank, due_at, pk = after
        qs = qs.filter(Q(rank__gt=rank) | Q(rank=rank, due_at__gt=due_at) | Q(rank=rank, due_at=due_at, id__gt=pk))
    rows = list(qs[: size + 1])
    last = rows[size - 1] if len(rows) > size else None
    return Page(rows=rows[:size], next_cursor=(last.rank, last.due_at, last.pk) if last else None)


def revisit_for(*, user: User, pk: int) -> RevisitTask | None:
    """The revisit task ``pk`` when ``user`` may see it (None otherwise: the view answers 404)."""
    return _revisits_of(user).select_related("case").filter(pk=pk).first()


# --- free feedback --------------------------------------------------------------------------------


def categories() -> list[FeedbackCategory]:
    """The categories, in their order (the portal form's choices, the desk's filter)."""
    return list(FeedbackCategory.objects.order_by("position", "id"))


def teams() -> list[Team]:
    return list(Team.objects.order_by("name"))


def _feedback_of(user: User) -> QuerySet[FreeFeedback]:
    """Feedback ``user`` may see: all, or (the desk restricting by teams) their teams' and unrouted."""
    qs = FreeFeedback.objects.all()
    if teams_restrict(user):
        qs = qs.filter(Q(team__isnull=True) | Q(team__in=user.teams.values("pk")))
    return qs


def free_feedback_list(
    *,
    user: User,
    category: str = "",
    team: str = "",
    state: str = "open",
    after: tuple[Any, ...] | None = None,
    size: int = PAGE_SIZE,
) -> Page:
    """One page of free feedback, newest first, filtered by category code, team id (``none``:
    without one) and state (``open``: not handled yet, ``handled``, ``all``)."""
    qs = _feedback_of(user).select_related("category", "team", "customer")
    if category == NONE:
        qs = qs.filter(category__isnull=True)
    elif category:
        qs = qs.filter(category__code=category)
    if team == NONE:
        qs = qs.filter(team__isnull=True)
    elif team.isdigit():
        qs = qs.filter(team_id=int(team))
    if state == "open":
        qs = qs.filter(handled_at__isnull=True)
    elif state == "handled":
        qs = qs.filter(handled_at__isnull=False)
    qs = qs.order_by("-created_at", "-id")
    if after is not None:
        created_at, pk = after
        qs = qs.filter(Q(created_at__lt=created_at) | Q(created_at=created_at, id__lt=pk))
    rows = list(qs[: size + 1])
    last = rows[size - 1] if len(rows) > size else None
    return Page(rows=rows[:size], next_cursor=(last.created_at, last.pk) if last else None)


def free_feedback_for(*, user: User, pk: int) -> FreeFeedback | None:
    return _feedback_of(user).filter(pk=pk).first()
