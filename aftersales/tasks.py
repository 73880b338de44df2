"""Project-level tasks: the heartbeat shows that beat and a worker are alive."""

from celery import shared_task
from django.core.cache import cache
from django.utils import timezone

HEARTBEAT_KEY = "aftersales:worker-heartbeat"


@shared_task(name="aftersales.tasks.heartbeat", ignore_result=True)
def heartbeat() -> str:
    """Record when a worker last ran a beat-scheduled task; /healthz reports it."""
    now = timezone.now().isoformat()
    cache.set(HEARTBEAT_KEY, now, timeout=None)
    return now
