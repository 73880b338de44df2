"""The rollups equal a live recomputation from the raw rows, on random data, and stay equal as the
data changes, days end and the refresh runs again; the markers are written with the change."""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.db import transaction

from analytics import kpis, rollups
from analytics.models import CaseFact, DailyStat, DirtyCase, DirtyDay
from cases.models import CaseKind, CaseStatus, Channel, EventType, ReasonCode
from cases.services import add_cost_line, add_message, create_case, record_event, transition_case
from core import clock
from feedback.models import Survey, SurveyInvitation, SurveyResponse
from tests.accounts.factories import UserFactory
from tests.cases.factories import CustomerFactory, OrderFactory, OrderLineFactory, TeamFactory

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


def comparable(report: dict) -> dict:
    return {k: v for k, v in report.items() if k not in ("generated_at", "source")}


def assert_rollup_equals_live(req: kpis.ReportRequest) -> dict:
    rolled = kpis.report(req)
    live = kpis.report(req, source="live")
    assert comparable(rolled) == comparable(live)
    return rolled


def random_history(rng: random.Random, now: Frozen, *, cases: int = 45) -> list:
    team = TeamFactory()
    agents = [UserFactory(role="agent") for _ in range(3)]
    survey = Survey.objects.get_or_create(code="csat", defaults={"name": "CSAT"})[0]
    customers = [CustomerFactory() for _ in range(6)]
    made = []
    for _ in range(cases):
        now.at = START + timedelta(days=rng.randrange(0, 40), hours=rng.randrange(0, 24), minutes=rng.randrange(60))
        customer = rng.choice(customers)
        order = OrderFactory(customer=customer, placed_at=now.at - timedelta(days=rng.randrange(1, 9)))
        lines = [OrderLineFactory(order=order, quantity=rng.randint(1, 3))]
        kind = rng.choice([CaseKind.COMPLAINT, CaseKind.INQUIRY, CaseKind.INQUIRY, CaseKind.RETURN])
        extra = {}
        if kind == CaseKind.RETURN:
            from cases.services import LineRequest

            extra = {"order": order, "lines": [LineRequest(order_line=lines[0], quantity=1)]}
        case = create_case(
            customer=customer,
            kind=kind,
            channel=rng.choice([Channel.EMAIL, Channel.CHAT, Channel.PORTAL, Channel.PHONE]),
            reason_code=rng.choice([ReasonCode.SERVICE, ReasonCode.OTHER, ReasonCode.WRONG_SIZE]),
            team=team,
            assignee=rng.choice(agents + [None]),
            **extra,
        )
        agent = rng.choice(agents)
        if rng.random() < 0.3:
            now.at += timedelta(minutes=rng.randrange(5, 300))
            record_event(
                case=case,
                type=EventType.REPLY,
                actor=None,
                actor_label="customer",
                public=True,
                note="more",
                data={"direction": "in"},
            )
        if rng.random() < 0.8:
            now.at += timedelta(minutes=rng.randrange(1, 60 * 30))
            add_message(case=case, actor=agent, text="Hello")
            if rng.random() < 0.3:
                now.at += timedelta(hours=rng.randrange(1, 20))
                add_message(case=case, actor=agent, text="Again")
        if rng.random() < 0.2:
            add_cost_line(
                case=case,
                actor=agent,
                kind=rng.choice(["compensation", "handling"]),
                amount=Decimal(rng.randrange(1, 5000)) / 100,
            )
        if case.kind in (CaseKind.COMPLAINT, CaseKind.INQUIRY) and rng.random() < 0.75:
            now.at += timedelta(hours=rng.randrange(1, 120))
            case = transition_case(case=case, name="start", actor=agent)
            case = transition_case(case=case, name="resolve", actor=agent, resolution_type="answered")
            if rng.random() < 0.25:
                now.at += timedelta(hours=rng.randrange(1, 48))
                case = transition_case(case=case, name="reopen", actor=agent)
                if rng.random() < 0.7:
                    now.at += timedelta(hours=rng.randrange(1, 48))
                    case = transition_case(case=case, name="resolve", actor=agent, resolution_type="answered")
            if case.status == CaseStatus.RESOLVED:
                invitation = SurveyInvitation.objects.create(
                    case=case,
                    customer=customer,
                    survey=survey,
                    channel=case.channel,
                    language="zh-hans",
                    sent_at=now.at + timedelta(hours=2),
                    expires_at=now.at + timedelta(days=14),
                )
                if rng.random() < 0.6:
                    answered = now.at + timedelta(hours=rng.randrange(3, 72))
                    invitation.answered_at = answered
                    invitation.save()
                    SurveyResponse.objects.create(
                        invitation=invitation,
                        case=case,
                        customer=customer,
                        agent=case.assignee,
                        team=case.team,
                        channel=case.channel,
                        kind=case.kind,
                        csat=rng.randint(1, 5),
                        nps=rng.randint(0, 10),
                        ces=rng.choice([None, rng.randint(1, 7)]),
                        complaint=rng.random() < 0.1,
                        answered_at=answered,
                    )
        made.append(case)
    return made


REQUESTS = [
    {"start": "2026-09-01", "end": "2026-10-31"},
    {"start": "2026-09-10", "end": "2026-10-05", "split": "channel"},
    {"start": "2026-09-01", "end": "2026-11-30", "split": "agent"},
    {"start": "2026-09-05", "end": "2026-10-20", "split": "kind", "channel": "email"},
    {"start": "2026-09-01", "end": "2026-10-31", "split": "product"},
    {"start": "2026-09-01", "end": "2026-10-31", "split": "team", "kind": "inquiry"},
    {"start": "2026-09-01", "end": "2026-10-31", "split": "reason"},
    {"start": "2026-09-01", "end": "2026-10-31", "split": "tier"},
]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_rollups_equal_a_live_recomputation_on_random_data(now, seed):
    rng = random.Random(seed)
    made = random_history(rng, now)
    now.at = START + timedelta(days=45)
    done = rollups.refresh()
    assert done["cases"] == len(made)
    assert DailyStat.objects.filter(dim="all").exists(), "the past days are sealed into the daily table"
    totals = [assert_rollup_equals_live(kpis.parse_request(q)) for q in REQUESTS]
    assert totals[0]["total"]["cases_created"] == len(made)
    assert sum(r["kpis"]["cases_created"] for r in totals[1]["rows"]) == totals[1]["total"]["cases_created"]

    # Change old cases: reopen one, answer another, add a cost; a day ends; refresh: still equal.
    resolved = [c for c in made if c.status == CaseStatus.RESOLVED]
    agent = UserFactory(role="agent")
    later = now.at
    for case in resolved[:3]:
        now.at = case.resolved_at + timedelta(days=1)  # within the reopen window, on a sealed day
        transition_case(case=case, name="reopen", actor=agent)
    now.at = later
    for case in made[:5]:
        if case.status not in (CaseStatus.CLOSED, CaseStatus.REJECTED, CaseStatus.CANCELLED):
            add_message(case=case, actor=agent, text="Late follow-up")
        add_cost_line(case=case, actor=agent, kind="handling", amount=Decimal("3.50"))
    before = kpis.report(kpis.parse_request(REQUESTS[0]))
    assert comparable(before) != comparable(kpis.report(kpis.parse_request(REQUESTS[0]), source="live")), (
        "before the refresh the rollups lag (the test would not see a missed update otherwise)"
    )
    now.at += timedelta(days=1)
    rollups.refresh()
    for q in REQUESTS:
        assert_rollup_equals_live(kpis.parse_request(q))


def test_today_is_blended_live_and_sealed_when_the_day_ends(now):
    customer = CustomerFactory()
    create_case(customer=customer, kind=CaseKind.INQUIRY, channel=Channel.EMAIL)
    rollups.refresh()
    today = now.at.astimezone(SHANGHAI).date()
    req = kpis.ReportRequest(start=today, end=today)
    assert kpis.report(req)["total"]["cases_created"] == 1
    assert not DailyStat.objects.filter(day=today).exists(), "today is read live, not written to the daily table"
    create_case(customer=customer, kind=CaseKind.INQUIRY, channel=Channel.CHAT)
    rollups.refresh()
    assert kpis.report(req)["total"]["cases_created"] == 2
    now.at += timedelta(days=1)
    rollups.refresh()
    assert DailyStat.objects.get(day=today, dim="all").created == 2
    assert DailyStat.objects.get(day=today, dim="channel", value="chat").created == 1
    assert kpis.report(req)["total"]["cases_created"] == 2


def test_a_change_marks_its_case_in_its_own_transaction(now):
    customer = CustomerFactory()
    with transaction.atomic():
        case = create_case(customer=customer, kind=CaseKind.INQUIRY, channel=Channel.EMAIL)
        assert DirtyCase.objects.filter(case_id=case.pk).exists()
    try:
        with transaction.atomic():
            other = create_case(customer=customer, kind=CaseKind.INQUIRY, channel=Channel.EMAIL)
            other_id = other.pk
            raise RuntimeError("roll back")
    except RuntimeError:
        pass
    assert not DirtyCase.objects.filter(case_id=other_id).exists()
    assert rollups.refresh()["cases"] == 1
    assert CaseFact.objects.filter(case_id=case.pk).exists()
    assert not DirtyCase.objects.exists()
    assert rollups.refresh() == {"cases": 0, "days": 0, "skipped": False}, "a second refresh has nothing to do"


def test_a_late_answer_marks_its_past_day(now):
    customer = CustomerFactory()
    case = create_case(customer=customer, kind=CaseKind.INQUIRY, channel=Channel.EMAIL)
    rollups.refresh()
    now.at += timedelta(days=3)
    rollups.refresh()
    yesterday = (now.at - timedelta(days=1)).astimezone(SHANGHAI).date()
    SurveyResponse.objects.create(
        case=case, customer=customer, channel="email", kind="inquiry", csat=5, answered_at=now.at - timedelta(days=1)
    )
    assert DirtyDay.objects.filter(day=yesterday).exists()
    rollups.refresh()
    assert DailyStat.objects.get(day=yesterday, dim="all").csat_n == 1
    req = kpis.ReportRequest(start=yesterday, end=yesterday)
    assert kpis.report(req)["total"]["csat"] == {"answers": 1, "rate": 1.0, "mean": 5.0}


def test_orders_changed_since_the_last_refresh_move_their_days(now):
    rollups.refresh()
    placed = now.at - timedelta(days=2)
    order = OrderFactory(placed_at=placed)
    OrderLineFactory(order=order, quantity=4)
    rollups.refresh()
    day = placed.astimezone(SHANGHAI).date()
    req = kpis.ReportRequest(start=day, end=day)
    assert sum(r["units_sold"] for r in kpis.report(req)["returns"]["by_product"]) == 4
    assert_rollup_equals_live(req)


def test_the_full_rebuild_gives_the_same_figures(now):
    rng = random.Random(9)
    random_history(rng, now, cases=15)
    now.at = START + timedelta(days=45)
    rollups.refresh()
    req = kpis.parse_request({"start": "2026-09-01", "end": "2026-10-20", "split": "channel"})
    before = comparable(kpis.report(req))
    lines = []
    rollups.rebuild_all(progress=lines.append)
    assert comparable(kpis.report(req)) == before
    assert lines and "100%" in lines[-1], "the rebuild reports its progress"


def test_the_full_rebuild_drops_the_facts_of_deleted_cases_only(now):
    rng = random.Random(11)
    random_history(rng, now, cases=6)
    now.at = START + timedelta(days=45)
    rollups.refresh()
    facts = set(CaseFact.objects.values_list("case_id", flat=True))
    assert len(facts) == 6
    gone = min(facts)
    # Deleted behind the ORM's back (the CASCADE would take the fact along): only the rebuild sees it.
    with transaction.atomic():
        CaseFact.objects.filter(case_id=gone).update(case_id=max(facts) + 1000)
    rollups.rebuild_all()
    assert set(CaseFact.objects.values_list("case_id", flat=True)) == facts


def test_only_one_refresh_runs_at_a_time(now, django_db_blocker):
    from django.db import connection

    customer = CustomerFactory()
    create_case(customer=customer, kind=CaseKind.INQUIRY, channel=Channel.EMAIL)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_lock(%s)", [rollups.LOCK_KEY])
    try:
        import threading

        result = {}

        def other():
            with django_db_blocker.unblock():
                from django.db import connections

                try:
                    result["done"] = rollups.refresh()
                finally:
                    connections.close_all()

        thread = threading.Thread(target=other)
        thread.start()
        thread.join(30)
        assert result["done"]["skipped"] is True
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [rollups.LOCK_KEY])


def test_days_of_the_daily_table_are_local_dates(now):
    # 17:30 UTC on 1 March is 01:30 on 2 March in Shanghai.
    now.at = datetime(2026, 3, 1, 17, 30, tzinfo=ZoneInfo("UTC"))
    create_case(customer=CustomerFactory(), kind=CaseKind.INQUIRY, channel=Channel.EMAIL)
    now.at += timedelta(days=2)
    rollups.refresh()
    assert DailyStat.objects.get(dim="all", day=date(2026, 3, 2)).created == 1
    assert not DailyStat.objects.filter(dim="all", day=date(2026, 3, 1), created__gt=0).exists()


def test_a_cached_report_is_dropped_when_the_rollups_or_the_targets_change(now, settings):
    from django.core.cache import cache

    from analytics.models import KpiTarget

    settings.ANALYTICS_CACHE_SECONDS = 60
    cache.clear()
    customer = CustomerFactory()
    create_case(customer=customer, kind=CaseKind.INQUIRY, channel=Channel.EMAIL)
    rollups.refresh()
    today = now.at.astimezone(SHANGHAI).date()
    req = kpis.ReportRequest(start=today, end=today)
    assert kpis.cached_report(req)["total"]["cases_created"] == 1
    create_case(customer=customer, kind=CaseKind.INQUIRY, channel=Channel.EMAIL)
    assert kpis.cached_report(req)["total"]["cases_created"] == 1, "until the refresh, the cached figures stand"
    rollups.refresh()
    assert kpis.cached_report(req)["total"]["cases_created"] == 2
    KpiTarget.objects.filter(kpi="resolution_rate").update(active=False)  # no signal: still cached
    assert any(t["kpi"] == "resolution_rate" for t in kpis.cached_report(req)["targets"])
    KpiTarget.objects.get(kpi="csat_rate").delete()
    assert not any(t["kpi"] in ("csat_rate", "resolution_rate") for t in kpis.cached_report(req)["targets"])
