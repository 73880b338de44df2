"""manage.py load_holidays: China's holidays with make-up days, other countries, files; idempotent."""

from __future__ import annotations

import json
from datetime import date
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from cases.models import BusinessCalendar, CalendarDay

pytestmark = pytest.mark.django_db


def load(*args) -> str:
    out = StringIO()
    call_command("load_holidays", *args, stdout=out)
    return out.getvalue()


def days(code="warehouse") -> dict:
    return {d.date: d.kind for d in CalendarDay.objects.filter(calendar__code=code)}


def test_china_2026_brings_national_day_and_its_make_up_working_days():
    out = load("--calendar", "warehouse", "--country", "CN", "--years", "2026")
    loaded = days()
    assert all(loaded[date(2026, 10, d)] == "holiday" for d in range(1, 8))
    assert loaded[date(2026, 9, 20)] == "workday" and loaded[date(2026, 10, 10)] == "workday"
    assert loaded[date(2026, 1, 1)] == "holiday"
    assert "国庆节" in CalendarDay.objects.get(calendar__code="warehouse", date=date(2026, 10, 1)).name
    assert f"{len(loaded)} days added" in out


def test_loading_twice_changes_nothing():
    load("--calendar", "warehouse", "--country", "CN", "--years", "2026")
    before = list(CalendarDay.objects.values_list("pk", "date", "kind", "name").order_by("pk"))
    stamp = BusinessCalendar.objects.get(code="warehouse").updated_at
    out = load("--calendar", "warehouse", "--country", "CN", "--years", "2026")
    assert "0 days added, 0 updated" in out
    assert list(CalendarDay.objects.values_list("pk", "date", "kind", "name").order_by("pk")) == before
    assert BusinessCalendar.objects.get(code="warehouse").updated_at == stamp, "no change, no re-read"


def test_a_year_the_chinese_data_does_not_cover_is_refused_with_the_covered_range():
    with pytest.raises(CommandError, match="covers 2004 to 2026, not 2031"):
        load("--calendar", "warehouse", "--country", "CN", "--years", "2031")
    assert not CalendarDay.objects.exists()


def test_another_country_comes_from_the_holidays_package():
    load("--calendar", "berlin", "--create", "--country", "DE", "--years", "2026")
    loaded = days("berlin")
    assert loaded[date(2026, 12, 25)] == "holiday" and loaded[date(2026, 10, 3)] == "holiday"
    assert "workday" not in loaded.values()


def test_an_unknown_country_is_refused():
    with pytest.raises(CommandError, match="no holiday data for the country “XX”"):
        load("--calendar", "warehouse", "--country", "XX", "--years", "2026")


def test_an_unknown_calendar_names_the_existing_ones():
    with pytest.raises(CommandError, match="cs-hours, warehouse"):
        load("--calendar", "nope", "--country", "CN", "--years", "2026")
    assert not BusinessCalendar.objects.filter(code="nope").exists()


def test_any_calendar_as_json_and_csv(tmp_path):
    json_file = tmp_path / "shop.json"
    json_file.write_text(
        json.dumps(
            [
                {"date": "2026-11-11", "kind": "holiday", "name": "双十一 Singles' Day"},
                {"date": "2026-11-14", "kind": "workday", "name": "补班"},
            ]
        ),
        encoding="utf-8",
    )
    load("--calendar", "cs-hours", "--file", str(json_file))
    csv_file = tmp_path / "shop.csv"
    csv_file.write_text("date,kind,name\n2026-12-12,holiday,双十二\n", encoding="utf-8")
    load("--calendar", "cs-hours", "--file", str(csv_file))
    assert days("cs-hours") == {
        date(2026, 11, 11): "holiday",
        date(2026, 11, 14): "workday",
        date(2026, 12, 12): "holiday",
    }


@pytest.mark.parametrize(
    "content, message",
    [
        ("date,kind,name\n2026-12-12,holiday,ok\n2026-13-01,holiday,bad\n", "row 3: “2026-13-01” is not a date"),
        ("date,kind,name\n2026-12-12,vacation,x\n", "row 2: kind “vacation” is neither holiday nor workday"),
    ],
)
def test_a_bad_row_is_named_and_nothing_is_loaded(tmp_path, content, message):
    bad = tmp_path / "days.csv"
    bad.write_text(content, encoding="utf-8")
    with pytest.raises(CommandError, match=message):
        load("--calendar", "cs-hours", "--file", str(bad))
    assert not CalendarDay.objects.exists()


def test_replace_removes_the_other_days_of_those_years_only(tmp_path):
    CalendarDay.objects.create(
        calendar=BusinessCalendar.objects.get(code="warehouse"), date=date(2026, 6, 6), kind="holiday"
    )
    CalendarDay.objects.create(
        calendar=BusinessCalendar.objects.get(code="warehouse"), date=date(2025, 6, 6), kind="holiday"
    )
    out = load("--calendar", "warehouse", "--country", "CN", "--years", "2026", "--replace")
    loaded = days()
    assert date(2026, 6, 6) not in loaded and date(2025, 6, 6) in loaded
    assert "1 removed" in out


def test_loaded_holidays_move_the_due_times_of_open_cases(django_capture_on_commit_callbacks, monkeypatch, tmp_path):
    """Recomputing the clocks is a service (cases.sla.recompute), not an admin hook: load_holidays changes a
    calendar, so once it commits the recompute of the open cases is queued, and that recompute moves a
    running clock's due time onto the new holiday."""
    from datetime import datetime, timedelta
    from zoneinfo import ZoneInfo

    from cases import tasks
    from cases.models import SlaClock, SlaPolicy
    from cases.services import create_case
    from cases.sla import clocks
    from tests.cases.factories import CustomerFactory

    shanghai = ZoneInfo("Asia/Shanghai")
    calendar = BusinessCalendar.objects.create(code="office", name="office", time_zone="Asia/Shanghai")
    SlaPolicy.objects.filter(name="Standard").update(calendar=calendar)
    # Opened on a working Wednesday evening; the day the first response falls due becomes a holiday.
    monkeypatch.setattr("core.clock.now", lambda: datetime(2026, 12, 9, 17, 0, tzinfo=shanghai))
    case = create_case(customer=CustomerFactory(), kind="complaint", channel="email")
    clock = SlaClock.objects.get(case=case, kind="first_response")
    due_before = clock.due_at
    due_day = due_before.astimezone(shanghai).date()
    assert due_day.weekday() < 5
    queued = []
    monkeypatch.setattr(tasks.recompute_clocks, "delay", lambda: queued.append(clocks.recompute_open_clocks()))
    holiday = tmp_path / "holiday.json"
    holiday.write_text(
        json.dumps([{"date": due_day.isoformat(), "kind": "holiday", "name": "Test day"}]), encoding="utf-8"
    )
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        load("--calendar", "office", "--file", str(holiday))
    assert len(callbacks) == 1, "one recompute is queued once the load is committed"
    assert queued == [1], "the open case was recomputed"
    clock.refresh_from_db()
    assert clock.due_at - due_before >= timedelta(days=1), "that day is now a holiday: due a working day later"
