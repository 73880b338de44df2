"""The weekly and monthly KPI report emails: the right days, to the people who may see the
dashboard, with the XLSX, in the site's language, and once only however often beat fires."""

from __future__ import annotations

import io
import smtplib
from datetime import date, datetime, timedelta

import pytest
from celery.schedules import crontab
from django.contrib.auth.models import Permission
from django.core import mail
from django.core.mail import EmailMessage
from django.utils import translation
from openpyxl import load_workbook

from analytics import exports, kpis, reports, tasks
from analytics.report_models import ReportDelivery
from tests.accounts.factories import UserFactory
from tests.analytics.kpi_data import SHANGHAI, freeze, refreshed, worked_case

pytestmark = pytest.mark.django_db

MONDAY = datetime(2026, 11, 23, 8, 0, tzinfo=SHANGHAI)


@pytest.fixture(autouse=True)
def locmem_mail(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def now(monkeypatch):
    return freeze(monkeypatch, MONDAY)


@pytest.fixture
def readers(db, manager, admin_user, agent, outsider):
    """Who gets the report: the manager and the admin. Not the agent, the user without a role, an
    inactive manager, a manager without an address; a user granted the permission alone does."""
    UserFactory(username="gone", role="manager", is_active=False)
    UserFactory(username="no-mail", role="manager", email="")
    analyst = UserFactory(username="analyst")
    analyst.user_permissions.add(Permission.objects.get(content_type__app_label="analytics", codename="view_dashboard"))
    return [manager, admin_user, analyst]


@pytest.fixture
def weeks(now, agent):
    """Two cases in the week of 16 November, one in the week before, one in October."""
    for created in (
        datetime(2026, 11, 17, 9, tzinfo=SHANGHAI),
        datetime(2026, 11, 20, 9, tzinfo=SHANGHAI),
        datetime(2026, 11, 10, 9, tzinfo=SHANGHAI),
        datetime(2026, 10, 20, 9, tzinfo=SHANGHAI),
    ):
        worked_case(now, agent=agent, created=created)
    refreshed(now, MONDAY)


# --- which days -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "today, start, end",
    [
        (date(2026, 11, 23), date(2026, 11, 16), date(2026, 11, 22)),  # Monday: the week just ended
        (date(2026, 11, 25), date(2026, 11, 16), date(2026, 11, 22)),  # Wednesday
        (date(2026, 11, 22), date(2026, 11, 9), date(2026, 11, 15)),  # Sunday: that week is not over
        (date(2027, 1, 4), date(2026, 12, 28), date(2027, 1, 3)),  # across the new year
    ],
)
def test_the_weekly_report_covers_the_previous_monday_to_sunday(today, start, end):
    assert reports.period_range("weekly", today) == (start, end)
    assert reports.previous_range("weekly", start) == (start - timedelta(days=7), start - timedelta(days=1))


@pytest.mark.parametrize(
    "today, start, end",
    [
        (date(2026, 12, 1), date(2026, 11, 1), date(2026, 11, 30)),
        (date(2026, 3, 15), date(2026, 2, 1), date(2026, 2, 28)),
        (date(2028, 3, 1), date(2028, 2, 1), date(2028, 2, 29)),  # a leap year
        (date(2027, 1, 1), date(2026, 12, 1), date(2026, 12, 31)),
    ],
)
def test_the_monthly_report_covers_the_previous_calendar_month(today, start, end):
    assert reports.period_range("monthly", today) == (start, end)


def test_the_comparison_is_the_period_just_before():
    assert reports.previous_range("weekly", date(2026, 11, 16)) == (date(2026, 11, 9), date(2026, 11, 15))
    assert reports.previous_range("monthly", date(2026, 3, 1)) == (date(2026, 2, 1), date(2026, 2, 28))


def test_an_unknown_period_is_refused(db):
    with pytest.raises(ValueError, match="daily"):
        reports.send_periodic_report(period="daily", today=date(2026, 11, 23))
    assert not ReportDelivery.objects.exists()


# --- who gets what ------------------------------------------------------------------------------------


def test_the_weekly_report_goes_to_the_dashboards_readers_with_the_xlsx(weeks, readers):
    sent = reports.send_periodic_report(period="weekly", today=date(2026, 11, 23))

    assert sent == 3
    assert sorted(message.to[0] for message in mail.outbox) == sorted(user.email for user in readers)
    message = mail.outbox[0]
    assert len(message.to) == 1
    assert "2026-11-16" in message.subject or "11/16/2026" in message.subject
    (html, mimetype), *_rest = message.alternatives
    assert mimetype == "text/html" and "<table" in html
    (filename, content, attachment_type), *_none = message.attachments
    assert filename == "kpis-2026-11-16-2026-11-22.xlsx"
    assert attachment_type == exports.XLSX_TYPE
    book = load_workbook(io.BytesIO(content))
    assert "Totals" in book.sheetnames and "Daily trend" in book.sheetnames
    assert ("Cases created", 2, "cases") in list(book["Totals"].iter_rows(values_only=True))
    assert book["Daily trend"].max_row == 1 + 7


def test_the_email_shows_the_figures_next_to_the_week_before_and_the_targets(weeks, readers):
    reports.send_periodic_report(period="weekly", today=date(2026, 11, 23))
    body = mail.outbox[0].body
    assert "Cases created: 2 (before: 1, change: +1)" in body
    report = kpis.report(kpis.ReportRequest(start=date(2026, 11, 16), end=date(2026, 11, 22)))
    for target in report["targets"]:
        assert target["label"] in body
    if any(t["met"] is True for t in report["targets"]):
        assert "met" in body
    html = mail.outbox[0].alternatives[0][0]
    assert "Cases created" in html and "+1" in html


def test_the_report_is_sent_once_when_beat_fires_twice(weeks, readers):
    assert reports.send_periodic_report(period="weekly", today=date(2026, 11, 23)) == 3
    assert reports.send_periodic_report(period="weekly", today=date(2026, 11, 24)) == 0
    assert len(mail.outbox) == 3
    delivery = ReportDelivery.objects.get()
    assert (delivery.period, delivery.start, delivery.end) == ("weekly", date(2026, 11, 16), date(2026, 11, 22))
    assert delivery.sent_at is not None
    assert sorted(delivery.recipients) == sorted(user.email for user in readers)


def test_the_monthly_report_is_its_own_and_also_sent_once(weeks, readers):
    assert reports.send_periodic_report(period="weekly", today=date(2026, 11, 23)) == 3
    assert reports.send_periodic_report(period="monthly", today=date(2026, 12, 1)) == 3
    assert reports.send_periodic_report(period="monthly", today=date(2026, 12, 1)) == 0
    monthly = [m for m in mail.outbox if m.attachments[0][0] == "kpis-2026-11-01-2026-11-30.xlsx"]
    assert len(monthly) == 3
    assert "November 2026" in monthly[0].subject
    assert "Cases created: 3 (before: 1, change: +2)" in monthly[0].body
    assert ReportDelivery.objects.count() == 2


def test_after_a_mail_server_failure_only_the_missing_emails_go_out(weeks, readers, monkeypatch):
    manager = readers[0]
    original = EmailMessage.send

    def flaky(self, fail_silently=False):
        if self.to == [manager.email]:
            raise smtplib.SMTPRecipientsRefused({manager.email: (450, b"try later")})
        return original(self, fail_silently)

    monkeypatch.setattr(EmailMessage, "send", flaky)
    assert reports.send_periodic_report(period="weekly", today=date(2026, 11, 23)) == 2
    delivery = ReportDelivery.objects.get()
    assert delivery.sent_at is None and manager.email in delivery.last_error

    monkeypatch.setattr(EmailMessage, "send", original)
    assert reports.send_periodic_report(period="weekly", today=date(2026, 11, 23)) == 1
    assert [m.to for m in mail.outbox].count([manager.email]) == 1
    assert len(mail.outbox) == 3
    assert reports.send_periodic_report(period="weekly", today=date(2026, 11, 23)) == 0
    delivery.refresh_from_db()
    assert delivery.sent_at is not None and delivery.last_error == ""


def test_an_unreachable_mail_server_leaves_no_trace_for_the_retry(weeks, readers, monkeypatch):
    from django.core.mail.backends.locmem import EmailBackend

    def refuse(self):
        raise ConnectionRefusedError("no mail server")

    with monkeypatch.context() as patched:
        patched.setattr(EmailBackend, "open", refuse)
        with pytest.raises(ConnectionRefusedError):
            reports.send_periodic_report(period="weekly", today=date(2026, 11, 23))
    assert not ReportDelivery.objects.exists() and mail.outbox == []
    assert reports.send_periodic_report(period="weekly", today=date(2026, 11, 23)) == 3


def test_two_readers_with_one_address_get_one_email(weeks, manager):
    UserFactory(username="manager-2", role="manager", email=manager.email)
    assert reports.send_periodic_report(period="weekly", today=date(2026, 11, 23)) == 1
    assert [m.to for m in mail.outbox] == [[manager.email]]


def test_nobody_to_send_to_still_marks_the_report_done(weeks, agent):
    assert reports.send_periodic_report(period="weekly", today=date(2026, 11, 23)) == 0
    assert ReportDelivery.objects.get().sent_at is not None


def test_the_report_is_in_the_sites_language(weeks, readers, settings):
    settings.LANGUAGE_CODE = "zh-hans"
    reports.send_periodic_report(period="weekly", today=date(2026, 11, 23))
    message = mail.outbox[0]
    with translation.override("zh-hans"):
        nps = str(kpis.KPI_LABELS["nps"])
        totals = translation.gettext("Totals")
    assert nps == "净推荐值" and nps in message.body
    assert totals in load_workbook(io.BytesIO(message.attachments[0][1])).sheetnames


# --- beat ------------------------------------------------------------------------------------------


def test_the_task_sends_the_report_of_the_week_before_today(weeks, readers):
    assert tasks.send_report("weekly") == 3
    assert mail.outbox[0].attachments[0][0] == "kpis-2026-11-16-2026-11-22.xlsx"
    assert tasks.send_report("weekly") == 0


def test_beat_runs_the_reports_on_monday_and_the_first_at_eight(settings):
    weekly = settings.CELERY_BEAT_SCHEDULE["kpi-report-weekly"]
    monthly = settings.CELERY_BEAT_SCHEDULE["kpi-report-monthly"]
    assert weekly["task"] == monthly["task"] == "analytics.tasks.send_report"
    assert tuple(weekly["args"]) == ("weekly",) and tuple(monthly["args"]) == ("monthly",)
    assert weekly["schedule"] == crontab(hour=8, minute=0, day_of_week="mon")
    assert monthly["schedule"] == crontab(hour=8, minute=0, day_of_month="1")
    assert settings.CELERY_TIMEZONE == settings.TIME_ZONE
