"""seed_bench: synthetic history that holds together, comes out the same for a seed, has its
seasonal peak, and is refused where it would do harm.

The command loads with COPY on a second thread and rebuilds indexes inside its own transaction,
so these tests run outside the test transaction (the test database is named test_..., which
--reset accepts).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.models import F, Max, Min, Q

from cases.models import (
    FINAL_STATUSES,
    GOODS_KINDS,
    OPEN_STATUSES,
    Case,
    CaseEvent,
    CaseKind,
    CaseLine,
    Channel,
    Customer,
    EventType,
    Order,
    SlaClock,
)
from devdata.bench import run as bench_run
from feedback.models import SurveyInvitation, SurveyResponse

pytestmark = pytest.mark.django_db(transaction=True)

SH = ZoneInfo("Asia/Shanghai")
END = "2026-06-30"
FIRST_DAY = datetime(2025, 1, 1, tzinfo=SH)  # 18 months before the end of 2026-06-30
AFTER_END = datetime(2026, 7, 1, tzinfo=SH)


def seed_bench(*args: str, cases: int = 300, seed: int = 7, reset: bool = False) -> str:
    out = StringIO()
    call_command(
        "seed_bench",
        "--cases",
        str(cases),
        "--seed",
        str(seed),
        "--end",
        END,
        "--no-rollups",
        *(["--reset"] if reset else []),
        *args,
        stdout=out,
        stderr=StringIO(),
    )
    return out.getvalue()


def history() -> list[tuple]:
    return list(Case.objects.order_by("number").values_list("number", "kind", "channel", "status", "created_at"))


def test_makes_the_cases_asked_for_within_the_18_months_before_the_end():
    seed_bench()

    assert Case.objects.count() == 300
    span = Case.objects.aggregate(first=Min("created_at"), last=Max("created_at"))
    first, last = span["first"], span["last"]
    assert FIRST_DAY <= first < FIRST_DAY + timedelta(days=14)
    assert AFTER_END - timedelta(days=7) <= last < AFTER_END
    assert not CaseEvent.objects.filter(created_at__gte=AFTER_END).exists()
    assert set(Case.objects.values_list("kind", flat=True)) == set(CaseKind.values)
    assert set(Case.objects.values_list("channel", flat=True)) == set(Channel.values)
    # Orders cover the whole period, not only the ones the cases are about.
    assert Order.objects.count() == 390
    assert Order.objects.filter(placed_at__gte=AFTER_END - timedelta(days=30)).exists()
    assert Order.objects.filter(cases=None).count() > 100


def test_goods_cases_claim_lines_of_their_own_order_and_customer():
    seed_bench()

    goods = Case.objects.filter(kind__in=GOODS_KINDS)
    assert goods.count() > 150
    assert not goods.filter(Q(order=None) | Q(lines=None)).exists()
    assert not goods.exclude(order__customer=F("customer")).exists()
    assert not goods.filter(order__delivered_at__gte=F("created_at")).exists()
    lines = CaseLine.objects.all()
    assert lines.count() >= goods.count()
    assert not lines.exclude(order_line__order=F("case__order")).exists()
    assert not lines.filter(quantity__gt=F("order_line__quantity")).exists()


def test_resolved_cases_have_their_resolve_event_and_first_public_reply():
    seed_bench()

    resolved = Case.objects.filter(status__in=["resolved", "closed"])
    assert resolved.count() > 200
    assert not resolved.filter(resolved_at=None).exists()
    for case in resolved:
        events = CaseEvent.objects.filter(case=case)
        assert events.filter(type=EventType.TRANSITION, transition="resolve", created_at=case.resolved_at).exists()
        replies = events.filter(type=EventType.REPLY, public=True, data__direction="out")
        assert replies.aggregate(first=Min("created_at"))["first"] == case.first_responded_at
        first = replies.get(created_at=case.first_responded_at)
        assert case.assignee_id is not None
        assert first.actor_id == case.assignee_id
        assert events.filter(type=EventType.CREATED, created_at=case.created_at).exists()
    # Every case's timeline starts with its creation.
    assert CaseEvent.objects.filter(type=EventType.CREATED).count() == 300


def test_open_cases_are_recent_and_old_ones_are_finished():
    seed_bench()

    open_cases = Case.objects.filter(status__in=OPEN_STATUSES)
    assert not open_cases.filter(created_at__lt=AFTER_END - timedelta(days=30)).exists()
    old = Case.objects.filter(created_at__lt=AFTER_END - timedelta(days=60))
    assert old.filter(status__in=FINAL_STATUSES).count() == old.count()
    assert old.filter(status="closed").count() > 0.8 * old.count()
    # One running or paused clock per case and kind at most; running ones only on open cases.
    assert not SlaClock.objects.filter(state__in=["running", "paused"], case__status__in=FINAL_STATUSES).exists()
    assert SlaClock.objects.filter(kind="first_response").count() == 300


def test_surveys_follow_resolutions():
    seed_bench()

    invitations = SurveyInvitation.objects.all()
    assert invitations.count() > 100
    assert not invitations.filter(case__resolved_at=None).exists()
    assert not invitations.filter(sent_at__lte=F("case__created_at")).exists()
    responses = SurveyResponse.objects.all()
    assert 0.2 * invitations.count() < responses.count() < 0.5 * invitations.count()
    assert not responses.exclude(invitation__status="answered").exists()
    assert not responses.filter(answered_at__lt=F("invitation__sent_at")).exists()
    assert not responses.exclude(agent=F("case__assignee")).exists()
    assert set(responses.values_list("csat", flat=True)) <= {1, 2, 3, 4, 5}


def test_same_seed_gives_the_same_history_and_another_seed_another():
    seed_bench()
    first = history()

    seed_bench(reset=True)
    again = history()
    seed_bench(seed=8, reset=True)
    other = history()

    assert len(first) == 300
    assert again == first
    assert other != first
    assert len(other) == 300


def test_the_week_after_singles_day_is_busier_than_an_average_week():
    seed_bench()

    peak_start = datetime(2025, 11, 12, tzinfo=SH)
    peak = Case.objects.filter(created_at__gte=peak_start, created_at__lt=peak_start + timedelta(days=7)).count()
    days = (AFTER_END - FIRST_DAY).days
    assert peak / 7 > 2 * 300 / days


def test_refuses_a_database_that_already_holds_cases_unless_reset():
    seed_bench(cases=50)

    with pytest.raises(CommandError, match=r"already holds 50 cases.*--reset"):
        seed_bench(cases=50)

    seed_bench(cases=60, reset=True)
    assert Case.objects.count() == 60


def test_refuses_to_reset_a_database_not_named_for_benchmarks_or_tests(monkeypatch):
    monkeypatch.setitem(connection.settings_dict, "NAME", "aftersales")

    with pytest.raises(CommandError, match=r"--reset .* ends in _bench or starts with test_.*aftersales"):
        seed_bench(reset=True)
    assert not Case.objects.exists()


def test_refuses_a_database_that_is_not_postgresql(monkeypatch):
    monkeypatch.setattr(connection, "vendor", "sqlite")

    with pytest.raises(CommandError, match=r"PostgreSQL.*sqlite"):
        seed_bench()


def test_the_app_can_write_after_seeding():
    seed_bench(cases=50)

    customer = Customer.objects.create(name="After the seed")
    assert customer.pk > Customer.objects.exclude(pk=customer.pk).order_by("-pk").values_list("pk", flat=True)[0]
    case = Case.objects.first()
    event = CaseEvent.objects.create(case=case, type=EventType.NOTE, created_at=case.created_at)
    assert event.pk > CaseEvent.objects.exclude(pk=event.pk).order_by("-pk").values_list("pk", flat=True)[0]


def test_reports_progress_with_an_estimate_and_is_quiet_at_verbosity_0():
    out = seed_bench(cases=50)
    assert "cases 50/50 (100%)" in out
    assert "s elapsed, about" in out
    assert "cases_caseevent" in out

    assert seed_bench("-v", "0", cases=50, reset=True) == ""


def test_rebuilds_the_analytics_rollups_when_asked(monkeypatch):
    calls = []
    monkeypatch.setattr(bench_run, "_rollups", lambda: lambda *, progress=None: calls.append(progress))

    out = StringIO()
    call_command("seed_bench", "--cases", "20", "--seed", "1", "--end", END, stdout=out)

    assert len(calls) == 1 and callable(calls[0])
    assert "Rebuilding the analytics rollups" in out.getvalue()


def test_a_history_ending_now_ends_before_now():
    call_command("seed_bench", "--cases", "20", "--no-rollups", stdout=StringIO())

    assert Case.objects.count() == 20
    latest = CaseEvent.objects.order_by("-created_at").values_list("created_at", flat=True).first()
    assert latest <= datetime.now(tz=SH)


@pytest.mark.django_db(transaction=False)
def test_the_rollups_are_skipped_while_analytics_has_none(monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "analytics.rollups", None)  # import analytics.rollups raises ImportError

    assert bench_run._rollups() is None


def test_every_seeded_refund_is_in_the_ledger_within_what_its_order_was_paid():
    from django.db.models import Sum

    from cases.models import CostLine, Order, Refund
    from cases.money import ledger as refunds

    seed_bench()
    refund_lines = CostLine.objects.filter(kind="refund")
    assert refund_lines.exists(), "the history has refunds"
    assert not refund_lines.filter(refund__isnull=True, case__order__isnull=False).exists()
    assert Refund.objects.count() == refund_lines.filter(case__order__isnull=False).count()
    assert (
        Refund.objects.aggregate(total=Sum("amount"))["total"]
        == refund_lines.filter(case__order__isnull=False).aggregate(total=Sum("amount"))["total"]
    )
    for order in Order.objects.filter(refunds__isnull=False).distinct():
        assert refunds.order_is_within_paid(order=order), order.number
