"""Erasure keeps the statistics: the KPI report (analytics.kpis.report) is the same before and
after two customers are erased, from the rollups and from the raw rows, in total and split."""

from __future__ import annotations

from decimal import Decimal

import pytest

from analytics import kpis, rollups
from cases.models import Customer
from cases.services import add_cost_line, transition_case
from core import clock
from feedback.models import SurveyResponse
from privacy import services
from tests.accounts.factories import UserFactory
from tests.analytics.kpi_core import REPORT_AT, Frozen, at, build_core, customer_writes, d
from tests.cases.factories import OrderFactory

pytestmark = pytest.mark.django_db

SPLITS = (None, "channel", "agent", "kind", "tier", "reason")


@pytest.fixture
def now(monkeypatch):
    frozen = Frozen()
    monkeypatch.setattr(clock, "now", lambda: frozen.at)
    return frozen


@pytest.fixture
def agent_b(db):
    return UserFactory(username="agent-b", role="agent", first_name="Wu", last_name="Fei")


def reports() -> dict:
    out = {}
    for split in SPLITS:
        req = kpis.ReportRequest(start=d(1), end=d(20), split=split)
        for source in ("rollup", "live"):
            rep = kpis.report(req, source=source)
            out[(split, source)] = {k: v for k, v in rep.items() if k not in ("generated_at", "source")}
    return out


def test_the_kpi_report_is_the_same_before_and_after_erasure(now, agent, agent_b):
    cases = build_core(now, agent, agent_b)
    c1, c2 = cases["c1"], cases["c2"]
    # More of what erasure touches: orders with addresses (the complaint rate's denominator), a
    # cost with a note, survey answers with comments, a customer message.
    for case in (c1, c2):
        OrderFactory(customer=case.customer, placed_at=at(2, 8), shipping_address="北京市朝阳区建国路 1 号")
    now.set(at(4, 9))
    add_cost_line(case=c2, actor=agent_b, kind="compensation", amount="30.00", note="给王先生的补偿")
    SurveyResponse.objects.create(
        case=c1,
        customer=c1.customer,
        agent=agent,
        channel="email",
        csat=5,
        nps=9,
        comment="很好 王先生",
        answered_at=at(3),
    )
    SurveyResponse.objects.create(
        case=c2, customer=c2.customer, agent=agent_b, channel="phone", csat=2, ces=6, comment="太慢", answered_at=at(5)
    )
    customer_writes(c2, "我的电话是 13912345678")
    c2.refresh_from_db()
    c2 = transition_case(case=c2, name="close", actor=UserFactory(username="m", role="manager"))
    now.set(REPORT_AT)
    rollups.refresh()
    before = reports()
    assert before[(None, "rollup")]["total"]["cases_created"] == 5
    assert before[(None, "rollup")]["total"]["csat"]["answers"] == 2
    assert before[(None, "rollup")]["total"]["cost"]["total"] == "30.00"
    assert before[(None, "rollup")] == before[(None, "live")]

    for case in (c1, c2):
        services.erase_customer(customer=case.customer, actor=agent)
    assert Customer.objects.get(pk=c1.customer_id).name.startswith("[erased]")
    assert SurveyResponse.objects.get(case=c2).comment == ""
    rollups.refresh()
    after = reports()
    for key in before:
        assert after[key] == before[key], key
    # And a full rebuild of the rollups from the anonymised rows gives the same again.
    rollups.rebuild_all()
    assert reports() == before
    assert Decimal(after[(None, "live")]["total"]["cost"]["compensation"]) == Decimal("30.00")
