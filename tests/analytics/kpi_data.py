"""Cases with known KPI inputs, made through the services at a frozen clock (the API, export and
report tests share them)."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from analytics import rollups
from cases.models import Case, CaseKind
from cases.services import add_message, create_case, transition_case
from core import clock
from tests.cases.factories import CustomerFactory

SHANGHAI = ZoneInfo("Asia/Shanghai")


class Frozen:
    """``core.clock.now`` while a test runs; move ``at`` to make things happen later."""

    def __init__(self, at: datetime):
        self.at = at


def freeze(monkeypatch, at: datetime) -> Frozen:
    frozen = Frozen(at)
    monkeypatch.setattr(clock, "now", lambda: frozen.at)
    return frozen


def worked_case(
    now: Frozen,
    *,
    agent,
    created: datetime,
    channel: str = "email",
    kind: str = CaseKind.INQUIRY,
    team=None,
    reply_after: timedelta | None = timedelta(hours=2),
    resolve_after: timedelta | None = timedelta(hours=20),
    customer=None,
) -> Case:
    """A conversation case opened at ``created``, answered and resolved by ``agent`` after the delays
    (None: not answered / left open). Leaves the clock where the last step happened."""
    now.at = created
    case = create_case(customer=customer or CustomerFactory(), kind=kind, channel=channel, team=team, assignee=agent)
    if reply_after is not None:
        now.at = created + reply_after
        add_message(case=case, actor=agent, text="您好，我们来处理。")
    if resolve_after is not None:
        now.at = created + resolve_after
        case = transition_case(case=case, name="start", actor=agent)
        case = transition_case(case=case, name="resolve", actor=agent, resolution_type="answered")
    return case


def refreshed(now: Frozen, at: datetime) -> None:
    """Set the clock to ``at`` and fold every change into the rollups."""
    now.at = at
    rollups.refresh()
