"""Celery tasks of the feedback app: thin, idempotent."""

from __future__ import annotations

from celery import shared_task

from feedback import services


@shared_task(name="feedback.tasks.expire_invitations", ignore_result=True)
def expire_invitations() -> int:
    """Beat: mark the survey invitations whose link has run out."""
    return services.expire_due()
