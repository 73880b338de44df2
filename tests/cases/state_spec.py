"""The state machine of DESIGN.md §3 written out independently of the model, for the tests.

``EXPECTED[(kind, status, step)] = target`` for every legal move; everything else is illegal.
"""

from __future__ import annotations

GOODS = {"return", "exchange", "repair", "refund_only"}
SHIPPING = {"return", "exchange", "repair"}
CONVERSATION = {"complaint", "inquiry"}
KINDS = sorted(GOODS | CONVERSATION)
STATUSES = [
    "new",
    "approved",
    "in_transit",
    "received",
    "inspected",
    "in_progress",
    "awaiting_customer",
    "resolved",
    "closed",
    "rejected",
    "cancelled",
]
STEPS = [
    "approve",
    "reject",
    "cancel",
    "start",
    "wait_for_customer",
    "resume",
    "ship_return",
    "receive",
    "inspect",
    "resolve",
    "reopen",
    "close",
]

# Valid inputs for the steps that take some.
PARAMS = {
    "reject": {"reason": "Outside the return window"},
    "inspect": {"passed": True, "grade": "A"},
    "resolve": {"resolution_type": "goodwill_coupon"},
    "ship_return": {"carrier": "SF", "tracking_number": "SF1234567890"},
}


def expected_moves() -> dict[tuple[str, str, str], str]:
    moves: dict[tuple[str, str, str], str] = {}
    for kind in KINDS:
        if kind in GOODS:
            moves[(kind, "new", "approve")] = "approved"
        moves[(kind, "new", "reject")] = "rejected"
        moves[(kind, "new", "cancel")] = "cancelled"
        moves[(kind, "approved", "cancel")] = "cancelled"
        if kind in CONVERSATION:
            moves[(kind, "new", "start")] = "in_progress"
        moves[(kind, "in_progress", "wait_for_customer")] = "awaiting_customer"
        moves[(kind, "awaiting_customer", "resume")] = "in_progress"
        if kind in SHIPPING:
            moves[(kind, "approved", "ship_return")] = "in_transit"
            moves[(kind, "inspected", "resolve")] = "resolved"
        moves[(kind, "in_transit", "receive")] = "received"
        moves[(kind, "received", "inspect")] = "inspected"
        if kind == "refund_only":
            moves[(kind, "approved", "resolve")] = "resolved"
        moves[(kind, "in_progress", "resolve")] = "resolved"
        moves[(kind, "awaiting_customer", "resolve")] = "resolved"
        moves[(kind, "resolved", "reopen")] = "in_progress"
        moves[(kind, "resolved", "close")] = "closed"
    return moves


EXPECTED = expected_moves()

# The paths of DESIGN.md §3 per kind (the "happy path").
HAPPY_PATHS = {
    "return": ["approve", "ship_return", "receive", "inspect", "resolve", "close"],
    "exchange": ["approve", "ship_return", "receive", "inspect", "resolve", "close"],
    "repair": ["approve", "ship_return", "receive", "inspect", "resolve", "close"],
    "refund_only": ["approve", "resolve", "close"],
    "complaint": ["start", "wait_for_customer", "resume", "resolve", "close"],
    "inquiry": ["start", "wait_for_customer", "resolve", "close"],
}


def reachable_statuses(kind: str) -> set[str]:
    seen = {"new"}
    frontier = ["new"]
    while frontier:
        status = frontier.pop()
        for (k, s, _step), target in EXPECTED.items():
            if k == kind and s == status and target not in seen:
                seen.add(target)
                frontier.append(target)
    return seen
