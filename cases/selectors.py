"""Reads that are more than ``.get()``: the case list, a case with its timeline, an order, and
the steps a user can take on a case now. Each one fetches what its callers show in a fixed
number of queries (select_related / prefetch_related), however many rows there are."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Prefetch, QuerySet

from .models import (
    TRANSITION_NAMES,
    Case,
    CaseEvent,
    CaseLine,
    Notification,
    Order,
    OrderLine,
    RevisitTask,
    SlaClock,
)
from .services import step_label, transition_permission, unmet_conditions


def case_list() -> QuerySet[Case]:
    """Every case with what a list row shows (customer, order, assignee, team) in the same query.

    The caller filters and orders it (the API's keyset pagination orders by SLA or by age).
    """
    return Case.objects.select_related("customer", "order", "assignee", "team")


def case_detail(*, number: str) -> Case | None:
    """One case by number with its lines and its whole timeline (staff see internal events too)."""
    return (
        Case.objects.select_related("customer", "order", "assignee", "team")
        .prefetch_related(
            Prefetch(
                "lines",
                queryset=CaseLine.objects.select_related("order_line", "requested_variant").order_by(
                    "order_line__line_no"
                ),
            ),
            Prefetch("events", queryset=CaseEvent.objects.select_related("actor").order_by("created_at", "id")),
            Prefetch("clocks", queryset=SlaClock.objects.order_by("started_at", "id")),
        )
        .filter(number=number)
        .first()
    )


def case_by_number(*, number: str) -> Case | None:
    """One case by number, with the order its services read (refund limits, currency)."""
    return Case.objects.select_related("customer", "order").filter(number=number).first()


def order_detail(*, number: str) -> Order | None:
    """One order by number with its customer and its lines and their products."""
    return (
        Order.objects.select_related("customer")
        .prefetch_related(Prefetch("lines", queryset=OrderLine.objects.select_related("product").order_by("line_no")))
        .filter(number=number)
        .first()
    )


def notifications_for(*, user: AbstractBaseUser, unread_only: bool = False) -> QuerySet[Notification]:
    """A staff user's own notifications, newest first, with their case's number."""
    qs = Notification.objects.filter(user=user).select_related("case").order_by("-created_at", "-id")
    return qs.filter(read_at__isnull=True) if unread_only else qs


def revisit_tasks(*, user: AbstractBaseUser, mine: bool = False, done: bool | None = None) -> QuerySet[RevisitTask]:
    """Revisit tasks, the ones due first first; ``mine``: assigned to ``user``."""
    qs = RevisitTask.objects.select_related("case", "assignee", "team").order_by("due_at", "id")
    if mine:
        qs = qs.filter(assignee=user)
    if done is not None:
        qs = qs.filter(done_at__isnull=not done)
    return qs


@dataclass(frozen=True)
class TransitionOption:
    """A step the case's state machine offers from its current status, and whether ``user`` may take it."""

    name: str
    label: str
    target: str
    permitted: bool
    unmet_conditions: list[str]
    params: list[str]

    @property
    def allowed(self) -> bool:
        return self.permitted and not self.unmet_conditions


def transition_options(*, case: Case, user: AbstractBaseUser) -> list[TransitionOption]:
    """The steps leaving the case's current status, in the state machine's order.

    A step is listed even when a condition or the user's permission keeps it from running, with
    the reasons, so a client can show it greyed out with why.
    """
    field = Case._meta.get_field("status")
    found = {}
    for t in field.get_all_transitions(Case):
        if t.source in (case.status, "*") and t.name not in found:
            found[t.name] = t
    options = []
    for name in TRANSITION_NAMES:
        t = found.get(name)
        if t is None:
            continue
        permission = transition_permission(name)
        options.append(
            TransitionOption(
                name=name,
                label=step_label(name),
                target=str(t.target),
                permitted=not permission or user.has_perm(permission),
                unmet_conditions=unmet_conditions(case=case, name=name),
                params=list(t.custom.get("params", [])),
            )
        )
    return options


__all__ = [
    "TransitionOption",
    "case_by_number",
    "case_detail",
    "case_list",
    "notifications_for",
    "order_detail",
    "revisit_tasks",
    "transition_options",
]
