"""seed_bench classifies its complaints (issue 18): every complaint has a category and a severity,
drawn from the seed, its first-response clock follows the severity (urgent 1 h, normal 24 h), and
the analytics split by complaint category shows them.

Like tests/devdata/test_seed_bench.py, these run outside the test transaction (the command loads
with COPY on a second thread)."""

from __future__ import annotations

from collections import Counter
from datetime import date
from io import StringIO

import pytest
from django.core.management import call_command

from analytics import kpis, rollups
from cases.models import Case, CaseKind, ComplaintCategory, SlaClock

pytestmark = pytest.mark.django_db(transaction=True)

END = "2026-06-30"


def seed_bench(*, seed: int = 7, reset: bool = False) -> None:
    call_command(
        "seed_bench",
        *("--cases", "300", "--seed", str(seed), "--end", END, "--no-rollups"),
        *(["--reset"] if reset else []),
        stdout=StringIO(),
        stderr=StringIO(),
    )


def classification() -> list[tuple]:
    return list(
        Case.objects.order_by("number").values_list("number", "kind", "complaint_category", "complaint_severity")
    )


def test_seeded_complaints_are_classified_from_the_seed():
    seed_bench()
    first = classification()
    complaints = Case.objects.filter(kind=CaseKind.COMPLAINT)

    assert complaints.count() >= 15
    assert not complaints.filter(complaint_category__isnull=True).exists()
    assert not complaints.filter(complaint_severity__isnull=True).exists()
    assert not Case.objects.exclude(kind=CaseKind.COMPLAINT).filter(complaint_category__isnull=False).exists()
    categories = Counter(complaints.values_list("complaint_category", flat=True))
    assert len(categories) >= 3 and set(categories) <= set(ComplaintCategory.values)
    severities = Counter(complaints.values_list("complaint_severity", flat=True))
    assert 0 < severities["urgent"] < severities["normal"], severities

    seed_bench(reset=True)
    assert classification() == first
    seed_bench(seed=8, reset=True)
    assert classification() != first


def test_a_seeded_complaints_first_response_target_follows_its_severity():
    seed_bench()
    clocks = SlaClock.objects.filter(case__kind=CaseKind.COMPLAINT, kind="first_response")

    urgent = clocks.filter(case__complaint_severity="urgent")
    assert urgent.exists()
    assert set(urgent.values_list("target_seconds", "policy__name")) == {(3600, "Urgent complaints")}
    normal = clocks.filter(case__complaint_severity="normal").exclude(case__channel="chat")
    assert normal.exists()
    assert set(normal.values_list("target_seconds", "policy__name")) == {(24 * 3600, "Normal complaints")}


def test_the_complaint_rate_of_a_seeded_history_splits_by_category():
    seed_bench()
    rollups.rebuild_all()
    counts = Counter(Case.objects.filter(kind=CaseKind.COMPLAINT).values_list("complaint_category", flat=True))

    req = kpis.ReportRequest(start=date(2025, 1, 1), end=date(2026, 6, 30), split="complaint_category")
    report = kpis.report(req)
    live = kpis.report(req, source="live")
    rates = {row["value"]: row["kpis"]["complaint_rate"] for row in report["rows"]}
    assert rates == {row["value"]: row["kpis"]["complaint_rate"] for row in live["rows"]}

    shown = {value for value, rate in rates.items() if rate}
    assert shown == set(counts), "every seeded category has its complaint rate, and no complaint is unclassified"
    # The rates divide by the same orders, so they stand as the categories' counts do.
    most = max(counts, key=lambda category: counts[category])
    assert max(shown, key=lambda value: rates[value]) == most
    assert sum(rates[value] for value in shown) == pytest.approx(report["total"]["complaint_rate"], abs=1e-3)
