"""One outbox for everything that leaves the system (DESIGN.md §2).

What goes out — a notification emailed to an agent or a customer, a reply on the customer's channel,
an event posted to the shop's webhook, and next a refund asked of a payment provider, a label asked of
a carrier, a write to a marketplace — is first written as a row in the transaction of the change that
caused it, then delivered and retried by Celery. A broker or a server that is down at commit time
delays the delivery and loses nothing; a rolled-back change sends nothing.

The row
    A model inherits ``OutboxRow`` (abstract): ``status`` (pending, sent, failed), ``attempts``,
    ``next_attempt_at`` (a pending row is due from then; set it to the time the row is written),
    ``last_error`` and ``sent_at``. A model whose words differ says so in two class attributes
    (webhook deliveries are ``"delivered"`` at ``delivered_at``); a model may use status choices of
    its own as long as they hold the outbox's three values. ``idempotency_key`` is what the receiver
    deduplicates by: the same on every attempt and replay.

The kind
    An ``OutboxKind`` subclass supplies only what differs: its ``model``, its ``send(row)`` (raise to
    fail: ``SendFailed`` with the text to record, any other exception is recorded as its type and
    message), the rows it may send (``rows()``), its ``backoff`` and ``max_attempts``, and the names
    of its Celery tasks. ``register_outbox_kind`` makes it known by name (``outbox_kinds()``).

The loop (the same for every kind)
    ``send_one`` claims one due row (``SELECT ... FOR UPDATE SKIP LOCKED``, so two workers never send
    the same row; a plain ``FOR UPDATE`` where the database lacks it: SQLite in ``make run``'s
    embedded mode, which has one writer anyway), sends it and records the outcome in one transaction
    per send: a worker that dies mid-run leaves at most the one row it was sending to be sent again.
    A failure counts an attempt and schedules the next one after ``backoff(attempts)``; after
    ``max_attempts`` the row is failed until someone ``replay``\\ s it (attempts counted from 0
    again, the note of the replay kept in ``last_error``). ``drain`` walks the rows due when it
    started, each at most once per run, so it ends even while sends fail. ``nudge_after_commit``
    queues the kind's task once the writing transaction commits (``transaction.on_commit``): one task
    per row, or one drain per few seconds for a kind that writes bursts; a broker that is down only
    delays the rows until the beat task drains them. Delivery is at least once: a worker killed
    between the receiver's answer and the commit sends that row again, with the same idempotency key.

The kernel imports no app: kinds live in their apps (``cases.notifications``, ``channels_app.replies``,
``channels_app.shop_webhooks``) and their Celery tasks keep their names (the beat schedule uses them).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from typing import Any, ClassVar, Generic, TypeVar

from celery import current_app
from django.core.cache import cache
from django.db import connections, models, transaction
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from core import clock

log = logging.getLogger(__name__)
ERROR_LENGTH = 300


class OutboxStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed (gave up)")


class OutboxRow(models.Model):
    """A row to deliver: what the loop reads and writes. Inherit it; override a field to keep its name."""

    status = models.CharField(_("status"), max_length=10, choices=OutboxStatus.choices, default=OutboxStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    last_error = models.CharField(_("last error"), max_length=ERROR_LENGTH, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    # The status a delivered row gets and the field that holds when: a model whose words differ says so.
    outbox_sent_status: ClassVar[str] = OutboxStatus.SENT
    outbox_sent_at_field: ClassVar[str] = "sent_at"

    class Meta:
        abstract = True

    @property
    def idempotency_key(self) -> str:
        """What the receiver deduplicates by: the same on every attempt and replay of this row."""
        return f"{self._meta.label_lower}:{self.pk}"


Row = TypeVar("Row", bound=OutboxRow)


class SendFailed(Exception):
    """A send that did not go through; its message is what ``last_error`` records."""


def exponential_backoff(attempts: int, *, first: int = 30, cap: int = 3600) -> timedelta:
    """30 s, 1 min, 2 min ... capped at one hour (by default)."""
    return timedelta(seconds=min(first * 2 ** max(attempts - 1, 0), cap))


class OutboxKind(Generic[Row]):
    """One kind of delivery: its model, its ``send`` and its settings; the loop is the kernel's."""

    name: ClassVar[str]
    model: type[Row]
    max_attempts: ClassVar[int] = 5
    # The Celery task that sends one row (called with its id), and the one that drains every due row.
    send_task: ClassVar[str] = ""
    drain_task: ClassVar[str] = ""
    # Seconds: one drain per this many seconds instead of one task per row (kinds that write bursts).
    nudge_every: ClassVar[int | None] = None
    # Fields ``send`` may set besides the outbox's own (saved with the outcome).
    saved_fields: ClassVar[tuple[str, ...]] = ()

    def send(self, row: Row) -> None:
        """Deliver the row; raise when it did not go (``SendFailed`` with the text to record)."""
        raise NotImplementedError

    def rows(self) -> QuerySet[Row]:
        """The rows this kind may send (narrowed by a kind: outbound only, active endpoints ...)."""
        return self.model._default_manager.all()

    def backoff(self, attempts: int) -> timedelta:
        """How long after its ``attempts``-th failure a row is tried again."""
        return exponential_backoff(attempts)

    def describe(self, exc: Exception) -> str:
        return str(exc) if isinstance(exc, SendFailed) else f"{type(exc).__name__}: {exc}"


_KINDS: dict[str, OutboxKind[Any]] = {}

K = TypeVar("K", bound=OutboxKind[Any])


def register_outbox_kind(kind: K) -> K:
    """Make a kind known by its name (one kind per name); returns it, so a module keeps it as a constant."""
    known = _KINDS.get(kind.name)
    if known is not None and type(known) is not type(kind):
        raise ValueError(f"outbox kind {kind.name!r} is registered already")
    _KINDS[kind.name] = kind
    return kind


def outbox_kinds() -> dict[str, OutboxKind[Any]]:
    return dict(_KINDS)


# --- sending --------------------------------------------------------------------------------------


def due(kind: OutboxKind[Row], at: datetime) -> QuerySet[Row]:
    """The kind's pending rows whose attempt is due by ``at``."""
    return kind.rows().filter(status=OutboxStatus.PENDING, next_attempt_at__lte=at)


def _locked(qs: QuerySet[Row]) -> QuerySet[Row]:
    features = connections[qs.db].features
    if not features.has_select_for_update_skip_locked:
        return qs.select_for_update()  # SQLite ignores it: one writer at a time anyway
    if features.has_select_for_update_of:
        return qs.select_for_update(skip_locked=True, of=("self",))  # not the joined rows
    return qs.select_for_update(skip_locked=True)


def _attempt(kind: OutboxKind[Row], row: Row) -> bool:
    """Send a claimed row and record the outcome (inside the caller's transaction)."""
    row.attempts += 1
    fields = ["attempts", "status", "next_attempt_at", "last_error", *kind.saved_fields]
    try:
        kind.send(row)
    except Exception as exc:  # noqa: BLE001 - any failure of the send counts an attempt and is retried
        row.last_error = kind.describe(exc)[:ERROR_LENGTH]
        if row.attempts >= kind.max_attempts:
            row.status, row.next_attempt_at = OutboxStatus.FAILED, None
        else:
            row.next_attempt_at = clock.now() + kind.backoff(row.attempts)
        row.save(update_fields=fields)
        log.warning("%s %s failed (attempt %s): %s", kind.name, row.pk, row.attempts, row.last_error)
        return False
    # last_error keeps the last failure (or the replay's note): the status says it went.
    row.status, row.next_attempt_at = row.outbox_sent_status, None
    setattr(row, row.outbox_sent_at_field, clock.now())
    row.save(update_fields=[*fields, row.outbox_sent_at_field])
    return True


def send_one(kind: OutboxKind[Row], pk: int) -> bool:
    """Send one row if it is pending and due; True when it went.

    Not due yet (a redelivered task does not jump its backoff), sent already, failed, or held by
    another worker right now (skipped, not waited for): False, and nothing is sent.
    """
    with transaction.atomic():
        row = _locked(due(kind, clock.now()).filter(pk=pk)).first()
        if row is None:
            return False
        return _attempt(kind, row)


def drain(kind: OutboxKind[Any], *, limit: int | None = None, page: int = 100) -> int:
    """Send the rows due when the drain started, oldest attempt first; returns how many went.

    Each row is claimed and sent in its own transaction and tried at most once per drain (a failed
    row is rescheduled, a row another worker holds is skipped), so the drain ends even while sends
    fail. ``limit``: at most that many rows tried in this drain (the rest wait for the next one).
    """
    started = clock.now()
    sent, tried = 0, set[int]()
    after: tuple[datetime, int] | None = None
    while True:
        qs = due(kind, started)
        if after is not None:
            qs = qs.filter(Q(next_attempt_at__gt=after[0]) | Q(next_attempt_at=after[0], pk__gt=after[1]))
        rows = list(qs.order_by("next_attempt_at", "pk").values_list("next_attempt_at", "pk")[:page])
        for _at, pk in rows:
            if pk in tried:
                continue  # failed earlier in this drain and rescheduled within it (a backoff of 0)
            if limit is not None and len(tried) >= limit:
                return sent
            tried.add(pk)
            sent += send_one(kind, pk)
        if len(rows) < page:
            return sent
        after = rows[-1]


def replay(kind: OutboxKind[Row], rows: Iterable[Row] | QuerySet[Row], *, note: Callable[[Row], str]) -> list[Row]:
    """Send the chosen rows again, whatever their status: pending, due now, attempts counted from 0.

    ``note(row)`` (who replayed it and what it had been through) goes in front of ``last_error``. A
    row being sent right now (locked) is skipped. The replayed rows are nudged after commit.
    """
    ids = list(rows.values_list("pk", flat=True)) if isinstance(rows, QuerySet) else [row.pk for row in rows]
    if not ids:
        return []
    at = clock.now()
    with transaction.atomic():
        locked = list(_locked(kind.model._default_manager.filter(pk__in=ids)).order_by("pk"))
        for row in locked:
            row.last_error = f"{note(row)} {row.last_error}".strip()[:ERROR_LENGTH]
            row.status, row.attempts, row.next_attempt_at = OutboxStatus.PENDING, 0, at
            row.save(update_fields=["last_error", "status", "attempts", "next_attempt_at"])
        nudge_after_commit(kind, locked)
    return locked


# --- nudging --------------------------------------------------------------------------------------


def nudge_after_commit(kind: OutboxKind[Row], rows: Iterable[Row]) -> None:
    """Queue the kind's task for the pending ``rows`` once the current transaction commits.

    The task is looked up by name in the Celery app (the app's tasks module imports its services,
    never the other way round). A broker that is down is logged, not raised: the beat task sends
    the rows later. A row without an id (a backend whose bulk insert returns none) waits for it too.
    """
    ids = [row.pk for row in rows if row.pk and row.status == OutboxStatus.PENDING]
    if ids:
        transaction.on_commit(lambda: _nudge(kind, ids))


def _nudge(kind: OutboxKind[Any], ids: list[int]) -> None:
    try:
        if kind.nudge_every:
            # One drain per few seconds is enough: a burst of changes must not flood the broker.
            if cache.add(f"outbox:{kind.name}:nudged", 1, timeout=kind.nudge_every):
                current_app.tasks[kind.drain_task].delay()
            return
        task = current_app.tasks[kind.send_task]
        for pk in ids:
            task.delay(pk)
    except Exception:  # noqa: BLE001 - Redis or the broker is down (or no worker task here): beat sends them
        log.warning("Could not queue %s %s; the beat task will send it.", kind.name, ids, exc_info=True)
