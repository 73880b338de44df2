"""The return policy engine: pure functions over the rules in the database (DESIGN.md §3).

INTERFACE STUB — being implemented. See ``evaluate``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .models import PolicyOutcome


@dataclass(frozen=True)
class PolicyLine:
    order_line: Any
    quantity: int
    opened: bool = False


@dataclass(frozen=True)
class Decision:
    outcome: str
    rule: Any = None
    code: str = "no_rule"
    params: dict = field(default_factory=dict)
    lines: list = field(default_factory=list)

    def as_json(self) -> dict:
        return {"outcome": self.outcome, "code": self.code, "params": self.params, "lines": self.lines}

    def explain(self) -> str:
        return explain(self.as_json())


def explain(explanation: dict) -> str:
    return explanation.get("code", "")


def evaluate(*, kind, customer, order, lines, reason_code, has_photos, at, exclude_case_id=None) -> Decision:
    return Decision(outcome=PolicyOutcome.REVIEW)
