"""Business time: weekends, lunch breaks, holidays, make-up working days, time zones and DST."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cases.models import WEEKDAYS, BusinessCalendar, CalendarDay
from cases.sla.business_time import (
    ROUND_THE_CLOCK,
    CalendarError,
    add_business_seconds,
    business_seconds_between,
    compile_calendar,
    is_working_moment,
    working_time,
)

SH = ZoneInfo("Asia/Shanghai")
BERLIN = ZoneInfo("Europe/Berlin")
OFFICE = {d: ([["09:00", "18:00"]] if d not in ("sat", "sun") else []) for d in WEEKDAYS}
LUNCH = {d: ([["09:00", "12:00"], ["13:00", "18:00"]] if d not in ("sat", "sun") else []) for d in WEEKDAYS}
ALL_DAY = {d: [["00:00", "24:00"]] for d in WEEKDAYS}
HOUR = 3600


def office(days=(), tz="Asia/Shanghai", hours=OFFICE):
    return compile_calendar(time_zone=tz, hours=hours, days=list(days))


def sh(*args):
    return datetime(*args, tzinfo=SH)


def test_two_hours_from_friday_afternoon_end_on_monday_morning():
    # 2026-11-20 is a Friday.
    assert add_business_seconds(office(), sh(2026, 11, 20, 17, 0), 2 * HOUR) == sh(2026, 11, 23, 10, 0)


def test_a_start_before_opening_counts_from_opening():
    assert add_business_seconds(office(), sh(2026, 11, 16, 7, 30), HOUR) == sh(2026, 11, 16, 10, 0)


def test_a_start_on_saturday_counts_from_monday():
    assert add_business_seconds(office(), sh(2026, 11, 21, 11, 0), 30 * 60) == sh(2026, 11, 23, 9, 30)


def test_the_lunch_break_does_not_count():
    wt = office(hours=LUNCH)
    assert add_business_seconds(wt, sh(2026, 11, 16, 11, 30), HOUR) == sh(2026, 11, 16, 13, 30)
    assert business_seconds_between(wt, sh(2026, 11, 16, 11, 0), sh(2026, 11, 16, 14, 0)) == 2 * HOUR


def test_ending_exactly_at_closing_time_stays_on_that_day():
    assert add_business_seconds(office(), sh(2026, 11, 16, 9, 0), 9 * HOUR) == sh(2026, 11, 16, 18, 0)


def test_national_day_is_skipped_and_the_make_up_saturday_is_worked():
    golden_week = [(date(2026, 10, d), "holiday") for d in range(1, 8)] + [
        (date(2026, 9, 20), "workday"),
        (date(2026, 10, 10), "workday"),
    ]
    wt = office(golden_week)
    # Wednesday 30 September 17:00 + 2 h: 1 h that day, then the holiday week, then Thursday 8 October.
    assert add_business_seconds(wt, sh(2026, 9, 30, 17, 0), 2 * HOUR) == sh(2026, 10, 8, 10, 0)
    # Friday 9 October 17:00 + 2 h: Saturday 10 October is a make-up working day (Monday's hours).
    assert add_business_seconds(wt, sh(2026, 10, 9, 17, 0), 2 * HOUR) == sh(2026, 10, 10, 10, 0)
    assert is_working_moment(wt, sh(2026, 9, 20, 10, 0))
    assert not is_working_moment(wt, sh(2026, 10, 5, 10, 0))


def test_the_same_instant_means_different_days_in_different_time_zones():
    # 2026-11-20 23:30 UTC is Saturday 07:30 in Shanghai but Saturday 00:30 in Berlin: both closed.
    # 2026-11-20 16:30 UTC is Saturday 00:30 in Shanghai (closed) but Friday 17:30 in Berlin (open).
    at = datetime(2026, 11, 20, 16, 30, tzinfo=UTC)
    shanghai, berlin = office(), office(tz="Europe/Berlin")
    assert not is_working_moment(shanghai, at)
    assert is_working_moment(berlin, at)
    assert add_business_seconds(berlin, at, HOUR) == datetime(2026, 11, 23, 9, 30, tzinfo=BERLIN)
    assert add_business_seconds(shanghai, at, HOUR) == sh(2026, 11, 23, 10, 0)


@pytest.mark.parametrize(
    "day, hours",
    [(date(2026, 3, 29), 23), (date(2026, 10, 25), 25), (date(2026, 6, 1), 24)],
)
def test_a_day_has_its_true_length_around_daylight_saving_changes(day, hours):
    wt = office(tz="Europe/Berlin", hours=ALL_DAY)
    start = datetime(day.year, day.month, day.day, tzinfo=BERLIN)
    end = datetime.combine(day + timedelta(days=1), datetime.min.time(), tzinfo=BERLIN)
    assert business_seconds_between(wt, start, end) == hours * HOUR


def test_round_the_clock_is_plain_arithmetic():
    start = sh(2026, 11, 21, 23, 0)
    assert add_business_seconds(ROUND_THE_CLOCK, start, 5 * HOUR) == start + timedelta(hours=5)
    assert business_seconds_between(ROUND_THE_CLOCK, start, start + timedelta(days=2)) == 48 * HOUR


def test_a_calendar_without_working_time_is_an_error_not_an_endless_loop():
    with pytest.raises(CalendarError):
        add_business_seconds(office(hours={d: [] for d in WEEKDAYS}), sh(2026, 1, 1, 9, 0), 60)


def test_naive_datetimes_are_refused():
    with pytest.raises(ValueError):
        add_business_seconds(office(), datetime(2026, 11, 16, 9, 0), 60)


HOLIDAYS = [(date(2026, 10, d), "holiday") for d in range(1, 8)] + [
    (date(2026, 9, 20), "workday"),
    (date(2026, 10, 10), "workday"),
    (date(2026, 12, 25), "holiday"),
]


@settings(max_examples=200, deadline=None)
@given(
    start=st.datetimes(min_value=datetime(2026, 9, 1), max_value=datetime(2026, 12, 31), timezones=st.just(SH)),
    seconds=st.integers(min_value=0, max_value=30 * 9 * HOUR),
    tz=st.sampled_from(["Asia/Shanghai", "Europe/Berlin"]),
    hours=st.sampled_from([OFFICE, LUNCH]),
)
def test_counting_the_time_between_undoes_adding_it(start, seconds, tz, hours):
    wt = office(HOLIDAYS, tz=tz, hours=hours)
    start = start.replace(microsecond=0)
    end = add_business_seconds(wt, start, seconds)
    assert end >= start
    assert business_seconds_between(wt, start, end) == seconds
    if seconds:
        # Not one working second earlier: the moment just before the end still had one to go.
        assert business_seconds_between(wt, start, end - timedelta(seconds=1)) == seconds - 1


@pytest.mark.django_db
def test_an_edited_calendar_is_read_again():
    cal = BusinessCalendar.objects.create(code="t", name="T", time_zone="Asia/Shanghai", hours=OFFICE)
    monday_17 = sh(2026, 11, 16, 17, 0)
    assert add_business_seconds(working_time(cal), monday_17, 2 * HOUR) == sh(2026, 11, 17, 10, 0)
    CalendarDay.objects.create(calendar=cal, date=date(2026, 11, 17), kind="holiday")
    cal.save(update_fields=["updated_at"])
    cal.refresh_from_db()
    assert add_business_seconds(working_time(cal), monday_17, 2 * HOUR) == sh(2026, 11, 18, 10, 0)
