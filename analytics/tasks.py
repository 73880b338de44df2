"""Celery tasks of the analytics app: thin, idempotent, each calls one service."""

from __future__ import annotations

import smtplib

from celery import shared_task

from analytics import reports, rollups


@shared_task(ignore_result=True)
def refresh_rollups() -> dict:
    """Recompute the facts of changed cases and the daily rows they moved (beat, every 30 s)."""
    return rollups.refresh()


@shared_task(ignore_result=True)
def rebuild_rollups() -> None:
    """Recompute every fact and daily row from the raw rows (beat, nightly: the safety net)."""
    rollups.rebuild_all()


@shared_task(
    ignore_result=True,
    autoretry_for=(smtplib.SMTPException, OSError),
    retry_backoff=60,
    retry_backoff_max=600,  # below the broker's visibility timeout (CELERY_VISIBILITY_TIMEOUT)
    max_retries=24,
)
def send_report(period: str) -> int:
    """Email the weekly or monthly KPI report to the managers (beat); sends each report once, and
    retries for hours while the mail server is down (a retry sends only what is still missing)."""
    return reports.send_periodic_report(period=period)
