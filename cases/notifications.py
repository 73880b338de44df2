"""Notifications to agents (workbench and email) and to customers (email), through the kernel's outbox.

A notification is a row written in the transaction of the change that caused it, its text
already in the reader's language (``notify_users``, ``notify_customer``). Its email is a kind of the
kernel's outbox (``core.outbox``): ``send_pending`` drains the rows due (the beat task
``cases.tasks.send_notifications``, and at most one on-commit nudge per few seconds), so a broker or
mail server that is down at commit time delays the email but loses nothing. A failed send is tried
again at the next drain, up to ``MAX_ATTEMPTS``; then the row is failed. Delivery is at least once: a
worker killed between the mail server's answer and the commit sends that one email again.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.models import User
from django.core.mail import send_mail
from django.db.models import QuerySet
from django.utils import translation

from cases.models import Case, Notification, NotificationEmail
from core import clock, outbox

MAX_ATTEMPTS = 5
NUDGE_SECONDS = 5

Render = Callable[[], tuple[str, str]]  # called with the reader's language active: (subject, body)


class NotificationOutbox(outbox.OutboxKind[Notification]):
    """The notifications' emails: plain mail from the site's address, tried again at every drain."""

    name = "notification"
    model = Notification
    max_attempts = MAX_ATTEMPTS
    drain_task = "cases.tasks.send_notifications"
    nudge_every = NUDGE_SECONDS  # a burst of changes writes many: one drain per few seconds is enough

    def rows(self) -> QuerySet[Notification]:
        return Notification.objects.exclude(email="")

    def backoff(self, attempts: int) -> timedelta:
        return timedelta(0)  # the next drain (beat, every 30 s) tries it again

    def send(self, row: Notification) -> None:
        send_mail(row.subject, row.body, settings.DEFAULT_FROM_EMAIL, [row.email])


OUTBOX = outbox.register_outbox_kind(NotificationOutbox())


def _render(language: str, render: Render) -> tuple[str, str]:
    with translation.override(language):
        subject, body = render()
    return str(subject)[:200], str(body)


def _email(address: str) -> dict[str, str]:
    """The outbox fields of a new notification: due at once when there is an address to email."""
    status = NotificationEmail.PENDING if address else NotificationEmail.NONE
    return {"email": address, "status": status}


def notify_users(
    *, users: Iterable[User | None], case: Case | None, kind: str, render: Render, at: datetime
) -> list[Notification]:
    """One notification per distinct user (staff read in the site's language)."""
    subject, body = _render(settings.LANGUAGE_CODE, render)
    seen, rows = set(), []
    for user in users:
        if user is None or user.pk in seen:
            continue
        seen.add(user.pk)
        rows.append(
            Notification(
                **_email(user.email or ""),
                user=user,
                case=case,
                kind=kind,
                subject=subject,
                body=body,
                created_at=at,
                next_attempt_at=at,
            )
        )
    created = Notification.objects.bulk_create(rows)
    outbox.nudge_after_commit(OUTBOX, created)
    return created


def notify_customer(*, case: Case, kind: str, render: Render, at: datetime) -> Notification | None:
    """An email to the case's customer in their language; None when they have no email address."""
    customer = case.customer
    if not customer.email:
        return None
    subject, body = _render(customer.language, render)
    row = Notification.objects.create(
        **_email(customer.email), case=case, kind=kind, subject=subject, body=body, created_at=at, next_attempt_at=at
    )
    outbox.nudge_after_commit(OUTBOX, [row])
    return row


def send_pending() -> int:
    """Email the notifications due (oldest first, each at most once per run); returns how many were sent.

    Each email is sent and marked in a transaction of its own (``core.outbox.drain``): a worker that
    dies mid-run leaves at most the one email it was sending to be sent again, never a whole batch.
    Rows are claimed with SKIP LOCKED on PostgreSQL so two workers never send the same one; a failed
    send counts an attempt and is retried on the next run, up to ``MAX_ATTEMPTS``.
    """
    return outbox.drain(OUTBOX)


def mark_read(*, notification: Notification, at: datetime | None = None) -> Notification:
    if notification.read_at is None:
        notification.read_at = at or clock.now()
        notification.save(update_fields=["read_at"])
    return notification
