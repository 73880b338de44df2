"""Routing (issue 5): which team and which agent a new case goes to.

1. A VIP customer's dedicated agent, while that agent is active and available.
2. Else the first matching ``RoutingRule`` gives the team; inside it, the method picks an agent
   among the active members marked available (no profile counts as available) who have the
   rule's skill: the one with the fewest open cases (ties: the longest without a new case, then
   id), or the next one after the last in round robin; or nobody (the team's queue).
3. No rule: no team, nobody.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.db.models import Count, Q, QuerySet

from cases.models import OPEN_STATUSES, Customer, CustomerTier, RoutingMethod, RoutingRule, Team


@dataclass(frozen=True)
class Route:
    team: Team | None
    assignee: User | None
    reason: str  # "dedicated", "rule:<id>", or "none"


def _available(users: QuerySet[User]) -> QuerySet[User]:
    return users.filter(is_active=True).filter(Q(agent_profile__isnull=True) | Q(agent_profile__available=True))


def route(*, kind: str, channel: str, customer: Customer) -> Route:
    """Where a new case goes; call inside the transaction that creates it (round robin locks the team)."""
    agent = customer.dedicated_agent
    if (
        customer.tier == CustomerTier.VIP
        and agent is not None
        and _available(get_user_model().objects.filter(pk=agent.pk)).exists()
    ):
        return Route(team=agent.teams.order_by("pk").first(), assignee=agent, reason="dedicated")
    rule = next(
        (
            r
            for r in RoutingRule.objects.filter(active=True).select_related("team").order_by("position", "id")
            if r.matches(kind=kind, channel=channel, tier=customer.tier)
        ),
        None,
    )
    if rule is None:
        return Route(team=None, assignee=None, reason="none")
    reason = f"rule:{rule.pk}"
    if rule.method == RoutingMethod.TEAM_ONLY:
        return Route(team=rule.team, assignee=None, reason=reason)
    candidates = _available(rule.team.members.all())
    if rule.skill:
        # Skills are a short JSON list per agent; checked here so SQLite (no JSON containment) works too.
        skilled = [
            pk
            for pk, skills in candidates.filter(agent_profile__isnull=False).values_list("pk", "agent_profile__skills")
            if isinstance(skills, list) and rule.skill in skills
        ]
        candidates = candidates.filter(pk__in=skilled)
    if rule.method == RoutingMethod.LEAST_LOADED:
        chosen = (
            candidates.annotate(load=Count("assigned_cases", filter=Q(assigned_cases__status__in=OPEN_STATUSES)))
            .order_by("load", "pk")
            .first()
        )
        return Route(team=rule.team, assignee=chosen, reason=reason)
    team = Team.objects.select_for_update().get(pk=rule.team_id)
    ordered = list(candidates.order_by("pk").values_list("pk", flat=True))
    if not ordered:
        return Route(team=team, assignee=None, reason=reason)
    last = team.round_robin_last_id
    following = [pk for pk in ordered if last is None or pk > last]
    chosen_pk = following[0] if following else ordered[0]
    Team.objects.filter(pk=team.pk).update(round_robin_last=chosen_pk)
    return Route(team=team, assignee=get_user_model().objects.get(pk=chosen_pk), reason=reason)
