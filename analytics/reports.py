"""The periodic KPI report by email: weekly (Monday to Sunday) and monthly, to the managers.

``send_periodic_report`` is called by the beat task ``analytics.tasks.send_report``: on Monday at
08:00 for the week before, on the 1st at 08:00 for the month before (``CELERY_BEAT_SCHEDULE``).
The email has the main KPIs next to those of the period before, the targets met or missed, and
the whole report as an XLSX attachment (``analytics.exports``); the figures are
``kpis.report``'s.

Who gets it: every active user with an email address who may see the dashboard
(``analytics.view_dashboard``, superusers included). Staff have no language of their own in this
project (``AgentProfile`` holds routing skills only), so they read it in ``settings.LANGUAGE_CODE``,
as the other staff notifications (``cases.notifications.notify_users``); ``language_for`` is the
one place to change that.

Sent once per report: a ``ReportDelivery`` row per (period, first day, last day), locked while
sending, records each address as its email goes out and the moment everyone has theirs. A second
beat run finds the report sent and sends nothing; a run after a mail server failure sends only the
emails still missing. (At least once per address: a worker killed between the mail server's
answer and the commit sends that one again.)
"""

from __future__ import annotations

import logging
import smtplib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction
from django.db.models import Q, QuerySet
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils import formats, translation
from django.utils.translation import gettext as _

from analytics import exports, kpis, rollups
from analytics.report_models import ReportDelivery, ReportPeriod
from core import clock

log = logging.getLogger(__name__)

# The figures of the email, in this order: the names of ``kpis.KPI_LABELS`` (``kpis.flat``).
HEADLINE = (
    "first_response_median_hours",
    "resolution_median_hours",
    "first_contact_resolution",
    "resolution_rate",
    "reopen_rate",
    "sla_first_response",
    "sla_resolution",
    "csat_rate",
    "nps",
    "ces_mean",
    "complaint_rate",
    "return_rate",
    "cost_per_case",
)
DASHBOARD_PERMISSION = ("analytics", "view_dashboard")


# --- which days ----------------------------------------------------------------------------------


def period_range(period: str, today: date) -> tuple[date, date]:
    """The last complete period before ``today``: the previous Monday to Sunday, or the previous month."""
    if period == ReportPeriod.WEEKLY:
        start = today - timedelta(days=today.weekday() + 7)
        return start, start + timedelta(days=6)
    if period == ReportPeriod.MONTHLY:
        end = today.replace(day=1) - timedelta(days=1)
        return end.replace(day=1), end
    raise ValueError(f"Unknown report period {period!r}; use one of {ReportPeriod.values}.")


def previous_range(period: str, start: date) -> tuple[date, date]:
    """The period just before the one starting on ``start`` (the comparison of the email)."""
    return period_range(period, start)


# --- who and in which language ---------------------------------------------------------------------


def recipients() -> QuerySet:
    """Active users with an email address who may see the dashboard (superusers included)."""
    app_label, codename = DASHBOARD_PERMISSION
    permission = Permission.objects.filter(content_type__app_label=app_label, codename=codename).first()
    may_see = Q(is_superuser=True)
    if permission is not None:
        may_see |= Q(groups__permissions=permission) | Q(user_permissions=permission)
    users = get_user_model().objects.filter(may_see, is_active=True).exclude(email="")
    # A subquery rather than DISTINCT over joins: the ordering stays free.
    return get_user_model().objects.filter(pk__in=users.values("pk")).order_by("pk")


def language_for(user) -> str:
    """The language a staff user reads the report in (staff have no language setting of their own)."""
    return settings.LANGUAGE_CODE


# --- the email -------------------------------------------------------------------------------------


def format_figure(value: Any, unit: str) -> str:
    """A figure as a person reads it in the active language; "–" when there is none."""
    if value is None:
        return "–"
    if unit == exports.PERCENT:
        return _("%(percent)s %%") % {"percent": formats.number_format(value * 100, 1)}
    if unit == exports.HOURS:
        return _("%(hours)s h") % {"hours": formats.number_format(value, 1)}
    if unit == exports.MONEY:
        return formats.number_format(Decimal(str(value)), 2)
    if unit in (exports.COUNT, exports.ANSWERS):
        return formats.number_format(value, 0)
    return formats.number_format(value, 1)


def format_change(current: Any, previous: Any, unit: str) -> str:
    """How much a figure moved since the period before (percentage points for rates)."""
    if current is None or previous is None:
        return "–"
    if unit == exports.MONEY:
        current, previous = Decimal(str(current)), Decimal(str(previous))
    change = current - previous
    sign = "+" if change > 0 else ""
    if unit == exports.PERCENT:
        return _("%(points)s pp") % {"points": sign + formats.number_format(change * 100, 1)}
    if unit == exports.HOURS:
        return _("%(hours)s h") % {"hours": sign + formats.number_format(change, 1)}
    if unit == exports.MONEY:
        return sign + formats.number_format(change, 2)
    if unit in (exports.COUNT, exports.ANSWERS):
        return sign + formats.number_format(change, 0)
    return sign + formats.number_format(change, 1)


def subject_for(period: str, start: date, end: date) -> str:
    if period == ReportPeriod.WEEKLY:
        return _("KPI report for the week %(start)s to %(end)s") % {
            "start": formats.date_format(start, "SHORT_DATE_FORMAT"),
            "end": formats.date_format(end, "SHORT_DATE_FORMAT"),
        }
    return _("KPI report for %(month)s") % {"month": formats.date_format(start, "YEAR_MONTH_FORMAT")}


def _dig(block: dict, path: tuple[str, ...]) -> Any:
    for key in path:
        block = block[key]
    return block


def _figure_row(label: str, now: Any, then: Any, unit: str) -> dict:
    return {
        "label": label,
        "value": format_figure(now, unit),
        "previous": format_figure(then, unit),
        "change": format_change(now, then, unit),
    }


def email_context(*, period: str, report: dict, previous: dict) -> dict:
    """What the two templates show; every text in the active language."""
    start, end = date.fromisoformat(report["period"]["start"]), date.fromisoformat(report["period"]["end"])
    period_before = previous["period"]
    total, before = report["total"], previous["total"]
    figures = [
        _figure_row(str(label), _dig(total, path), _dig(before, path), unit) for path, label, unit in exports.COUNTS[:2]
    ]
    now, then = kpis.flat(total), kpis.flat(before)
    figures += [
        _figure_row(str(kpis.KPI_LABELS[name]), now[name], then[name], exports.unit_of(name)) for name in HEADLINE
    ]
    targets = [
        {
            "label": t["label"],
            "target": format_figure(t["target"], exports.unit_of(t["kpi"])),
            "actual": format_figure(t["actual"], exports.unit_of(t["kpi"])),
            "met": t["met"],
            "result": exports.target_result(t["met"]),
        }
        for t in report["targets"]
    ]
    return {
        "subject": subject_for(period, start, end),
        "period_label": ReportPeriod(period).label,
        "start": start,
        "end": end,
        "previous_start": date.fromisoformat(period_before["start"]),
        "previous_end": date.fromisoformat(period_before["end"]),
        "figures": figures,
        "targets": targets,
        "targets_met": sum(1 for t in targets if t["met"] is True),
        "targets_missed": sum(1 for t in targets if t["met"] is False),
        "generated_at": report["generated_at"],
        "dashboard_url": dashboard_url(),
    }


def dashboard_url() -> str:
    """The dashboard's address for the email's link; empty while the dashboard is not mounted."""
    try:
        return settings.SITE_URL.rstrip("/") + reverse("dashboard:home")
    except NoReverseMatch:
        return ""


@dataclass(frozen=True)
class Letter:
    """The report's email in one language: what every recipient of that language gets."""

    subject: str
    text: str
    html: str
    filename: str
    xlsx: bytes

    def to(self, address: str, *, connection) -> EmailMultiAlternatives:
        message = EmailMultiAlternatives(
            self.subject, self.text, settings.DEFAULT_FROM_EMAIL, [address], connection=connection
        )
        message.attach_alternative(self.html, "text/html")
        message.attach(self.filename, self.xlsx, exports.XLSX_TYPE)
        return message


def write_letter(*, period: str, report: dict, previous: dict) -> Letter:
    """The email in the active language: plain text, HTML, and the whole report as XLSX."""
    context = email_context(period=period, report=report, previous=previous)
    return Letter(
        subject=context["subject"],
        text=render_to_string("dashboard/report_email.txt", context),
        html=render_to_string("dashboard/report_email.html", context),
        filename=exports.report_filename(report, fmt="xlsx"),
        xlsx=exports.xlsx_bytes(report),
    )


# --- sending ---------------------------------------------------------------------------------------


def _request(start: date, end: date) -> kpis.ReportRequest:
    return kpis.ReportRequest(start=start, end=end, split=None, filters={})


def _by_language(users: Iterable) -> dict[str, list]:
    groups: dict[str, list] = {}
    for user in users:
        groups.setdefault(language_for(user), []).append(user)
    return groups


def _send_all(
    *,
    period: str,
    current: kpis.ReportRequest,
    before: kpis.ReportRequest,
    delivery: ReportDelivery,
    users: list,
    done: set[str],
    connection,
) -> tuple[int, str | None]:
    """Send the report to each user (one email per address), recording each in ``delivery``;
    returns how many went out and the last failure."""
    sent, failed = 0, None
    for language, group in _by_language(users).items():
        with translation.override(language):
            letter = write_letter(
                period=period,
                report=kpis.report(current),
                previous=kpis.report(before),
            )
        for user in group:
            if user.email in done:  # two users with one address get one email
                continue
            try:
                letter.to(user.email, connection=connection).send()
            except (smtplib.SMTPException, OSError) as exc:
                # The others still get theirs; the next run sends the missing ones.
                failed = f"{user.email}: {type(exc).__name__}: {exc}"[:300]
                log.warning("The %s KPI report to %s failed.", period, user.email, exc_info=True)
                continue
            done.add(user.email)
            delivery.recipients.append(user.email)
            sent += 1
    return sent, failed


def send_periodic_report(*, period: str, today: date | None = None) -> int:
    """Email the report of the last complete week or month before ``today``; returns the emails sent.

    ``today`` defaults to the local date (the shop's reporting time zone). Sends each report once:
    see the module's docstring. The delivery row stays locked while sending, so a second run at
    the same moment waits and then finds it sent.
    """
    today = today or rollups.local_today()
    start, end = period_range(period, today)
    current, before = _request(start, end), _request(*previous_range(period, start))
    sent = 0
    with transaction.atomic():
        delivery, _created = ReportDelivery.objects.select_for_update().get_or_create(
            period=period, start=start, end=end, defaults={"created_at": clock.now()}
        )
        if delivery.sent_at is not None:
            return 0
        done = set(delivery.recipients)
        waiting = [user for user in recipients() if user.email not in done]
        failed = None
        if waiting:
            # One connection for all: a mail server that cannot be reached at all raises here, and
            # the transaction leaves no trace (nothing was sent; the task's retry starts over).
            with get_connection() as connection:
                sent, failed = _send_all(
                    period=period,
                    current=current,
                    before=before,
                    delivery=delivery,
                    users=waiting,
                    done=done,
                    connection=connection,
                )
        delivery.last_error = failed or ""
        if failed is None:
            delivery.sent_at = clock.now()
        delivery.save(update_fields=["recipients", "last_error", "sent_at"])
    return sent
