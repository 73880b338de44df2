"""The synthetic desk: 20 agents in three teams and a manager, each agent with a speed and a charm
(how fast they answer, how the customers score them), and how many of the team's cases each takes.
Written through the ORM; users of an earlier run are used again."""

from __future__ import annotations

import random
from dataclasses import dataclass

from django.contrib.auth import get_user_model

from cases.models import AgentProfile, Team
from core.roles import AGENT, MANAGER, ensure_roles
from devdata.bench.mixes import cumulative

AGENT_NAMES = (
    ("Na", "Li"),
    ("Wei", "Zhang"),
    ("Fang", "Wang"),
    ("Min", "Liu"),
    ("Jing", "Chen"),
    ("Lei", "Yang"),
    ("Yan", "Huang"),
    ("Jie", "Zhao"),
    ("Tao", "Wu"),
    ("Juan", "Zhou"),
    ("Chao", "Xu"),
    ("Xia", "Sun"),
    ("Gang", "Ma"),
    ("Ying", "Zhu"),
    ("Hua", "Hu"),
    ("Ping", "Guo"),
    ("Bo", "He"),
    ("Yu", "Gao"),
    ("Hao", "Lin"),
    ("Xin", "Luo"),
)
TEAMS = (
    ("bench-returns", "Returns and exchanges", 8),
    ("bench-repairs", "Repairs and warranty", 5),
    ("bench-care", "Customer care", 7),
)


@dataclass
class Agent:
    user_id: int
    label: str
    team: int
    speed: float  # multiplies the agent's reply and resolution times
    charm: float  # added to the customer's satisfaction


@dataclass
class Staff:
    agents: list[Agent]
    teams: list[tuple[int, list[int]]]  # (team id, indexes of its agents)
    team_mix: list[tuple[tuple, list[float]]]  # per team: which agent takes a case


def _people() -> list:
    """The agents and the manager: (user, created, role), each staff and in the role's group."""
    users = get_user_model().objects
    groups = ensure_roles()
    people = []
    for i, (first, last) in enumerate(AGENT_NAMES):
        user, created = users.get_or_create(
            username=f"bench-agent-{i + 1:02d}",
            defaults={"first_name": first, "last_name": last, "email": f"bench-agent-{i + 1:02d}@example.com"},
        )
        people.append((user, created, AGENT))
    manager, created = users.get_or_create(
        username="bench-manager",
        defaults={"first_name": "Min", "last_name": "Chen", "email": "bench-manager@example.com"},
    )
    people.append((manager, created, MANAGER))
    for user, created, role in people:
        if created:
            user.set_unusable_password()
        user.is_staff = True
        user.save()
        user.groups.add(groups[role])
    return people


def make_staff(rng: random.Random) -> Staff:
    """The users, their profiles and teams; each agent's speed and charm drawn in team order."""
    r = rng.random
    staff = [u for u, _c, role in _people() if role == AGENT]
    for user in staff:
        AgentProfile.objects.get_or_create(user=user, defaults={"skills": ["zh", "en"]})
    agents: list[Agent] = []
    teams: list[tuple[int, list[int]]] = []  # (team id, indexes of its agents)
    first = 0
    for code, name, size in TEAMS:
        members = staff[first : first + size]
        team, _created = Team.objects.update_or_create(code=code, defaults={"name": name, "lead": members[0]})
        team.members.set(members)
        indexes = list(range(first, first + size))
        for i in indexes:
            agents.append(
                Agent(
                    user_id=staff[i].pk,
                    label=staff[i].get_full_name(),
                    team=len(teams),
                    speed=0.6 + r(),
                    charm=r() - 0.5,
                )
            )
        teams.append((team.pk, indexes))
        first += size
    # Some agents take more cases than others.
    team_mix = [cumulative({i: 0.5 + r() for i in indexes}) for _team, indexes in teams]
    return Staff(agents=agents, teams=teams, team_mix=team_mix)
