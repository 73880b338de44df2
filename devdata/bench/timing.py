"""Time in the synthetic history: epoch seconds as COPY text, the days of the period, when in the day
and the year cases come in and orders are placed (weekly and daily seasonality, slow growth, the
shopping festivals), and standard normal draws from a table."""

from __future__ import annotations

import random
from bisect import bisect_right
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from statistics import NormalDist

from django.utils import timezone

HOUR = 3600
DAY = 86400

CASE_HOURS = (2, 1, 1, 1, 1, 1, 2, 4, 6, 8, 9, 9, 8, 8, 8, 8, 7, 7, 7, 8, 10, 11, 9, 5)
ORDER_HOURS = (4, 2, 1, 1, 1, 1, 1, 2, 4, 6, 7, 8, 9, 8, 7, 7, 7, 7, 8, 9, 11, 13, 12, 8)
CASE_WEEKDAYS = (1.15, 1.08, 1.0, 1.0, 0.95, 0.85, 0.95)  # Monday first
ORDER_WEEKDAYS = (0.95, 0.95, 0.95, 1.0, 1.05, 1.1, 1.1)


def stamper() -> Callable[[int], str]:
    """Epoch seconds to COPY text ("2026-06-30 15:59:59+00"), fast: one string per day, one per second."""
    days: dict[int, str] = {}
    hms = [f"{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}+00" for s in range(DAY)]
    epoch = datetime(1970, 1, 1)

    def stamp(t: int) -> str:
        try:
            return days[t // DAY] + hms[t % DAY]
        except KeyError:
            days[t // DAY] = (epoch + timedelta(days=t // DAY)).strftime("%Y-%m-%d ")
            return days[t // DAY] + hms[t % DAY]

    return stamp


# Standard normal draws from a table of quantiles: one uniform draw each, much cheaper than gauss().
NORMALS = tuple(NormalDist().inv_cdf((i + 0.5) / 8192) for i in range(8192))


@dataclass(frozen=True)
class Day:
    midnight: int  # local midnight, epoch seconds
    lo: int  # the part of the day inside the period
    hi: int
    weekday: int
    date: date


def days_between(start: datetime, end: datetime) -> list[Day]:
    tz = timezone.get_default_timezone()
    lo, hi = int(start.timestamp()), int(end.timestamp())
    day, days = start.astimezone(tz).date(), list[Day]()
    while True:
        midnight = int(datetime(day.year, day.month, day.day, tzinfo=tz).timestamp())
        if midnight >= hi:
            return days
        days.append(Day(midnight, max(lo, midnight), min(hi, midnight + DAY), day.weekday(), day))
        day += timedelta(days=1)


def case_weight(day: Day, progress: float) -> float:
    d, w = day.date, CASE_WEEKDAYS[day.weekday]
    if d.month == 11 and 12 <= d.day <= 18:  # the week after Singles' Day
        w *= 3.0
    elif d.month == 11 and d.day == 11:
        w *= 1.6
    elif d.month == 6 and 19 <= d.day <= 25:  # the week after 618
        w *= 2.0
    elif d.month == 12 and 13 <= d.day <= 16:  # after 双十二
        w *= 1.4
    return w * (1.0 + 0.25 * progress)


def order_weight(day: Day, progress: float) -> float:
    d, w = day.date, ORDER_WEEKDAYS[day.weekday]
    if d.month == 11 and d.day == 11:
        w *= 6.0
    elif d.month == 11 and d.day <= 10:
        w *= 1.8
    elif d.month == 6 and d.day == 18:
        w *= 4.0
    elif d.month == 6 and d.day < 18:
        w *= 1.5
    elif d.month == 12 and d.day == 12:
        w *= 2.5
    return w * (1.0 + 0.25 * progress)


def plan(days: list[Day], total: int, weight: Callable[[Day, float], float]) -> tuple[list[int], list[float]]:
    """How many rows each day gets (summing to ``total``, by rounding the running sum), and each
    day's load (its weight over the mean weight)."""
    weights = [weight(d, i / max(1, len(days) - 1)) * (d.hi - d.lo) / DAY for i, d in enumerate(days)]
    s, acc, prev, counts = sum(weights), 0.0, 0, []
    for w in weights:
        acc += w
        cur = round(total * acc / s)
        counts.append(cur - prev)
        prev = cur
    mean = s / len(weights)
    return counts, [w / mean if w else 1.0 for w in weights]


def hour_mix(hours: tuple[int, ...]) -> list[float]:
    total, acc, cum = sum(hours), 0, []
    for h in hours:
        acc += h
        cum.append(acc / total)
    cum[-1] = 1.0 + 1e-9
    return cum


def times_in(rng: random.Random, day: Day, count: int, hour_cum: list[float]) -> list[int]:
    r, out = rng.random, []
    for _i in range(count):
        for _try in range(20):
            t = day.midnight + bisect_right(hour_cum, r()) * HOUR + int(r() * HOUR)
            if day.lo <= t < day.hi:
                break
        else:
            t = day.lo + int(r() * (day.hi - day.lo))
        out.append(t)
    out.sort()
    return out
