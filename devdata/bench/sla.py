"""The SLA targets of the synthetic history, taken from the default SLA policies (``cases.sla.defaults``).

A case's first-response clock runs on the first default policy (by position) that matches it, as
``cases.sla.clocks.policy_for`` chooses; its resolution clock on the first matching policy that
counts round the clock, since this generator counts wall-clock time (the live-chat policy counts
service hours, so a chat case's resolution runs on the standard policy). The warning comes at the
policies' default share of the target (``SlaPolicy.warn_percent``). A complaint matches by the
severity the generator gave it (urgent: 1 h, normal: 24 h first response), as a live one does.
"""

from __future__ import annotations

from dataclasses import dataclass

from cases.models import SlaPolicy
from cases.sla import defaults

WARN_PERCENT: int = SlaPolicy._meta.get_field("warn_percent").default


@dataclass(frozen=True)
class Target:
    policy: str  # the default policy's name
    seconds: int

    @property
    def warn_seconds(self) -> int:
        return self.seconds * WARN_PERCENT // 100


@dataclass(frozen=True)
class _Default:
    rule: SlaPolicy  # unsaved: its matches() decides, as for a stored policy
    round_the_clock: bool


class DefaultTargets:
    """The first-response and resolution targets of a case, from the default policies."""

    def __init__(self) -> None:
        rows = sorted(defaults.POLICIES, key=lambda row: row[1])
        self.policies = [
            _Default(
                SlaPolicy(
                    name=name,
                    position=position,
                    first_response_minutes=first,
                    next_response_minutes=following,
                    resolution_minutes=resolution,
                    **match,
                ),
                round_the_clock=calendar is None,
            )
            for name, position, match, calendar, first, following, resolution in rows
        ]
        self._memo: dict[tuple[str, str, str, str, str], tuple[Target, Target]] = {}

    @property
    def catch_all(self) -> str:
        """The name of the policy that matches every case (the standard one)."""
        return next(p.rule.name for p in self.policies if p.rule.matches(priority="", channel="", kind="", tier=""))

    @property
    def names(self) -> list[str]:
        return [p.rule.name for p in self.policies]

    def for_case(
        self, *, kind: str, channel: str, priority: str, tier: str, severity: str = ""
    ) -> tuple[Target, Target]:
        """(first response, resolution) for a case like this; ``severity`` is a complaint's (urgent /
        normal), "" for any other case, as ``cases.sla.clocks`` passes it."""
        key = (kind, channel, priority, tier, severity)
        if key not in self._memo:
            matching = [
                p
                for p in self.policies
                if p.rule.matches(priority=priority, channel=channel, kind=kind, tier=tier, severity=severity)
            ]
            first = matching[0].rule
            resolution = next(p.rule for p in matching if p.round_the_clock)
            self._memo[key] = (
                Target(first.name, (first.first_response_minutes or 0) * 60),
                Target(resolution.name, (resolution.resolution_minutes or 0) * 60),
            )
        return self._memo[key]
