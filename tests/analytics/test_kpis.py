"""Every KPI of DESIGN.md §5 against figures computed by hand on small fixed data sets.

The data is made through the services (create_case, transition_case, add_message, add_cost_line,
record_event for what a customer writes, the SLA sweep) at a frozen clock, plus orders and survey
rows. Then the clock moves to the moment of the report, the refresh folds everything into the
rollups, and each report is checked twice: the rollup figures equal the figures written here by
hand, and equal the live recomputation from the raw rows.

Times are Shanghai local times (settings.TIME_ZONE) unless a test says otherwise.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied

from analytics import kpis, rollups, scorecards
from analytics.models import KpiTarget, RollupState, ScorecardSettings
from cases.models import CaseKind, Channel, ClockKind, CostKind, ReasonCode
from cases.services import LineRequest, add_cost_line, add_message, create_case, set_disposition
from cases.sla.sweep import sweep
from core import clock
from feedback.models import InvitationStatus, Survey, SurveyInvitation, SurveyResponse
from tests.accounts.factories import UserFactory
from tests.analytics.factories import KpiTargetFactory
from tests.analytics.kpi_core import REPORT_AT, SH, Frozen, at, build_core, conversation, d, step
from tests.cases.factories import CustomerFactory, OrderFactory, OrderLineFactory, ProductFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def now(monkeypatch):
    """The product's clock (core.clock), frozen; ``now.set(t)`` moves it."""
    frozen = Frozen()
    monkeypatch.setattr(clock, "now", lambda: frozen.at)
    return frozen


@pytest.fixture
def agent_b(db):
    return UserFactory(username="agent-b", role="agent", first_name="Wu", last_name="Fei")


# --- helpers ----------------------------------------------------------------------------------------


def comparable(report: dict) -> dict:
    return {k: v for k, v in report.items() if k not in ("generated_at", "source")}


def report(start: date, end: date, split: str | None = None, **filters) -> dict:
    """The rollup report, checked against the live recomputation of the same request."""
    req = kpis.ReportRequest(start=start, end=end, split=split, filters=filters)
    rolled = kpis.report(req)
    live = kpis.report(req, source="live")
    assert rolled["source"] == "rollup" and live["source"] == "live"
    assert comparable(rolled) == comparable(live), "the rollups must give what the raw rows give"
    return rolled


def settle(now: Frozen, when: datetime) -> None:
    """Move the clock to the moment of the report and fold every change into the rollups."""
    now.set(when)
    rollups.refresh()
    assert RollupState.get_solo().sealed_through == when.astimezone(SH).date() - timedelta(days=1)


def rows_by_value(rep: dict) -> dict[str, dict]:
    return {row["value"]: row for row in rep["rows"]}


EMPTY_TOTAL = {
    "cases_created": 0,
    "cases_resolved": 0,
    "first_response": {"count": 0, "mean_hours": None, "median_hours": None, "p90_hours": None},
    "resolution_time": {"count": 0, "mean_hours": None, "median_hours": None, "p90_hours": None},
    "first_contact_resolution": None,
    "resolution_rate": None,
    "reopen_rate": None,
    "sla_first_response": None,
    "sla_resolution": None,
    "csat": {"answers": 0, "rate": None, "mean": None},
    "nps": {"answers": 0, "score": None},
    "ces": {"answers": 0, "mean": None},
    "survey_response_rate": None,
    "complaint_rate": None,
    "return_rate": None,
    "cost": {
        "cases": 0,
        "total": "0.00",
        "per_case": None,
        "refund": "0.00",
        "compensation": "0.00",
        "shipping_out": "0.00",
        "shipping_back": "0.00",
        "repair": "0.00",
        "handling": "0.00",
    },
}


def test_response_and_resolution_times_fcr_reopen_and_resolution_rate(now, agent, agent_b):
    build_core(now, agent, agent_b)
    settle(now, REPORT_AT)
    t = report(d(2), d(8))["total"]

    assert t["cases_created"] == 5  # C1..C5 created 03-02..03-08
    # First agent replies in P1: C1 2 h, C2 4 h, C3 9 h (C5's reply is on 03-09). The automatic
    # acknowledgement, the customer's message and the internal note of C1 are not replies; C2's
    # second reply does not move its first.
    assert t["first_response"] == {
        "count": 3,
        "mean_hours": 5.0,  # (2 h + 4 h + 9 h) / 3 = 5 h
        "median_hours": 4.0,  # the middle of 2, 4, 9
        "p90_hours": 8.0,  # position 0.9 × (3 − 1) = 1.8: 4 + 0.8 × (9 − 4) = 8 h
    }
    # Resolved in P1: C1 (6 h, on 03-02), C2 (24 h, on 03-04), C3 (36 h, on its last resolution 03-05).
    assert t["cases_resolved"] == 3
    assert t["resolution_time"] == {
        "count": 3,
        "mean_hours": 22.0,  # (6 + 24 + 36) / 3 = 22 h
        "median_hours": 24.0,
        "p90_hours": 33.6,  # 24 + 0.8 × (36 − 24) = 33.6 h
    }
    assert t["first_contact_resolution"] == pytest.approx(1 / 3)  # C1 only: C2 had 2 replies, C3 reopened
    assert t["reopen_rate"] == pytest.approx(1 / 3)  # C3 of C1, C2, C3
    assert t["resolution_rate"] == 0.8  # created C1..C5, resolved or closed now C1, C2, C3, C5: 4 / 5
    # First-response targets due in P1: C1 (03-03), C2 (03-04), C3 (03-05), all met; C4's is still
    # running (not counted), C5's falls due on 03-09. Resolution: C1 (03-05), C2 (03-06), C3's
    # latest clock (started at the reopen, due 03-08), all met.
    assert t["sla_first_response"] == 1.0
    assert t["sla_resolution"] == 1.0
    assert t["complaint_rate"] is None  # C2, C4 are complaints but no order was placed: ÷ 0
    assert t["return_rate"] is None  # no unit sold
    assert t["cost"]["cases"] == 5 and t["cost"]["total"] == "0.00" and t["cost"]["per_case"] == "0.00"


def test_each_duration_counts_on_the_day_of_its_own_event(now, agent, agent_b):
    build_core(now, agent, agent_b)
    settle(now, REPORT_AT)
    trend = {row["day"]: row for row in report(d(2), d(9))["trend"]}
    # First response on the day of the first agent reply, resolution on the day of resolution.
    assert [trend[f"2026-03-0{n}"]["first_response_mean_hours"] for n in range(2, 10)] == [
        2.0,  # C1
        4.0,  # C2
        9.0,  # C3
        None,
        None,
        None,
        None,
        3.0,  # C5: created 03-08, answered 03-09
    ]
    assert [trend[f"2026-03-0{n}"]["resolved"] for n in range(2, 10)] == [1, 0, 1, 1, 0, 0, 0, 1]
    assert [trend[f"2026-03-0{n}"]["created"] for n in range(2, 10)] == [1, 1, 1, 0, 1, 0, 1, 0]
    # C3 was first resolved on 03-04 but counts once, on the day of its latest resolution (03-05).
    assert trend["2026-03-05"]["resolution_mean_hours"] == 36.0


def test_a_case_created_in_one_period_and_resolved_in_the_next_counts_in_both_for_its_own_events(now, agent, agent_b):
    build_core(now, agent, agent_b)
    settle(now, REPORT_AT)
    p1 = report(d(2), d(8))["total"]
    p2 = report(d(9), d(15))["total"]
    # C5: created in P1 (counted there, and in P1's resolution rate: resolved now), answered and
    # resolved in P2.
    assert p1["cases_created"] == 5 and p1["resolution_rate"] == 0.8
    assert p2["cases_created"] == 0 and p2["resolution_rate"] is None  # nothing created in P2: ÷ 0
    assert p2["cases_resolved"] == 1
    assert p2["first_response"] == {"count": 1, "mean_hours": 3.0, "median_hours": 3.0, "p90_hours": 3.0}
    assert p2["resolution_time"] == {"count": 1, "mean_hours": 8.0, "median_hours": 8.0, "p90_hours": 8.0}
    assert p2["first_contact_resolution"] == 1.0  # one reply, never reopened
    assert p2["reopen_rate"] == 0.0
    assert p2["sla_first_response"] == 1.0  # C5's due 03-09 22:00, answered 01:00
    assert p2["sla_resolution"] == 1.0  # due 03-11 22:00
    assert p2["cost"] == {**EMPTY_TOTAL["cost"], "cases": 0}

    both = report(d(2), d(15))["total"]
    assert both["cases_created"] == 5 and both["cases_resolved"] == 4
    assert both["first_response"] == {
        "count": 4,
        "mean_hours": 4.5,  # (2 + 4 + 9 + 3) / 4 = 4.5 h
        "median_hours": 3.5,  # (3 + 4) / 2
        "p90_hours": 7.5,  # sorted 2, 3, 4, 9; position 0.9 × 3 = 2.7: 4 + 0.7 × (9 − 4) = 7.5 h
    }
    assert both["resolution_time"] == {
        "count": 4,
        "mean_hours": 18.5,  # (6 + 24 + 36 + 8) / 4 = 18.5 h
        "median_hours": 16.0,  # sorted 6, 8, 24, 36: (8 + 24) / 2
        "p90_hours": 32.4,  # 24 + 0.7 × (36 − 24) = 32.4 h
    }
    assert both["first_contact_resolution"] == 0.5  # C1, C5 of 4
    assert both["reopen_rate"] == 0.25  # C3 of 4


def test_split_by_channel_and_by_agent_adds_up_to_the_total(now, agent, agent_b):
    build_core(now, agent, agent_b)
    settle(now, REPORT_AT)

    by_channel = report(d(2), d(8), split="channel")
    rows = rows_by_value(by_channel)
    assert [r["value"] for r in by_channel["rows"]] == ["email", "phone", "portal"]  # by created, then label
    email, phone, portal = rows["email"]["kpis"], rows["phone"]["kpis"], rows["portal"]["kpis"]
    assert (email["cases_created"], phone["cases_created"], portal["cases_created"]) == (2, 2, 1)  # C1 C3 | C2 C5 | C4
    assert (email["cases_resolved"], phone["cases_resolved"], portal["cases_resolved"]) == (2, 1, 0)
    assert email["first_response"] == {"count": 2, "mean_hours": 5.5, "median_hours": 5.5, "p90_hours": 8.3}
    # C1 2 h, C3 9 h: mean and median (2 + 9) / 2 = 5.5; p90 = 2 + 0.9 × (9 − 2) = 8.3 h
    assert phone["first_response"]["count"] == 1 and phone["first_response"]["median_hours"] == 4.0  # C2
    assert portal["first_response"]["count"] == 0 and portal["first_response"]["median_hours"] is None
    assert email["resolution_rate"] == 1.0 and phone["resolution_rate"] == 1.0 and portal["resolution_rate"] == 0.0
    assert email["first_contact_resolution"] == 0.5  # C1 of C1, C3
    assert phone["first_contact_resolution"] == 0.0  # C2: two replies
    total = by_channel["total"]
    for name in ("cases_created", "cases_resolved"):
        assert sum(r["kpis"][name] for r in by_channel["rows"]) == total[name]
    assert sum(r["kpis"]["first_response"]["count"] for r in by_channel["rows"]) == total["first_response"]["count"]
    assert sum(r["kpis"]["resolution_time"]["count"] for r in by_channel["rows"]) == total["resolution_time"]["count"]

    by_agent = report(d(2), d(8), split="agent")
    rows = rows_by_value(by_agent)
    a, b = str(agent.pk), str(agent_b.pk)
    assert [(r["value"], r["label"]) for r in by_agent["rows"]] == [(a, "Li Na"), (b, "Wu Fei"), ("", "Unassigned")]
    assert [rows[v]["kpis"]["cases_created"] for v in (a, b, "")] == [2, 2, 1]  # C1 C3 | C2 C5 | C4
    assert [rows[v]["kpis"]["cases_resolved"] for v in (a, b, "")] == [2, 1, 0]
    assert rows[a]["kpis"]["resolution_time"]["median_hours"] == 21.0  # (6 + 36) / 2
    assert rows[b]["kpis"]["resolution_time"]["median_hours"] == 24.0  # C2
    assert rows[a]["kpis"]["reopen_rate"] == 0.5  # C3 of C1, C3
    for name in ("cases_created", "cases_resolved"):
        assert sum(r["kpis"][name] for r in by_agent["rows"]) == by_agent["total"][name]

    # A filter narrows every figure to the rows it selects ("none": no agent).
    only_b = report(d(2), d(8), agent=b)["total"]
    assert only_b["cases_created"] == 2 and only_b["first_response"]["count"] == 1
    unassigned = report(d(2), d(8), agent="")["total"]
    assert unassigned["cases_created"] == 1 and unassigned["cases_resolved"] == 0


def test_days_are_local_days_of_the_shops_time_zone(now, agent):
    # 2026-03-01 17:30 UTC is 2026-03-02 01:30 in Shanghai.
    now.set(datetime(2026, 3, 1, 17, 30, tzinfo=UTC))
    case = conversation(CaseKind.INQUIRY, Channel.EMAIL, agent)
    # Answered 2026-03-02 16:30 UTC = 03-03 00:30 in Shanghai: 23 h after creation.
    now.set(datetime(2026, 3, 2, 16, 30, tzinfo=UTC))
    add_message(case=case, actor=agent, text="您好")
    settle(now, REPORT_AT)

    on_the_first = report(d(1), d(1))["total"]
    on_the_second = report(d(2), d(2))["total"]
    on_the_third = report(d(3), d(3))["total"]
    assert on_the_first["cases_created"] == 0
    assert on_the_second["cases_created"] == 1
    assert on_the_second["first_response"]["count"] == 0
    assert on_the_third["cases_created"] == 0
    assert on_the_third["first_response"] == {"count": 1, "mean_hours": 23.0, "median_hours": 23.0, "p90_hours": 23.0}
    assert report(d(1), d(3))["period"]["time_zone"] == "Asia/Shanghai"
    assert list(kpis.drill_down(kpis.ReportRequest(start=d(2), end=d(2)), "created")) == [case]
    assert not kpis.drill_down(kpis.ReportRequest(start=d(1), end=d(1)), "created").exists()


# --- SLA compliance ----------------------------------------------------------------------------------


def test_sla_compliance_counts_the_targets_decided_on_the_day_they_fell_due(now, agent):
    """Standard policy: first response 24 h, resolution 72 h, round the clock; inquiries (so a
    breach's priority escalation never reaches the urgent-complaint policy). No team: no reassignment."""
    now.set(at(2, 10))
    s1 = conversation(CaseKind.INQUIRY, Channel.EMAIL, agent)
    s2 = conversation(CaseKind.INQUIRY, Channel.EMAIL, agent)
    s3 = conversation(CaseKind.INQUIRY, Channel.EMAIL, agent)
    assert s1.clocks.get(kind=ClockKind.FIRST_RESPONSE).due_at == at(3, 10)
    assert s1.clocks.get(kind=ClockKind.RESOLUTION).due_at == at(5, 10)

    now.set(at(2, 11))
    add_message(case=s3, actor=agent, text="收到")  # S3: first response in time
    s3 = step(s3, "start", agent)
    now.set(at(2, 12))
    add_message(case=s1, actor=agent, text="收到")  # S1: first response in time
    s1 = step(s1, "start", agent)

    now.set(at(3, 10, 30))
    assert sweep().breached == 1  # S2's first response, due 03-03 10:00
    s2.refresh_from_db()
    now.set(at(3, 11))
    add_message(case=s2, actor=agent, text="抱歉回复晚了")  # late: the breach stays
    s2 = step(s2, "start", agent)
    s1.refresh_from_db()
    s1 = step(s1, "resolve", agent, resolution_type="answered")  # 03-03 11:00, resolution in time

    now.set(at(4, 10))
    s2 = step(s2, "resolve", agent, resolution_type="answered")  # in time (due 03-05 10:00)
    s4 = conversation(CaseKind.INQUIRY, Channel.EMAIL, agent)  # created 03-04 10:00
    now.set(at(4, 11))
    add_message(case=s4, actor=agent, text="收到")  # S4: first response in time (due 03-05 10:00)

    now.set(at(5, 11))
    assert sweep().breached == 1  # S3's resolution, due 03-05 10:00; S3 stays open

    now.set(at(7, 20))
    s5 = conversation(CaseKind.INQUIRY, Channel.EMAIL, agent)  # first response due 03-08 20:00
    settle(now, at(8, 12))  # the report is made on 03-08: that day is blended in live
    assert s5.clocks.get(kind=ClockKind.FIRST_RESPONSE).state == "running"

    t = report(d(2), d(8))["total"]
    # First response due in the period: S1, S2, S3 (03-03), S4 (03-05) decided: S2 breached → 3 / 4.
    # S5's is due tonight and still running: not counted.
    assert t["sla_first_response"] == 0.75
    # Resolution due in the period: S1, S2, S3 (03-05) decided, S3 breached → 2 / 3. S4's (due 03-07
    # 10:00) is still running and no sweep has seen it: not decided, not counted; S5's is due 03-10.
    assert t["sla_resolution"] == pytest.approx(2 / 3)
    # By the day the target fell due: 03-03 holds the three first responses, 03-05 the rest.
    on_3 = report(d(3), d(3))["total"]
    assert on_3["sla_first_response"] == pytest.approx(2 / 3) and on_3["sla_resolution"] is None
    on_5 = report(d(5), d(5))["total"]
    assert on_5["sla_first_response"] == 1.0 and on_5["sla_resolution"] == pytest.approx(2 / 3)
    assert report(d(2), d(2))["total"]["sla_first_response"] is None  # nothing fell due on 03-02

    req = kpis.ReportRequest(start=d(2), end=d(8))
    assert list(kpis.drill_down(req, "sla_first_response_missed")) == [s2]
    assert list(kpis.drill_down(req, "sla_resolution_missed")) == [s3]


def test_a_first_response_after_its_due_time_is_missed_even_if_no_sweep_ran_in_between(now, agent):
    """DESIGN §5: compliance counts the cases whose first response *came by its due time*. The sweep
    runs every few seconds, but a reply in the gap between the due time and the next sweep came
    late all the same."""
    now.set(at(2, 10))
    case = conversation(CaseKind.INQUIRY, Channel.EMAIL, agent)  # first response due 03-03 10:00
    now.set(at(3, 10, 0) + timedelta(seconds=30))
    add_message(case=case, actor=agent, text="收到")  # 30 s late; no sweep ran since 10:00
    first = case.clocks.get(kind=ClockKind.FIRST_RESPONSE)
    assert first.stopped_at > first.due_at
    settle(now, REPORT_AT)
    assert report(d(3), d(3))["total"]["sla_first_response"] == 0.0  # 0 met of 1 due


def test_a_case_resolved_while_waiting_on_the_customer_counts_in_resolution_compliance(now, agent):
    """The resolution clock pauses while the case waits on the customer (DESIGN §4). Resolved from
    there, its target was decided and met (1 h used of 72 h): ``kpis.sla_resolution`` counts a target
    "once decided: met when its clock stopped unbreached", so it must be in the figure."""
    now.set(at(2, 10))
    case = conversation(CaseKind.INQUIRY, Channel.EMAIL, agent)  # resolution due 03-05 10:00
    now.set(at(2, 11))
    add_message(case=case, actor=agent, text="请提供订单照片")
    case = step(case, "start", agent)
    case = step(case, "wait_for_customer", agent)  # 1 h of the resolution target used
    now.set(at(3, 11))
    case = step(case, "resolve", agent, resolution_type="answered")
    settle(now, REPORT_AT)
    t = report(d(2), d(8))["total"]
    assert t["cases_resolved"] == 1 and t["sla_first_response"] == 1.0  # answered 1 h after creation
    assert t["sla_resolution"] == 1.0  # 1 met of 1 decided


# --- surveys -------------------------------------------------------------------------------------------


def test_csat_nps_ces_and_the_survey_response_rate(now, agent, agent_b):
    survey = Survey.objects.create(code="all", name="All", ask_csat=True, ask_nps=True, ask_ces=True)
    now.set(at(1, 9))
    cases = [conversation(CaseKind.INQUIRY, Channel.EMAIL, agent) for _ in range(10)]

    def invite(case, sent):
        return SurveyInvitation.objects.create(
            case=case,
            customer=case.customer,
            survey=survey,
            channel=case.channel,
            language="zh-hans",
            sent_at=sent,
            expires_at=sent + timedelta(days=14),
        )

    def answer(invitation, answered, *, csat=None, nps=None, ces=None, agent_=None):
        case = invitation.case
        SurveyResponse.objects.create(
            invitation=invitation,
            case=case,
            customer=case.customer,
            agent=agent_ or agent,
            channel=case.channel,
            kind=case.kind,
            csat=csat,
            nps=nps,
            ces=ces,
            answered_at=answered,
        )
        SurveyInvitation.objects.filter(pk=invitation.pk).update(status=InvitationStatus.ANSWERED, answered_at=answered)

    # Invitations sent 03-02..03-08: I1 I2 I3 I4 I6 I7 I8 (7); I0 was sent 03-01, I9 on 03-10.
    i0 = invite(cases[0], at(1, 12))
    i1 = invite(cases[1], at(3, 10))
    i2 = invite(cases[2], at(3, 11))
    i3 = invite(cases[3], at(4, 10))
    i4 = invite(cases[4], at(5, 10))
    i6 = invite(cases[6], at(6, 10))
    i7 = invite(cases[7], at(8, 20))
    invite(cases[8], at(7, 10))  # I8: never answered
    invite(cases[9], at(10, 10))  # I9: never answered, outside the period
    # Answers given 03-02..03-08 (R1..R6); R7 is given on 03-09.
    answer(i1, at(4, 9), csat=5, nps=10, ces=2)
    answer(i2, at(4, 10), csat=4, nps=9, ces=3, agent_=agent_b)
    answer(i3, at(5, 9), csat=3, nps=8)
    answer(i4, at(6, 9), csat=2, nps=6, ces=5)
    answer(i0, at(3, 9), csat=1, nps=3, ces=7)  # sent before the period, answered in it
    answer(i6, at(7, 9), ces=4)  # only the effort question answered
    answer(i7, at(9, 10), csat=5, nps=10, ces=1)  # sent in the period, answered after it
    settle(now, REPORT_AT)

    rep = report(d(2), d(8), split="agent")
    t = rep["total"]
    # CSAT answers 5, 4, 3, 2, 1: 4 or 5 → 2 / 5 = 0.4; mean (5 + 4 + 3 + 2 + 1) / 5 = 3.
    assert t["csat"] == {"answers": 5, "rate": 0.4, "mean": 3.0}
    # NPS answers 10, 9, 8, 6, 3: promoters 2, detractors 2 → (2 − 2) / 5 = 0.
    assert t["nps"] == {"answers": 5, "score": 0.0}
    # CES answers 2, 3, 5, 7, 4: (2 + 3 + 5 + 7 + 4) / 5 = 4.2.
    assert t["ces"] == {"answers": 5, "mean": 4.2}
    # Invitations sent in the period 7, of which answered (whenever) I1 I2 I3 I4 I6 I7: 6 / 7.
    assert t["survey_response_rate"] == pytest.approx(6 / 7)
    rows = rows_by_value(rep)
    b_row = rows[str(agent_b.pk)]["kpis"]
    a_row = rows[str(agent.pk)]["kpis"]
    assert b_row["csat"] == {"answers": 1, "rate": 1.0, "mean": 4.0}  # R2 was given for B
    assert a_row["csat"] == {"answers": 4, "rate": 0.25, "mean": 2.75}  # 5, 3, 2, 1: (5+3+2+1)/4
    assert a_row["csat"]["answers"] + b_row["csat"]["answers"] == t["csat"]["answers"]

    later = report(d(9), d(9))["total"]
    assert later["csat"] == {"answers": 1, "rate": 1.0, "mean": 5.0}  # R7
    assert later["nps"] == {"answers": 1, "score": 100.0}
    assert later["survey_response_rate"] is None  # no invitation sent on 03-09

    # No answers: every survey KPI is None (not 0, not an error); I9 was sent and not answered → 0 / 1.
    quiet = report(d(10), d(12))["total"]
    assert quiet["csat"] == {"answers": 0, "rate": None, "mean": None}
    assert quiet["nps"] == {"answers": 0, "score": None}
    assert quiet["ces"] == {"answers": 0, "mean": None}
    assert quiet["survey_response_rate"] == 0.0
    assert report(d(13), d(14))["total"]["survey_response_rate"] is None  # nothing sent: ÷ 0


# --- orders, complaints, returns, defects ----------------------------------------------------------------


def test_complaint_rate_return_rate_and_defects_by_product_category_reason_and_supplier(now, agent):
    tee = ProductFactory(sku="TEE-1", name="T-shirt", category="apparel", supplier="Hangzhou Textile Co.")
    cap = ProductFactory(sku="CAP-1", name="Cap", category="apparel", supplier="Hangzhou Textile Co.")
    mug = ProductFactory(sku="MUG-1", name="Mug", category="kitchen", supplier="Jingdezhen Ceramics")

    def order(placed: datetime, *lines):
        customer = CustomerFactory()
        o = OrderFactory(customer=customer, placed_at=placed, delivered_at=placed + timedelta(days=1))
        made = [OrderLineFactory(order=o, product=p, quantity=q, unit_price=Decimal("50.00")) for p, q in lines]
        return o, made

    # Orders placed 03-02..03-08: O1..O4 (4 orders); units sold TEE 3 + 1 = 4, MUG 2 + 4 = 6, CAP 2: 12.
    o1, (o1_tee, o1_mug) = order(at(2, 10), (tee, 3), (mug, 2))
    o2, (o2_tee,) = order(at(3, 10), (tee, 1))
    o3, (o3_mug,) = order(at(4, 10), (mug, 4))
    o4, (o4_cap,) = order(at(5, 10), (cap, 2))
    o5, (o5_tee,) = order(at(1, 20), (tee, 5))  # placed 03-01: not sold in the period
    # Placed 2026-03-08 16:30 UTC = 03-09 00:30 in Shanghai: not in the period either.
    order(datetime(2026, 3, 8, 16, 30, tzinfo=UTC), (tee, 1))

    def goods(kind, o, line, qty, reason):
        return create_case(
            customer=o.customer,
            kind=kind,
            channel=Channel.PORTAL,
            order=o,
            lines=[LineRequest(order_line=line, quantity=qty)],
            reason_code=reason,
            assignee=agent,
        )

    def to_warehouse(case):
        case = step(case, "approve", agent)
        case = step(case, "ship_return", agent, carrier="sf", tracking_number="SF1234567890")
        return step(case, "receive", agent)

    now.set(at(6, 10))
    # RT1: return of 2 TEE (wrong size), inspected grade B, restocked, refunded.
    rt1 = to_warehouse(goods(CaseKind.RETURN, o1, o1_tee, 2, ReasonCode.WRONG_SIZE))
    rt1 = step(rt1, "inspect", agent, passed=True, grade="B")
    set_disposition(case=rt1, line_id=rt1.lines.get().pk, disposition="restock", actor=agent)
    rt1 = step(rt1, "resolve", agent, resolution_type="return_and_refund", refund_amount="100.00")
    # RT2: exchange of 1 MUG (defective), inspected grade C, scrapped; still open.
    rt2 = to_warehouse(goods(CaseKind.EXCHANGE, o3, o3_mug, 1, ReasonCode.DEFECTIVE))
    rt2 = step(rt2, "inspect", agent, passed=False, grade="C")
    set_disposition(case=rt2, line_id=rt2.lines.get().pk, disposition="scrap", actor=agent)
    # RT3: return of 2 TEE of the order placed before the period (defective), grade D, back to the supplier.
    rt3 = to_warehouse(goods(CaseKind.RETURN, o5, o5_tee, 2, ReasonCode.DEFECTIVE))
    rt3 = step(rt3, "inspect", agent, passed=False, grade="D")
    set_disposition(case=rt3, line_id=rt3.lines.get().pk, disposition="return_to_supplier", actor=agent)
    # RT4 rejected, RT5 cancelled: not returned. RT6 a repair, RT7 a refund only: not returns.
    step(goods(CaseKind.RETURN, o2, o2_tee, 1, ReasonCode.NO_REASON), "reject", agent, reason="已超过七天")
    step(step(goods(CaseKind.RETURN, o4, o4_cap, 1, ReasonCode.WRONG_SIZE), "approve", agent), "cancel", agent)
    goods(CaseKind.REPAIR, o4, o4_cap, 1, ReasonCode.DEFECTIVE)
    goods(CaseKind.REFUND_ONLY, o1, o1_mug, 1, ReasonCode.MISSING_ITEM)
    # One complaint in the period, one after it.
    complaint = create_case(customer=o1.customer, kind=CaseKind.COMPLAINT, channel=Channel.PHONE, assignee=agent)
    now.set(at(9, 10))
    create_case(customer=o2.customer, kind=CaseKind.COMPLAINT, channel=Channel.PHONE, assignee=agent)
    settle(now, REPORT_AT)

    rep = report(d(2), d(8))
    t = rep["total"]
    assert t["cases_created"] == 8  # RT1..RT7 and the complaint
    assert t["complaint_rate"] == 0.25  # 1 complaint ÷ 4 orders placed (O1..O4)
    assert t["return_rate"] == pytest.approx(5 / 12)  # RT1 2 + RT2 1 + RT3 2 = 5 units ÷ 12 sold

    returns = rep["returns"]
    assert [
        (r["sku"], r["category"], r["units_sold"], r["units_returned"], r["return_rate"]) for r in returns["by_product"]
    ] == [
        ("TEE-1", "apparel", 4, 4, 1.0),  # 2 + 2 returned ÷ 3 + 1 sold
        ("MUG-1", "kitchen", 6, 1, pytest.approx(1 / 6)),
        ("CAP-1", "apparel", 2, 0, 0.0),  # RT5 was cancelled, RT6 is a repair
    ]
    assert [
        (r["category"], r["units_sold"], r["units_returned"], r["return_rate"]) for r in returns["by_category"]
    ] == [
        ("apparel", 6, 4, pytest.approx(4 / 6)),  # TEE + CAP sold 4 + 2
        ("kitchen", 6, 1, pytest.approx(1 / 6)),
    ]
    assert [(r["reason"], r["units_returned"], r["return_rate"]) for r in returns["by_reason"]] == [
        ("defective", 3, 0.25),  # RT2 1 + RT3 2 = 3 ÷ 12
        ("wrong_size", 2, pytest.approx(2 / 12)),  # RT1
    ]

    defects = rep["defects"]
    assert [
        (r["sku"], r["supplier"], r["inspected"], r["grade_b"], r["grade_c"], r["grade_d"], r["defect_rate"])
        for r in defects["by_product"]
    ] == [
        ("MUG-1", "Jingdezhen Ceramics", 1, 0, 1, 0, 1.0),  # RT2 grade C
        ("TEE-1", "Hangzhou Textile Co.", 2, 1, 0, 1, 0.5),  # RT1 B, RT3 D: 1 defective of 2
    ]
    by_sku = {r["sku"]: r for r in defects["by_product"]}
    assert (by_sku["TEE-1"]["restock"], by_sku["TEE-1"]["return_to_supplier"], by_sku["TEE-1"]["scrap"]) == (1, 1, 0)
    assert (by_sku["MUG-1"]["scrap"], by_sku["MUG-1"]["restock"]) == (1, 0)
    assert defects["by_supplier"] == [
        {
            "supplier": "Hangzhou Textile Co.",
            "inspected": 2,
            "defective": 1,
            "scrap": 0,
            "return_to_supplier": 1,
            "defect_rate": 0.5,
        },
        {
            "supplier": "Jingdezhen Ceramics",
            "inspected": 1,
            "defective": 1,
            "scrap": 1,
            "return_to_supplier": 0,
            "defect_rate": 1.0,
        },
    ]

    req = kpis.ReportRequest(start=d(2), end=d(8))
    assert set(kpis.drill_down(req, "returns")) == {rt1, rt2, rt3}
    assert list(kpis.drill_down(req, "complaints")) == [complaint]

    # In a split the complaint rate is each row's complaints ÷ all orders.
    by_kind = rows_by_value(report(d(2), d(8), split="kind"))
    assert by_kind["complaint"]["kpis"]["complaint_rate"] == 0.25
    assert by_kind["return"]["kpis"]["complaint_rate"] == 0.0
    # The sales of 03-09 (the order placed after local midnight) and the later complaint.
    after = report(d(9), d(9))["total"]
    assert after["complaint_rate"] == 1.0  # 1 complaint ÷ 1 order
    assert after["return_rate"] == 0.0  # 0 of 1 unit


# --- cost per case ---------------------------------------------------------------------------------------


def test_cost_per_case_and_its_breakdown(now, agent, manager):
    tee = ProductFactory(sku="TEE-9", category="apparel")
    customer = CustomerFactory()
    o = OrderFactory(customer=customer, placed_at=at(1, 10), delivered_at=at(2, 10))
    line = OrderLineFactory(order=o, product=tee, quantity=2, unit_price=Decimal("199.00"))

    def goods(kind):
        return create_case(
            customer=customer,
            kind=kind,
            channel=Channel.PORTAL,
            order=o,
            lines=[LineRequest(order_line=line, quantity=1)],
            assignee=agent,
        )

    now.set(at(3, 10))
    k1 = goods(CaseKind.RETURN)  # refund 120.00 on resolution, shipping back 12.50, handling 5.00
    k1 = step(k1, "approve", agent)
    k1 = step(k1, "ship_return", agent, carrier="sf", tracking_number="SF1234567890")
    k1 = step(k1, "receive", agent)
    k1 = step(k1, "inspect", agent, passed=True, grade="A")
    k1 = step(k1, "resolve", agent, resolution_type="return_and_refund", refund_amount="120.00")
    add_cost_line(case=k1, actor=agent, kind=CostKind.SHIPPING_BACK, amount="12.50")
    add_cost_line(case=k1, actor=agent, kind=CostKind.HANDLING, amount="5")
    k2 = conversation(CaseKind.COMPLAINT, Channel.PHONE, agent)  # shipping out 8.00; compensation 30.00 later
    add_cost_line(case=k2, actor=agent, kind=CostKind.SHIPPING_OUT, amount="8.00")
    k3 = goods(CaseKind.REPAIR)  # repair 45.50, shipping out 10.00, shipping back 10.00
    add_cost_line(case=k3, actor=manager, kind=CostKind.REPAIR, amount="45.50")
    add_cost_line(case=k3, actor=agent, kind=CostKind.SHIPPING_OUT, amount="10.00")
    add_cost_line(case=k3, actor=agent, kind=CostKind.SHIPPING_BACK, amount="10.00")
    conversation(CaseKind.INQUIRY, Channel.EMAIL, agent)  # K4: no cost
    now.set(at(10, 10))
    k5 = conversation(CaseKind.COMPLAINT, Channel.PHONE, agent)  # created after the period
    add_cost_line(case=k5, actor=agent, kind=CostKind.COMPENSATION, amount="99.00")
    # Recorded after the period, on a case created in it: counts for the case's creation day.
    add_cost_line(case=k2, actor=agent, kind=CostKind.COMPENSATION, amount="30.00")
    settle(now, REPORT_AT)

    t = report(d(2), d(8))["total"]
    assert t["cost"] == {
        "cases": 4,  # K1..K4 created in the period
        # 120.00 + 30.00 + (8.00 + 10.00) + (12.50 + 10.00) + 45.50 + 5.00 = 241.00
        "total": "241.00",
        "per_case": "60.25",  # 241.00 / 4
        "refund": "120.00",
        "compensation": "30.00",
        "shipping_out": "18.00",  # 8.00 + 10.00
        "shipping_back": "22.50",  # 12.50 + 10.00
        "repair": "45.50",
        "handling": "5.00",
    }
    trend = {row["day"]: row["cost_total"] for row in report(d(2), d(8))["trend"]}
    assert trend["2026-03-03"] == "241.00" and trend["2026-03-02"] == "0.00"
    req = kpis.ReportRequest(start=d(2), end=d(8))
    assert set(kpis.drill_down(req, "cost")) == {k1, k2, k3}  # K4 cost nothing
    assert report(d(10), d(10))["total"]["cost"]["per_case"] == "99.00"  # K5 alone


# --- backlog and aging -----------------------------------------------------------------------------------


def test_backlog_by_status_and_age_bucket(now, agent):
    made = {}
    for name, created, kind, steps in [
        ("b1", at(20, 8), CaseKind.COMPLAINT, []),  # 4 h old: < 1 day, new
        ("b8", at(19, 12), CaseKind.COMPLAINT, []),  # exactly 1 day: 1–3 days, new
        ("b2", at(18, 12), CaseKind.INQUIRY, ["start"]),  # 2 days: 1–3 days, in progress
        ("b3", at(15, 12), CaseKind.INQUIRY, ["start", "wait_for_customer"]),  # 5 days: 3–7, awaiting
        ("b4", at(8, 12), CaseKind.COMPLAINT, []),  # 12 days: 7–14, new
        ("b5", at(1, 12), CaseKind.INQUIRY, ["start"]),  # 19 days: > 14, in progress
        ("b6", at(10, 12), CaseKind.INQUIRY, ["start", "resolve"]),  # resolved: not open
    ]:
        now.set(created)
        case = conversation(kind, Channel.EMAIL, agent)
        for name_ in steps:
            extra = {"resolution_type": "answered"} if name_ == "resolve" else {}
            case = step(case, name_, agent, **extra)
        made[name] = case
    settle(now, at(20, 12))

    backlog = report(d(14), d(20))["backlog"]  # the cases open now, whatever the period
    assert backlog["total"] == 6
    assert [b["bucket"] for b in backlog["buckets"]] == ["lt1d", "1to3d", "3to7d", "7to14d", "gt14d"]
    assert [(r["status"], r["count"], r["by_age"]) for r in backlog["by_status"]] == [
        ("new", 3, {"lt1d": 1, "1to3d": 1, "3to7d": 0, "7to14d": 1, "gt14d": 0}),  # b1, b8, b4
        ("in_progress", 2, {"lt1d": 0, "1to3d": 1, "3to7d": 0, "7to14d": 0, "gt14d": 1}),  # b2, b5
        ("awaiting_customer", 1, {"lt1d": 0, "1to3d": 0, "3to7d": 1, "7to14d": 0, "gt14d": 0}),  # b3
    ]
    req = kpis.ReportRequest(start=d(14), end=d(20))
    assert list(kpis.drill_down(req, "backlog", bucket="1to3d")) == [made["b8"], made["b2"]]  # newest first
    assert set(kpis.drill_down(req, "backlog")) == {made[n] for n in ("b1", "b2", "b3", "b4", "b5", "b8")}
    assert list(kpis.drill_down(req, "backlog", bucket="gt14d")) == [made["b5"]]


# --- targets ---------------------------------------------------------------------------------------------


def test_targets_show_as_met_or_missed(now, agent, agent_b):
    assert KpiTarget.objects.count() == 4  # the defaults (analytics.apps, after migrate)
    KpiTargetFactory(kpi="first_response_p90_hours", comparison="le", value=Decimal("8"))
    KpiTargetFactory(kpi="reopen_rate", comparison="lt", value=Decimal("0.2"), active=False)
    build_core(now, agent, agent_b)
    settle(now, REPORT_AT)

    targets = report(d(2), d(8))["targets"]
    assert [(t["kpi"], t["comparison"], t["target"], t["actual"], t["met"]) for t in targets] == [
        ("complaint_rate", "lt", 0.01, None, None),  # no orders: no figure, neither met nor missed
        ("csat_rate", "ge", 0.9, None, None),  # no answers
        ("first_response_p90_hours", "le", 8.0, 8.0, True),  # exactly on the target
        ("resolution_median_hours", "le", 72.0, 24.0, True),
        ("resolution_rate", "ge", 0.95, 0.8, False),  # 4 / 5
    ]  # the inactive reopen-rate target is not shown


# --- an empty period ---------------------------------------------------------------------------------


def test_an_empty_period_counts_zero_and_has_no_rates(now, agent, agent_b):
    build_core(now, agent, agent_b)
    settle(now, REPORT_AT)
    rep = report(d(1, month=2), d(28, month=2))
    assert rep["total"] == EMPTY_TOTAL
    assert all(row["created"] == 0 and row["first_response_mean_hours"] is None for row in rep["trend"])
    assert len(rep["trend"]) == 28
    assert rep["returns"] == {"by_product": [], "by_category": [], "by_reason": []}
    assert rep["defects"] == {"by_product": [], "by_supplier": []}
    assert report(d(1, month=2), d(28, month=2), split="channel")["rows"] == []


def test_a_shop_without_any_data_reports_zeros(now):
    settle(now, REPORT_AT)
    rep = report(d(2), d(8))
    assert rep["total"] == EMPTY_TOTAL
    assert rep["backlog"]["total"] == 0 and rep["backlog"]["by_status"] == []


# --- parsing a request -------------------------------------------------------------------------------


def test_parse_request_defaults_to_the_last_30_local_days(now):
    now.set(datetime(2026, 3, 19, 17, 0, tzinfo=UTC))  # 03-20 01:00 in Shanghai: today is 03-20
    req = kpis.parse_request({})
    assert (req.start, req.end, req.split, req.filters) == (d(19, month=2), d(20), None, {})  # 30 days inclusive
    assert kpis.parse_request({"end": "2026-03-10"}).days == (d(9, month=2), d(10))
    assert kpis.parse_request({"start": "2026-03-01"}).days == (d(1), d(20))
    assert kpis.parse_request({"start": " 2026-03-05 ", "end": "2026-03-05"}).days == (d(5), d(5))


@pytest.mark.parametrize(
    ("preset", "start", "end"),
    [
        ("last_7", date(2026, 3, 14), date(2026, 3, 20)),
        ("last_30", date(2026, 2, 19), date(2026, 3, 20)),
        ("last_90", date(2025, 12, 21), date(2026, 3, 20)),  # 28 + 31 + 30 = 89 days back
        ("this_month", date(2026, 3, 1), date(2026, 3, 20)),
        ("last_month", date(2026, 2, 1), date(2026, 2, 28)),
    ],
)
def test_parse_request_presets(now, preset, start, end):
    now.set(at(20, 12))
    assert kpis.parse_request({"preset": preset, "start": "2020-01-01"}).days == (start, end)  # the preset wins


def test_parse_request_split_and_filters(now):
    now.set(at(20, 12))
    req = kpis.parse_request(
        {
            "start": "2026-03-01",
            "end": "2026-03-07",
            "split": "agent",
            "channel": "email",
            "team": "none",
            "agent": "12",
        }
    )
    assert req == kpis.ReportRequest(
        start=d(1), end=d(7), split="agent", filters={"channel": "email", "team": "", "agent": "12"}
    )
    longest = kpis.parse_request({"start": "2023-03-17", "end": "2026-03-20"})  # 1100 days inclusive
    assert (longest.end - longest.start).days + 1 == kpis.MAX_DAYS == 1100


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"start": "2026-02-30"}, "start"),
        ({"end": "yesterday"}, "end"),
        ({"start": "2026-03-10", "end": "2026-03-09"}, "start"),
        ({"start": "2023-03-16", "end": "2026-03-20"}, "start"),  # 1101 days
        ({"preset": "last_week"}, "preset"),
        ({"split": "colour"}, "split"),
        ({"channel": "fax"}, "channel"),
        ({"kind": "praise"}, "kind"),
        ({"agent": "bob"}, "agent"),
        ({"team": "-3"}, "team"),
        ({"product": "1" * 19}, "product"),
    ],
)
def test_parse_request_refuses_bad_input(now, query, field):
    now.set(at(20, 12))
    with pytest.raises(kpis.BadRequest) as caught:
        kpis.parse_request(query)
    assert caught.value.field == field and caught.value.message


def test_report_refuses_an_unknown_source(now):
    with pytest.raises(kpis.BadRequest):
        kpis.report(kpis.ReportRequest(start=d(2), end=d(8)), source="cache")


# --- drill-down --------------------------------------------------------------------------------------


def test_drill_down_gives_exactly_the_cases_behind_a_figure(now, agent, agent_b):
    c = build_core(now, agent, agent_b)
    settle(now, REPORT_AT)
    p1 = kpis.ReportRequest(start=d(2), end=d(8))

    def pks(kpi, req=p1, **kw):
        return [case.pk for case in kpis.drill_down(req, kpi, **kw)]

    def ids(*names):
        return [c[name].pk for name in names]

    assert pks("created") == ids("c5", "c4", "c3", "c2", "c1")  # newest first
    assert pks("resolved") == ids("c3", "c2", "c1")
    assert pks("first_response") == ids("c3", "c2", "c1")
    assert pks("fcr") == ids("c1")
    assert pks("reopened") == ids("c3")
    assert pks("complaints") == ids("c4", "c2")
    assert pks("backlog") == ids("c4")
    assert pks("sla_first_response_missed") == []
    assert pks("fcr", kpis.ReportRequest(start=d(9), end=d(15))) == ids("c5")
    by_agent = kpis.ReportRequest(start=d(2), end=d(8), split="agent")
    assert pks("created", by_agent, value=str(agent.pk)) == ids("c3", "c1")
    assert pks("created", by_agent, value="none") == ids("c4")
    assert pks("resolved", kpis.ReportRequest(start=d(2), end=d(8), filters={"channel": "phone"})) == ids("c2")
    # The counts of the report and of the drill-down agree.
    t = report(d(2), d(8))["total"]
    assert t["cases_created"] == len(pks("created")) and t["cases_resolved"] == len(pks("resolved"))

    for kpi, kw in [("speed", {}), ("created", {"value": "1"}), ("created", {"bucket": "lt1d"})]:
        with pytest.raises(kpis.BadRequest):
            kpis.drill_down(p1, kpi, **kw)
    with pytest.raises(kpis.BadRequest):
        kpis.drill_down(p1, "backlog", bucket="forever")
    with pytest.raises(kpis.BadRequest):
        kpis.drill_down(by_agent, "created", value="bob")


# --- the agent scorecard -----------------------------------------------------------------------------


def test_scorecards_score_each_area_from_the_bands_and_weigh_them(now, agent, agent_b):
    agent_c = UserFactory(username="agent-c", role="agent", first_name="Zhou", last_name="Yi")
    c = build_core(now, agent, agent_b)
    # Answers for A (on C1, C3): CSAT 5, 5, 4, none complaining.
    for case, score, day in [(c["c1"], 5, 3), (c["c3"], 5, 6), (c["c1"], 4, 7)]:
        SurveyResponse.objects.create(
            case=case, customer=case.customer, agent=agent, channel=case.channel, csat=score, answered_at=at(day, 12)
        )
    settle(now, REPORT_AT)
    req = kpis.ReportRequest(start=d(2), end=d(8))
    assert ScorecardSettings.get_solo().weights() == {
        "speed": 10,
        "attitude": 20,
        "professionalism": 25,
        "efficiency": 30,
        "satisfaction": 15,
    }

    cards = scorecards.scorecards(req)
    assert [card["agent_id"] for card in cards] == [agent.pk, agent_b.pk, agent_c.pk]  # best first, unscored last
    a, b, c_ = cards
    # A: median first response of 2 h, 9 h = 5.5 h → ≤ 12 h: 3; no complaint in 3 answers (0 %): 5;
    # FCR 1 / 2 = 50 % < 60 %: 1; median resolution of 6 h, 36 h = 21 h → ≤ 24 h: 5; CSAT mean 14 / 3 → 4.67.
    assert a["scores"] == {"speed": 3, "attitude": 5, "professionalism": 1, "efficiency": 5, "satisfaction": 4.67}
    # (10 × 3 + 20 × 5 + 25 × 1 + 30 × 5 + 15 × 4.67) / 100 = 375.05 / 100 → 3.75
    assert a["score"] == 3.75
    assert a["name"] == "Li Na" and a["kpis"]["csat"]["answers"] == 3
    # B: median first response 4 h (C2) → ≤ 4 h: 4; no answers: attitude and satisfaction not scored;
    # FCR 0 / 1 (C2 had two replies): 1; median resolution 24 h: 5.
    assert b["scores"] == {"speed": 4, "attitude": None, "professionalism": 1, "efficiency": 5, "satisfaction": None}
    # The weights spread over the scored areas: (10 × 4 + 25 × 1 + 30 × 5) / (10 + 25 + 30) = 215 / 65 → 3.31
    assert b["score"] == 3.31
    # C did nothing in the period: no area scored, no score.
    assert c_["scores"] == dict.fromkeys(scorecards.AREAS) and c_["score"] is None
    assert [card["agent_id"] for card in scorecards.scorecards(req, agent_ids=[agent_b.pk])] == [agent_b.pk]


def test_the_attitude_score_is_the_share_of_all_survey_answers_that_complain(now, agent):
    """Attitude is scored on the "share of survey answers that complain" (scorecards.explain_bands);
    an answer to a survey that does not ask CSAT (NPS only) is a survey answer too."""
    now.set(at(2, 10))
    case = conversation(CaseKind.INQUIRY, Channel.EMAIL, agent)
    for hour in (11, 12, 13, 14):
        SurveyResponse.objects.create(case=case, agent=agent, channel="email", csat=5, answered_at=at(3, hour))
    SurveyResponse.objects.create(
        case=case, agent=agent, channel="email", nps=2, comment="太差了", complaint=True, answered_at=at(3, 15)
    )
    settle(now, REPORT_AT)
    [card] = scorecards.scorecards(kpis.ReportRequest(start=d(2), end=d(8)), agent_ids=[agent.pk])
    assert card["kpis"]["csat"]["answers"] == 4 and card["kpis"]["nps"]["answers"] == 1
    assert card["scores"]["attitude"] == 2  # 1 complaining answer of 5 = 20 % → ≤ 20 %: 2


def test_scorecard_weights_must_sum_to_100_and_a_refusal_changes_nothing(now, agent, agent_b, manager):
    build_core(now, agent, agent_b)
    settle(now, REPORT_AT)
    req = kpis.ReportRequest(start=d(2), end=d(8))
    before = ScorecardSettings.get_solo().weights()

    bad = [
        ({"speed": 10, "attitude": 20, "professionalism": 25, "efficiency": 30, "satisfaction": 5}, manager, "weights"),
        (
            {"speed": 50, "attitude": 50, "professionalism": 50, "efficiency": 0, "satisfaction": -50},
            manager,
            "satisfaction",
        ),
        (
            {"speed": "ten", "attitude": 20, "professionalism": 25, "efficiency": 30, "satisfaction": 15},
            manager,
            "speed",
        ),
        ({"speed": 10, "attitude": 20, "professionalism": 25, "efficiency": 30}, manager, "satisfaction"),
    ]
    for weights, actor, field in bad:
        with pytest.raises(kpis.BadRequest) as caught:
            scorecards.save_weights(weights=weights, actor=actor)
        assert caught.value.field == field
        assert ScorecardSettings.get_solo().weights() == before
    with pytest.raises(PermissionDenied):  # an agent may not, even with weights that add up
        scorecards.save_weights(
            weights={"speed": 20, "attitude": 20, "professionalism": 20, "efficiency": 20, "satisfaction": 20},
            actor=agent,
        )
    assert ScorecardSettings.get_solo().weights() == before

    scorecards.save_weights(
        weights={"speed": "20", "attitude": 20, "professionalism": 20, "efficiency": 20, "satisfaction": 20},
        actor=manager,
    )
    assert ScorecardSettings.get_solo().weights() == dict.fromkeys(scorecards.AREAS, 20)
    b = next(card for card in scorecards.scorecards(req) if card["agent_id"] == agent_b.pk)
    assert b["score"] == 3.33  # (20 × 4 + 20 × 1 + 20 × 5) / 60 = 200 / 60 → 3.33
