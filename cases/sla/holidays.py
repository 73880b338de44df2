"""Loading public holidays and make-up working days into a ``BusinessCalendar``.

China's holidays *and* its make-up working days (调休) come from the ``chinesecalendar`` package
(the State Council's yearly notices as data); any other country's public holidays from
``holidays``; any calendar at all from a JSON or CSV file. Every holiday date a source lists is
stored, also one that falls on a weekend, so the calendar reads like the official list.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from django.db import transaction
from django.utils.translation import gettext as _

from cases.exceptions import InvalidInput
from cases.models import BusinessCalendar, CalendarDay, CalendarDayKind
from cases.sla import recompute

CN_NAMES = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "中国人民抗日战争暨世界反法西斯战争胜利70周年纪念日",
}


@dataclass(frozen=True)
class Day:
    date: date
    kind: str
    name: str = ""


@dataclass
class LoadReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0
    years: list[int] = field(default_factory=list)


def china_days(years: list[int]) -> list[Day]:
    """China's public holidays and make-up working days of ``years`` (chinesecalendar)."""
    from chinese_calendar import constants  # noqa: PLC0415 - only needed for this source

    covered = sorted({d.year for d in constants.holidays})
    missing = [y for y in years if y not in covered]
    if missing:
        raise InvalidInput(
            _(
                "The Chinese holiday data (package chinesecalendar) covers %(first)s to %(last)s, not %(years)s. "
                "Upgrade the package once the State Council has published that year, or load a file with --file."
            )
            % {"first": covered[0], "last": covered[-1], "years": ", ".join(map(str, missing))}
        )
    days = []
    for source, kind in ((constants.holidays, CalendarDayKind.HOLIDAY), (constants.workdays, CalendarDayKind.WORKDAY)):
        for day, name in source.items():
            if day.year in years:
                label = f"{CN_NAMES.get(name, name)} {name}" if name in CN_NAMES else str(name)
                days.append(Day(day, kind, label if kind == CalendarDayKind.HOLIDAY else f"{label} (调休)"))
    return sorted(days, key=lambda d: d.date)


def country_days(country: str, years: list[int]) -> list[Day]:
    """Public holidays of any other country (package holidays); no make-up days."""
    import holidays  # noqa: PLC0415

    try:
        calendar = holidays.country_holidays(country.upper(), years=years)
    except NotImplementedError:
        raise InvalidInput(
            _("There is no holiday data for the country “%(country)s”; give an ISO 3166 code such as DE or FR.")
            % {"country": country}
        ) from None
    return [Day(day, CalendarDayKind.HOLIDAY, str(name)) for day, name in sorted(calendar.items())]


def _parse_date(text: str, where: str) -> date:
    try:
        return date.fromisoformat(str(text).strip())
    except ValueError:
        raise InvalidInput(
            _("%(where)s: “%(value)s” is not a date (YYYY-MM-DD).") % {"where": where, "value": text}
        ) from None


def file_days(path: Path) -> list[Day]:
    """Days from a JSON list of {date, kind, name} or a CSV with the header date,kind,name."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise InvalidInput(_("Cannot read %(file)s: %(error)s.") % {"file": path, "error": exc.strerror}) from None
    if path.suffix.lower() == ".csv":
        rows = list(csv.DictReader(text.splitlines()))
        start = 2  # the header is row 1
    else:
        try:
            rows = json.loads(text)
        except json.JSONDecodeError as exc:
            raise InvalidInput(
                _("%(file)s is not valid JSON (line %(line)s): %(error)s.")
                % {"file": path.name, "line": exc.lineno, "error": exc.msg}
            ) from None
        start = 1
        if not isinstance(rows, list):
            raise InvalidInput(_("%(file)s must hold a list of days.") % {"file": path.name})
    days = []
    for number, row in enumerate(rows, start=start):
        where = _("%(file)s, row %(row)s") % {"file": path.name, "row": number}
        if not isinstance(row, dict) or "date" not in row or "kind" not in row:
            raise InvalidInput(_("%(where)s: give date and kind.") % {"where": where})
        kind = str(row["kind"]).strip()
        if kind not in CalendarDayKind.values:
            raise InvalidInput(
                _("%(where)s: kind “%(kind)s” is neither holiday nor workday.") % {"where": where, "kind": kind}
            )
        days.append(Day(_parse_date(row["date"], where), kind, str(row.get("name") or "")[:100]))
    return days


def load_days(*, calendar: BusinessCalendar, days: list[Day], replace_years: list[int] | None = None) -> LoadReport:
    """Write ``days`` into ``calendar`` in one transaction; the same days again change nothing.

    With ``replace_years``, the calendar's other days of those years are removed first.
    """
    report = LoadReport(years=sorted({d.date.year for d in days} | set(replace_years or [])))
    with transaction.atomic():
        existing = {d.date: d for d in CalendarDay.objects.select_for_update().filter(calendar=calendar)}
        wanted = {d.date for d in days}
        if replace_years:
            stale = [d.pk for when, d in existing.items() if when.year in replace_years and when not in wanted]
            report.removed = CalendarDay.objects.filter(pk__in=stale).delete()[0]
        for day in days:
            row = existing.get(day.date)
            if row is None:
                CalendarDay.objects.create(calendar=calendar, date=day.date, kind=day.kind, name=day.name[:100])
                report.created += 1
            elif (row.kind, row.name) != (day.kind, day.name[:100]):
                row.kind, row.name = day.kind, day.name[:100]
                row.save(update_fields=["kind", "name"])
                report.updated += 1
            else:
                report.unchanged += 1
        if report.created or report.updated or report.removed:
            # Every process re-reads the calendar, and the open cases' due times move.
            recompute.calendar_changed(calendar=calendar)
    return report
