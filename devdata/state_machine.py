"""The case state machine as a graph, read from the model (django-fsm-2), for the data generators.

Nothing here states a transition: every source, target and name comes from the ``@transition``
methods of ``cases.models.Case``. A transition belongs to a kind when a case of that kind can meet
its conditions (reopen: soon after resolving). The demo walks the shortest path to the status a
case should show; the bench history asks where each step leads from the case's status.
"""

from __future__ import annotations

from collections import deque

from cases.models import Case, CaseStatus
from core import clock


def transitions() -> list:
    """Every transition of ``Case.status`` (one per source)."""
    return list(Case._meta.get_field("status").get_all_transitions(Case))


def transitions_for_kind(kind: str) -> list:
    """The transitions whose conditions a case of this kind can meet (reopen: soon after resolving)."""
    probe = Case(kind=kind, resolved_at=clock.now())
    return [t for t in transitions() if all(condition(probe) for condition in t.conditions)]


def step_targets(kind: str) -> dict[tuple[str, str], str]:
    """(source status, transition name) -> target status, for the transitions of ``kind``."""
    return {(str(t.source), t.name): str(t.target) for t in transitions_for_kind(kind)}


def reachable_statuses(kind: str) -> set[str]:
    """Every status a case of ``kind`` can reach from ``new`` (new included)."""
    allowed = transitions_for_kind(kind)
    seen = {CaseStatus.NEW.value}
    queue = deque(seen)
    while queue:
        status = queue.popleft()
        for t in allowed:
            if t.source == status and t.target not in seen:
                seen.add(t.target)
                queue.append(t.target)
    return seen


def path_to(*, kind: str, source: str, target: str) -> list[str] | None:
    """The shortest list of transition names from ``source`` to ``target``; None if unreachable."""
    allowed = transitions_for_kind(kind)
    previous: dict[str, tuple[str, str] | None] = {source: None}
    queue = deque([source])
    while queue:
        status = queue.popleft()
        if status == target:
            steps = []
            back = previous[status]
            while back is not None:
                status, name = back
                steps.append(name)
                back = previous[status]
            return steps[::-1]
        for t in allowed:
            if t.source == status and t.target not in previous:
                previous[t.target] = (status, t.name)
                queue.append(t.target)
    return None
