"""Business time: the one module that counts working seconds on a ``BusinessCalendar``.

A calendar is compiled once into a ``WorkingTime`` (weekly hours as minute intervals, the dated
holidays and make-up working days) and cached per process by (calendar id, updated_at), so an
edited calendar is re-read. All arithmetic runs in the calendar's time zone: local dates decide
weekdays and holidays, and a local working interval is turned into real instants with zoneinfo,
so a day with a DST change has its true length.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

if TYPE_CHECKING:
    from cases.models import BusinessCalendar

MAX_DAYS = 3 * 366  # a target that finds no working time within 3 years is a broken calendar


class CalendarError(Exception):
    """The calendar cannot answer (for example it has no working time at all)."""


@dataclass(frozen=True)
class WorkingTime:
    tz: ZoneInfo
    weekly: tuple[tuple[tuple[int, int], ...], ...]  # Monday..Sunday: (start_minute, end_minute), end <= 1440
    holidays: frozenset[date]
    workdays: frozenset[date]  # make-up working days (调休)
    round_the_clock: bool = False

    def intervals_on(self, day: date) -> tuple[tuple[int, int], ...]:
        """The working intervals of a local date, in minutes from its midnight."""
        if day in self.holidays:
            return ()
        weekly = self.weekly[day.weekday()]
        if day in self.workdays and not weekly:
            return self.makeup_hours
        return weekly

    @property
    def makeup_hours(self) -> tuple[tuple[int, int], ...]:
        """A make-up working day has Monday's hours (or the first weekday's that has any)."""
        return next((hours for hours in self.weekly if hours), ())


ROUND_THE_CLOCK = WorkingTime(
    tz=ZoneInfo("UTC"), weekly=((),) * 7, holidays=frozenset(), workdays=frozenset(), round_the_clock=True
)


def _minutes(text: str) -> int:
    hours, minutes = text.split(":")
    return int(hours) * 60 + int(minutes)


def compile_calendar(*, time_zone: str, hours: dict[str, Any], days: list[tuple[date, str]]) -> WorkingTime:
    """A ``WorkingTime`` from a calendar's fields and its (date, kind) exceptions."""
    from cases.models.sla import WEEKDAYS  # noqa: PLC0415 - keeps this module importable without the app registry

    weekly = tuple(tuple((_minutes(a), _minutes(b)) for a, b in hours.get(day, [])) for day in WEEKDAYS)
    return WorkingTime(
        tz=ZoneInfo(time_zone),
        weekly=weekly,
        holidays=frozenset(d for d, kind in days if kind == "holiday"),
        workdays=frozenset(d for d, kind in days if kind == "workday"),
    )


@lru_cache(maxsize=64)
def _cached(pk: int, updated_at: datetime) -> WorkingTime:
    from cases.models import BusinessCalendar  # noqa: PLC0415

    calendar = BusinessCalendar.objects.get(pk=pk)
    return compile_calendar(
        time_zone=calendar.time_zone,
        hours=calendar.hours,
        days=list(calendar.days.values_list("date", "kind")),
    )


def working_time(calendar: BusinessCalendar | None) -> WorkingTime:
    """The compiled calendar (None: round the clock), re-read when the calendar's ``updated_at`` moves."""
    if calendar is None:
        return ROUND_THE_CLOCK
    return _cached(calendar.pk, calendar.updated_at)


def _aware(at: datetime) -> datetime:
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError("Business time needs timezone-aware datetimes.")
    return at


def _instant(wt: WorkingTime, day: date, minute: int) -> datetime:
    """The real instant of a local date and minute (1440 is the next midnight)."""
    if minute >= 1440:
        day, minute = day + timedelta(days=1), minute - 1440
    local = datetime.combine(day, time(minute // 60, minute % 60), tzinfo=wt.tz)
    # Round-trip through UTC to resolve a local time that a DST change skipped or repeated.
    return local.astimezone(UTC)


def _working_spans(wt: WorkingTime, start: datetime) -> Iterator[tuple[datetime, datetime]]:
    """Working spans (start, end) in UTC from ``start`` on, in order, clipped to begin at ``start``."""
    day = start.astimezone(wt.tz).date() - timedelta(days=1)  # a span of the previous local day may still run
    last = day + timedelta(days=MAX_DAYS)
    while day <= last:
        for a, b in wt.intervals_on(day):
            lo, hi = _instant(wt, day, a), _instant(wt, day, b)
            if hi <= start:
                continue
            yield max(lo, start), hi
        day += timedelta(days=1)
    raise CalendarError("The calendar has no working time within three years; give it working hours.")


def add_business_seconds(wt: WorkingTime, start: datetime, seconds: int) -> datetime:
    """The instant (UTC) at which ``seconds`` of working time have passed after ``start``."""
    start = _aware(start).astimezone(UTC)
    if seconds <= 0:
        return start
    if wt.round_the_clock:
        return start + timedelta(seconds=seconds)
    left = timedelta(seconds=seconds)
    for lo, hi in _working_spans(wt, start):
        if hi - lo >= left:
            return lo + left
        left -= hi - lo
    raise CalendarError("unreachable")  # pragma: no cover - _working_spans raises first


def business_seconds_between(wt: WorkingTime, start: datetime, end: datetime) -> int:
    """Working seconds in [start, end); 0 when end is not after start."""
    start, end = _aware(start).astimezone(UTC), _aware(end).astimezone(UTC)
    if end <= start:
        return 0
    if wt.round_the_clock:
        return int((end - start).total_seconds())
    total = timedelta()
    try:
        for lo, hi in _working_spans(wt, start):
            if lo >= end:
                break
            total += min(hi, end) - lo
    except CalendarError:
        pass  # no more working time: what was counted is the answer
    return int(total.total_seconds())


def is_working_moment(wt: WorkingTime, at: datetime) -> bool:
    at = _aware(at).astimezone(UTC)
    if wt.round_the_clock:
        return True
    for lo, hi in _working_spans(wt, at):
        return lo <= at < hi
    return False  # pragma: no cover
