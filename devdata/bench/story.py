"""One synthetic case as it happened up to the end of the history: its events, status, times and costs.

A step is a transition of the state machine: the story knows only its name; where it leads from the
case's status comes from ``Case``'s ``@transition`` methods (``devdata.state_machine.step_targets``),
and a step the machine does not have for the case's kind is refused.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from cases.models import CaseStatus

NEW = CaseStatus.NEW.value
AWAITING_CUSTOMER = CaseStatus.AWAITING_CUSTOMER.value


class Story:
    """One case as it happened up to ``end``; ``targets`` are its kind's (status, step) -> status."""

    __slots__ = (
        "end",
        "t0",
        "targets",
        "status",
        "events",
        "transitions",
        "first_response",
        "approved_at",
        "resolved_at",
        "closed_at",
        "resolutions",
        "reopens",
        "paused_at",
        "costs",
        "last",
    )

    def __init__(self, t0: int, end: int, targets: dict[tuple[str, str], str]):
        self.end, self.t0, self.status, self.targets = end, t0, NEW, targets
        self.events: list[tuple] = []
        self.transitions = 0
        self.first_response: int | None = None
        self.approved_at: int | None = None
        self.resolved_at: int | None = None
        self.closed_at: int | None = None
        self.paused_at: int | None = None
        self.resolutions: list[int] = []  # every resolve's time
        self.reopens: list[int] = []
        self.costs: list[tuple] = []
        self.last = t0

    def event(self, t, type_, actor, label, channel="", note="", data="{}", transition="", from_="", to="") -> bool:
        if t > self.end:
            return False
        self.events.append((t, len(self.events), type_, actor, label, transition, from_, to, channel, note, data))
        return True

    def step(self, t, name, actor, label, data="{}", note="") -> bool:
        """The transition ``name`` at ``t``, if it happened by the end; False (and nothing) otherwise."""
        if t > self.end:
            return False
        to = self.targets.get((self.status, name))
        if to is None:
            raise ValueError(
                _("The state machine has no step %(name)s from %(status)s for this kind of case.")
                % {"name": name, "status": self.status}
            )
        self.event(t, "transition", actor, label, "", note, data, name, self.status, to)
        self.status = to
        self.transitions += 1
        self.paused_at = t if to == AWAITING_CUSTOMER else None  # any other step ends the wait
        return True

    def cost(self, t, kind, cents, actor, note="") -> None:
        if t <= self.end:
            self.costs.append((t, kind, cents, actor, note))
