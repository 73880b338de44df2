"""Celery tasks of the cases app: thin, idempotent, each calls one service."""

from __future__ import annotations

from celery import shared_task

from cases import notifications
from cases.sla import clocks as sla
from cases.sla import sweep as sweeping


@shared_task(name="cases.tasks.sweep", ignore_result=True)
def sweep() -> dict:
    """Warn, breach and do the follow-ups that fell due (beat, every SLA_SWEEP_SECONDS)."""
    result = sweeping.sweep()
    return {"breached": result.breached, "warned": result.warned, "follow_ups": result.follow_ups}


@shared_task(name="cases.tasks.send_notifications", ignore_result=True)
def send_notifications() -> int:
    """Email the notifications not sent yet (beat, and nudged after each commit that wrote some)."""
    return notifications.send_pending()


@shared_task(name="cases.tasks.recompute_clocks", ignore_result=True)
def recompute_clocks() -> int:
    """Recompute the due times of every open case after an SLA policy changed."""
    return sla.recompute_open_clocks()
