"""Celery tasks of channels_app: thin, idempotent, each calls one service and takes ids."""

from __future__ import annotations

import logging
import uuid

from celery import shared_task
from django.core.cache import cache

from channels_app import replies, shop_webhooks
from channels_app.email import receiving
from channels_app.models import EmailInbox

log = logging.getLogger(__name__)
POLL_LOCK_SECONDS = 300


@shared_task(name="channels_app.tasks.poll_inboxes", ignore_result=True)
def poll_inboxes() -> int:
    """Beat: one polling task per active IMAP inbox."""
    ids = list(EmailInbox.objects.filter(active=True).exclude(imap_host="").values_list("pk", flat=True))
    for inbox_id in ids:
        poll_inbox.delay(inbox_id)
    return len(ids)


@shared_task(bind=True, name="channels_app.tasks.poll_inbox", ignore_result=True)
def poll_inbox(self, inbox_id: int) -> dict | str:
    """Poll one inbox; a lock keeps two polls of the same inbox from overlapping (the intake's
    deduplication key would make the overlap harmless, the lock saves the double fetch).

    The lock holds the id of the task that took it. A worker killed in the middle of a poll leaves
    the lock behind; the same task, redelivered (acks_late), takes it over instead of answering
    "busy" until the lock expires (tests/faults/test_worker_faults.py).
    """
    key = f"channels:poll:{inbox_id}"
    owner = self.request.id or uuid.uuid4().hex
    if not cache.add(key, owner, timeout=POLL_LOCK_SECONDS) and cache.get(key) != owner:
        return "busy"
    try:
        inbox = EmailInbox.objects.filter(pk=inbox_id, active=True).first()
        if inbox is None:
            return "gone"
        result = receiving.poll_safely(inbox)
        return result if isinstance(result, str) else result.__dict__
    finally:
        cache.delete(key)


@shared_task(name="channels_app.tasks.deliver_message", ignore_result=True)
def deliver_message(message_id: int) -> bool:
    """Nudged after the commit that wrote the reply (the outbox kind ``reply``): send it if it is due."""
    return replies.deliver(message_id=message_id)


@shared_task(name="channels_app.tasks.deliver_due_messages", ignore_result=True)
def deliver_due_messages() -> int:
    """Beat: send or retry the outbound messages that are due."""
    return replies.deliver_due()


@shared_task(name="channels_app.tasks.deliver_webhook", ignore_result=True)
def deliver_webhook(delivery_id: int) -> bool:
    """Nudged after the commit that wrote the delivery (the outbox kind ``shop_webhook``): send it if due."""
    return shop_webhooks.deliver(delivery_id=delivery_id)


@shared_task(name="channels_app.tasks.deliver_due_webhooks", ignore_result=True)
def deliver_due_webhooks() -> int:
    """Beat: send or retry the webhook deliveries that are due."""
    return shop_webhooks.deliver_due()
