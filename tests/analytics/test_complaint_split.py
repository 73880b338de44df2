"""The complaint rate split by complaint category (issue 18): each category's complaints ÷ all orders,
by the case's current classification, from the rollups and the raw rows alike."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from analytics import kpis, rollups
from cases.models import CaseKind, Channel
from cases.services import classify_complaint, create_case
from core import clock
from tests.analytics.kpi_core import Frozen, at, d
from tests.cases.factories import CustomerFactory, OrderFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def now(monkeypatch):
    frozen = Frozen()
    monkeypatch.setattr(clock, "now", lambda: frozen.at)
    return frozen


def split(split: str | None = "complaint_category", **filters) -> dict:
    req = kpis.ReportRequest(start=d(2), end=d(8), split=split, filters=filters)
    rolled, live = kpis.report(req), kpis.report(req, source="live")
    drop = ("generated_at", "source")
    assert {k: v for k, v in rolled.items() if k not in drop} == {k: v for k, v in live.items() if k not in drop}
    return rolled


def rates(report: dict) -> dict[str, float | None]:
    return {row["value"]: row["kpis"]["complaint_rate"] for row in report["rows"]}


def settle(now: Frozen, when: datetime) -> None:
    now.set(when)
    rollups.refresh()


def test_the_complaint_rate_splits_by_the_current_category(now, agent):
    now.set(at(2, 10))
    for day in range(2, 6):  # 4 orders placed in the period
        OrderFactory(placed_at=at(day, 9))

    def complaint(category: str | None):
        case = create_case(customer=CustomerFactory(), kind=CaseKind.COMPLAINT, channel=Channel.PHONE)
        if category:
            classify_complaint(case=case, actor=agent, category=category, severity="normal", reason="call")
        return case

    lost = complaint("logistics")
    complaint("logistics")
    complaint(None)
    create_case(customer=CustomerFactory(), kind=CaseKind.INQUIRY, channel=Channel.EMAIL)
    settle(now, at(10, 10))

    report = split()
    assert report["total"]["complaint_rate"] == 0.75  # 3 complaints ÷ 4 orders
    assert rates(report) == {"logistics": 0.5, "": 0.25}, "the inquiry counts no complaint; unclassified: ''"
    labels = {row["value"]: row["label"] for row in report["rows"]}
    assert labels == {"logistics": "Logistics", "": "Not classified"}

    # Corrected later: the report follows the case's current classification.
    now.set(at(10, 11))
    classify_complaint(case=lost, actor=agent, category="payment", severity="urgent", reason="it was a double charge")
    settle(now, at(10, 11) + timedelta(minutes=1))
    assert rates(split()) == {"logistics": 0.25, "payment": 0.25, "": 0.25}
    assert split(None, complaint_category="payment")["total"]["complaint_rate"] == 0.25


def test_an_unknown_category_filter_is_refused():
    with pytest.raises(kpis.BadRequest):
        kpis.parse_request({"start": "2026-03-02", "end": "2026-03-08", "complaint_category": "weather"})
