"""Celery tasks of the privacy app: thin, idempotent, each calls one service."""

from __future__ import annotations

from celery import shared_task

from privacy import services


@shared_task(name="privacy.tasks.purge_attachments", ignore_result=True)
def purge_attachments() -> dict:
    """Delete the attachments kept longer than ATTACHMENT_RETENTION_DAYS after their case ended
    (beat, daily). A second run the same day finds nothing more to delete."""
    result = services.purge_attachments()
    return {"attachments": result.attachments, "cases": result.cases}


@shared_task(name="privacy.tasks.purge_audit_log", ignore_result=True)
def purge_audit_log() -> dict:
    """Delete the audit rows older than AUDIT_LOG_RETENTION_DAYS, in batches, keeping the erasure
    rows (beat, daily). A second run the same day finds nothing more to delete."""
    return {"deleted": services.purge_audit_log()}
