"""Analytics follow a case's current classification: the facts read the kind and reason from the case row
(analytics/facts.py), and converting or reclassifying a case marks it for the next refresh, so a converted
inquiry counts as a return, and a reclassified one as a complaint, on the day it was created."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from analytics import rollups
from analytics.models import CaseFact, DailyStat
from cases import services
from cases.models import CaseKind, Channel, ReasonCode
from core import clock
from tests.cases.factories import CustomerFactory, OrderFactory, OrderLineFactory

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
START = datetime(2026, 9, 1, 9, 0, tzinfo=SHANGHAI)


class Frozen:
    def __init__(self, at: datetime):
        self.at = at


@pytest.fixture
def now(monkeypatch):
    frozen = Frozen(START)
    monkeypatch.setattr(clock, "now", lambda: frozen.at)
    return frozen


def created_by_kind() -> dict[str, int]:
    rows = DailyStat.objects.filter(day=START.date(), dim="kind", created__gt=0)
    return dict(rows.values_list("value", "created"))


def test_a_converted_or_reclassified_case_counts_under_its_new_kind(now, agent):
    customer = CustomerFactory()
    order = OrderFactory(customer=customer, placed_at=START - timedelta(days=4), delivered_at=START - timedelta(days=2))
    jacket = OrderLineFactory(order=order, line_no=1)
    torn, angry = (
        services.create_case(customer=customer, kind=CaseKind.INQUIRY, channel=Channel.EMAIL, subject=subject)
        for subject in ("the jacket arrived torn", "nobody answers me")
    )
    now.at = START + timedelta(days=1)
    rollups.refresh()
    assert created_by_kind() == {"inquiry": 2}

    services.convert_case(
        case=torn,
        actor=agent,
        kind=CaseKind.RETURN,
        order=order,
        lines=[services.LineRequest(order_line=jacket, quantity=1)],
        reason_code=ReasonCode.DAMAGED,
    )
    services.reclassify_case(
        case=angry, actor=agent, kind=CaseKind.COMPLAINT, reason_code=ReasonCode.SERVICE, why="a complaint"
    )
    now.at = START + timedelta(days=2)
    assert rollups.refresh()["cases"] == 2
    assert CaseFact.objects.get(case_id=torn.pk).kind == "return"
    assert CaseFact.objects.get(case_id=angry.pk).reason == "service"
    assert created_by_kind() == {"return": 1, "complaint": 1}
    assert DailyStat.objects.get(day=START.date(), dim="all", value="").complaints == 1
