"""The kernel's outbox (core.outbox) through one real kind: customer replies by email
(``channels_app.replies``), on real PostgreSQL, sent to a mail backend of this module.

Who may break it: two workers draining at once (SKIP LOCKED: each row is sent once, a held row is
skipped, not waited for), a mail server that refuses (an attempt counted, the error kept, the next try
after the backoff, failed after the last attempt), an operator replaying a failed row, a broker that is
down when the writing transaction commits.
"""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.db import connection

from cases import notifications
from cases import tasks as case_tasks
from cases.models import Notification
from channels_app import replies, tasks
from channels_app.models import DeliveryStatus, Message
from core import clock, outbox
from tests.accounts.factories import UserFactory

BACKEND = "tests.core.test_outbox.RecordingBackend"


class RecordingBackend:
    """A mail backend that records whom it sent to; ``down@`` is refused, ``slow@`` waits for ``release``."""

    sent: list[str] = []
    lock = threading.Lock()
    entered = threading.Event()  # the slow send has started (its row is locked)
    release = threading.Event()
    pause = 0.0  # seconds every send takes

    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        for message in messages:
            (to,) = message.to
            if to.startswith("down@"):
                raise ConnectionRefusedError("connection refused by the mail server")
            if to.startswith("slow@"):
                RecordingBackend.entered.set()
                assert RecordingBackend.release.wait(10)
            if RecordingBackend.pause:
                threading.Event().wait(RecordingBackend.pause)
            with RecordingBackend.lock:
                RecordingBackend.sent.append(to)
        return len(messages)


@pytest.fixture
def backend(settings):
    settings.EMAIL_BACKEND = BACKEND
    RecordingBackend.sent = []
    RecordingBackend.entered.clear()
    RecordingBackend.release.clear()
    RecordingBackend.pause = 0.0
    yield RecordingBackend
    RecordingBackend.release.set()


def reply(to: str, *, at=None) -> Message:
    """A pending email reply, as ``replies.queue_reply`` writes it (no inbox: the site's sender)."""
    at = at or clock.now()
    return Message.objects.create(
        direction="out",
        channel="email",
        recipient=to,
        subject="Re: your request",
        text="Answer",
        external_id=f"{to}.reply@example.cn",
        status=DeliveryStatus.PENDING,
        next_attempt_at=at,
        created_at=at,
    )


@pytest.fixture
def frozen(monkeypatch):
    """The product's clock stands still (``core.clock`` is the one place it reads the time)."""
    at = clock.now()
    monkeypatch.setattr(clock, "now", lambda: at)
    return at


def later(monkeypatch, seconds: float) -> None:
    moved = clock.now() + timedelta(seconds=seconds)
    monkeypatch.setattr(clock, "now", lambda: moved)


def in_thread(target, results: dict, name: str) -> threading.Thread:
    def run():
        try:
            results[name] = target()
        finally:
            connection.close()  # each thread had a database connection of its own

    thread = threading.Thread(target=run)
    thread.start()
    return thread


# --- two workers ----------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_row_one_worker_holds_is_skipped_by_the_other_and_sent_once(backend):
    held = reply("slow@example.cn")
    others = [reply(f"c{n}@example.cn") for n in range(3)]
    results: dict[str, object] = {}
    first = in_thread(lambda: replies.deliver(message_id=held.pk), results, "first")
    assert backend.entered.wait(5), "the first worker is sending (its row locked)"
    second = in_thread(lambda: outbox.drain(replies.OUTBOX), results, "second")
    second.join(5)
    assert not second.is_alive(), "the second worker did not wait for the locked row"
    assert results["second"] == 3
    assert sorted(backend.sent) == sorted(m.recipient for m in others)
    backend.release.set()
    first.join(5)
    assert results["first"] is True
    assert sorted(backend.sent) == sorted(m.recipient for m in [held, *others])
    assert set(Message.objects.values_list("status", "attempts")) == {(DeliveryStatus.SENT, 1)}
    assert outbox.drain(replies.OUTBOX) == 0


@pytest.mark.django_db(transaction=True)
def test_two_workers_draining_at_once_send_each_row_once(backend):
    rows = [reply(f"c{n}@example.cn") for n in range(12)]
    backend.pause = 0.05  # both are still draining while the other claims
    results: dict[str, object] = {}
    workers = [in_thread(lambda: outbox.drain(replies.OUTBOX), results, name) for name in ("a", "b")]
    for worker in workers:
        worker.join(20)
    assert sorted(backend.sent) == sorted(m.recipient for m in rows), "each row once"
    assert results["a"] + results["b"] == 12
    assert Message.objects.filter(status=DeliveryStatus.SENT, attempts=1).count() == 12


# --- failures, backoff, giving up, replay ---------------------------------------------------------


@pytest.mark.django_db
def test_a_failing_send_backs_off_and_records_the_error(backend, monkeypatch, frozen):
    row = reply("down@example.cn")
    assert replies.deliver(message_id=row.pk) is False
    row.refresh_from_db()
    assert (row.status, row.attempts, row.sent_at) == (DeliveryStatus.PENDING, 1, None)
    assert row.last_error == "ConnectionRefusedError: connection refused by the mail server"
    assert row.next_attempt_at == clock.now() + timedelta(seconds=30)

    assert replies.deliver(message_id=row.pk) is False, "not due yet"
    assert outbox.drain(replies.OUTBOX) == 0
    row.refresh_from_db()
    assert row.attempts == 1, "nothing is tried before its time"

    later(monkeypatch, 31)
    assert outbox.drain(replies.OUTBOX) == 0
    row.refresh_from_db()
    assert row.attempts == 2 and row.next_attempt_at == clock.now() + timedelta(seconds=60)


@pytest.mark.django_db
def test_after_the_last_attempt_the_row_is_failed_and_nothing_more_is_sent(backend, monkeypatch, frozen):
    row = reply("down@example.cn")
    waits = []
    for _attempt in range(replies.MAX_ATTEMPTS):
        assert outbox.drain(replies.OUTBOX) == 0
        row.refresh_from_db()
        if row.next_attempt_at is not None:
            waits.append(round((row.next_attempt_at - clock.now()).total_seconds()))
            later(monkeypatch, waits[-1] + 1)
    assert (row.status, row.attempts, row.next_attempt_at) == (DeliveryStatus.FAILED, replies.MAX_ATTEMPTS, None)
    assert waits == [30, 60, 120, 240, 480, 960, 1920]
    later(monkeypatch, 7200)
    assert outbox.drain(replies.OUTBOX) == 0 and replies.deliver(message_id=row.pk) is False
    row.refresh_from_db()
    assert row.attempts == replies.MAX_ATTEMPTS


@pytest.mark.django_db
def test_replay_sends_a_failed_row_again_and_keeps_what_it_went_through(backend, monkeypatch, frozen):
    row = reply("down@example.cn")
    Message.objects.filter(pk=row.pk).update(
        status=DeliveryStatus.FAILED, attempts=8, next_attempt_at=None, last_error="ConnectionRefusedError: no"
    )
    nudged = []
    monkeypatch.setattr(tasks.deliver_message, "delay", nudged.append)
    Message.objects.filter(pk=row.pk).update(recipient="back@example.cn")  # the address was fixed

    (replayed,) = outbox.replay(replies.OUTBOX, Message.objects.filter(pk=row.pk), note=lambda r: "Replayed.")
    replayed.refresh_from_db()
    assert (replayed.status, replayed.attempts, replayed.next_attempt_at) == ("pending", 0, clock.now())
    assert replayed.last_error == "Replayed. ConnectionRefusedError: no"
    assert replies.deliver(message_id=row.pk) is True
    assert backend.sent == ["back@example.cn"]
    replayed.refresh_from_db()
    assert replayed.status == DeliveryStatus.SENT and replayed.attempts == 1
    assert replayed.last_error.startswith("Replayed."), "the history stays; the status says it went"


@pytest.mark.django_db
def test_a_drain_walks_the_due_rows_in_pages_and_skips_those_not_due(backend):
    due = [reply(f"c{n}@example.cn") for n in range(5)]
    reply("future@example.cn", at=clock.now() + timedelta(minutes=5))
    assert outbox.drain(replies.OUTBOX, page=2) == 5
    assert sorted(backend.sent) == sorted(m.recipient for m in due)
    assert outbox.drain(replies.OUTBOX, limit=1) == 0


@pytest.mark.django_db
def test_a_drain_with_a_limit_leaves_the_rest_for_the_next_one(backend):
    for n in range(3):
        reply(f"c{n}@example.cn", at=clock.now() - timedelta(seconds=3 - n))
    assert outbox.drain(replies.OUTBOX, limit=2) == 2
    assert backend.sent == ["c0@example.cn", "c1@example.cn"], "oldest due first"
    assert outbox.drain(replies.OUTBOX, limit=2) == 1


# --- nudging after commit -------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_nudge_queues_one_task_per_pending_row_after_commit(monkeypatch, django_capture_on_commit_callbacks):
    nudged = []
    monkeypatch.setattr(tasks.deliver_message, "delay", nudged.append)
    with django_capture_on_commit_callbacks(execute=True):
        pending = reply("c1@example.cn")
        read_in_chat = Message.objects.create(
            direction="out", channel="chat", status=DeliveryStatus.SENT, created_at=clock.now()
        )
        outbox.nudge_after_commit(replies.OUTBOX, [pending, read_in_chat])
        assert nudged == [], "not before the commit"
    assert nudged == [pending.pk]


@pytest.mark.django_db
def test_a_broker_that_is_down_at_commit_loses_nothing(
    backend, monkeypatch, caplog, django_capture_on_commit_callbacks
):
    def broker_down(*args, **kwargs):
        raise ConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(tasks.deliver_message, "delay", broker_down)
    with django_capture_on_commit_callbacks(execute=True):
        row = reply("c1@example.cn")
        outbox.nudge_after_commit(replies.OUTBOX, [row])
    assert "the beat task will send it" in caplog.text
    assert outbox.drain(replies.OUTBOX) == 1 and backend.sent == ["c1@example.cn"]


@pytest.mark.django_db
def test_a_kind_that_writes_bursts_is_drained_once_per_window(monkeypatch, django_capture_on_commit_callbacks):
    drains = []
    monkeypatch.setattr(case_tasks.send_notifications, "delay", lambda: drains.append(1))
    cache.delete(f"outbox:{notifications.OUTBOX.name}:nudged")
    users = [UserFactory(email=f"u{n}@example.cn") for n in range(3)] + [UserFactory(email="")]
    with django_capture_on_commit_callbacks(execute=True):
        for user in users:
            notifications.notify_users(
                users=[user], case=None, kind="revisit", render=lambda: ("Revisit", "Call back"), at=clock.now()
            )
    assert drains == [1], "three notifications to email, one drain"
    statuses = sorted(Notification.objects.values_list("status", flat=True))
    assert statuses == ["none", "pending", "pending", "pending"]


# --- the registry ---------------------------------------------------------------------------------


def test_every_outbox_of_the_product_is_a_registered_kind():
    kinds = outbox.outbox_kinds()
    assert {"notification", "reply", "shop_webhook"} <= set(kinds)
    assert kinds["reply"] is replies.OUTBOX
    assert kinds["shop_webhook"].send_task == "channels_app.tasks.deliver_webhook"


def test_a_second_kind_under_a_taken_name_is_refused():
    class Impostor(outbox.OutboxKind[Message]):
        name = "reply"
        model = Message

    with pytest.raises(ValueError, match="registered already"):
        outbox.register_outbox_kind(Impostor())
    assert outbox.outbox_kinds()["reply"] is replies.OUTBOX
