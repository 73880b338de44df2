"""Notifications to agents (workbench and email) and to customers (email), through an outbox.

A notification is a row written in the transaction of the change that caused it, its text
already in the reader's language. ``send_pending`` emails the unsent ones afterwards (the beat
task ``cases.tasks.send_notifications`` and an on-commit nudge), so a broker or mail server that
is down at commit time delays the email but loses nothing. Delivery is at least once: a worker
killed between the mail server's answer and the commit sends that one email again.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from datetime import datetime

from django.conf import settings
from django.core.cache import cache
from django.core.mail import send_mail
from django.db import connection, transaction
from django.utils import translation

from cases.models import Case, Notification
from core import clock

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 5
NUDGE_KEY, NUDGE_SECONDS = "cases:notifications-nudged", 5

Render = Callable[[], tuple[str, str]]  # called with the reader's language active: (subject, body)


def _render(language: str, render: Render) -> tuple[str, str]:
    with translation.override(language):
        subject, body = render()
    return str(subject)[:200], str(body)


def notify_users(*, users: Iterable, case: Case | None, kind: str, render: Render, at: datetime) -> list[Notification]:
    """One notification per distinct user (staff read in the site's language)."""
    subject, body = _render(settings.LANGUAGE_CODE, render)
    seen, rows = set(), []
    for user in users:
        if user is None or user.pk in seen:
            continue
        seen.add(user.pk)
        rows.append(
            Notification(
                user=user, email=user.email or "", case=case, kind=kind, subject=subject, body=body, created_at=at
            )
        )
    created = Notification.objects.bulk_create(rows)
    _nudge_after_commit(created)
    return created


def notify_customer(*, case: Case, kind: str, render: Render, at: datetime) -> Notification | None:
    """An email to the case's customer in their language; None when they have no email address."""
    customer = case.customer
    if not customer.email:
        return None
    subject, body = _render(customer.language, render)
    row = Notification.objects.create(
        email=customer.email, case=case, kind=kind, subject=subject, body=body, created_at=at
    )
    _nudge_after_commit([row])
    return row


def _nudge_after_commit(rows: list[Notification]) -> None:
    if not any(r.email for r in rows):
        return

    def nudge():
        from cases.tasks import send_notifications  # the tasks module imports this one

        try:
            # One nudge per few seconds is enough: a burst of changes must not flood the broker.
            if cache.add(NUDGE_KEY, 1, timeout=NUDGE_SECONDS):
                send_notifications.delay()
        except Exception:  # Redis or the broker is down: the beat task sends them later
            log.warning("Could not queue send_notifications; the next beat run will send them.", exc_info=True)

    transaction.on_commit(nudge)


def send_pending() -> int:
    """Email the unsent notifications (oldest first); returns how many were sent.

    Each email is sent and marked in a transaction of its own: a worker that dies mid-run leaves
    at most the one email it was sending to be sent again, never a whole batch. Rows are locked
    with SKIP LOCKED on PostgreSQL so two workers never send the same one; a failed send counts an
    attempt and is retried on the next run, up to ``MAX_ATTEMPTS``.
    """
    sent, tried = 0, set()
    while True:
        with transaction.atomic():
            qs = (
                Notification.objects.filter(sent_at__isnull=True, attempts__lt=MAX_ATTEMPTS)
                .exclude(email="")
                .exclude(pk__in=tried)
            )
            if connection.features.has_select_for_update_skip_locked:
                qs = qs.select_for_update(skip_locked=True)
            row = qs.order_by("created_at", "id").first()
            if row is None:
                return sent
            tried.add(row.pk)
            row.attempts += 1
            try:
                send_mail(row.subject, row.body, settings.DEFAULT_FROM_EMAIL, [row.email])
            except Exception as exc:  # noqa: BLE001 - any transport error is retried later
                row.last_error = f"{type(exc).__name__}: {exc}"[:300]
                row.save(update_fields=["attempts", "last_error"])
                continue
            row.sent_at = clock.now()
            row.save(update_fields=["attempts", "sent_at"])
            sent += 1


def mark_read(*, notification: Notification, at: datetime | None = None) -> Notification:
    if notification.read_at is None:
        notification.read_at = at or clock.now()
        notification.save(update_fields=["read_at"])
    return notification
