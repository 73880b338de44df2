# ruff: noqa: S608 - the SQL below is built from constants only; values go in as parameters.
"""The Celery side of the channels under faults, with real processes: a worker SIGKILLed in the
middle of polling an IMAP inbox, and Redis restarted while a worker sends the agents' replies.
Every mail must end up as exactly one message on exactly one case with one timeline and one set of
SLA clocks; every reply must reach the mail server exactly once.

The product's processes run on a throwaway copy of the test database, a private redis-server on a
free port, a private Dovecot and an in-process SMTP server (tests/mailservers.py).
"""

from __future__ import annotations

import time

import pytest
import redis as redis_client
from celery import Celery

from tests.faults.servers import PersistentRedis, manage_shell
from tests.mailservers import Dovecot, SmtpSink
from tests.processes import Db, Redis, Worker, wait_for

MAIL = (
    "From: Customer {i} <{tag}-{i}@customer.example.com>\r\nTo: {tag}@service.example.com\r\n"
    "Subject: {tag} {i}: my order arrived broken\r\nMessage-ID: <{tag}-{i}@customer.example.com>\r\n"
    "Date: Wed, 02 Dec 2026 10:00:00 +0800\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
    "The parcel was crushed, the kettle inside is dented. Customer {i}.\r\n"
)

SEED = """
import json, os
from django.contrib.auth import get_user_model
from core.roles import ensure_roles
from cases.services import add_message
from channels_app.email import receiving
from channels_app.models import EmailInbox, Message

tag, count = os.environ["FAULT_TAG"], int(os.environ["FAULT_COUNT"])
inbox = EmailInbox.objects.create(
    code=tag, name="Faults " + tag, address=tag + "@service.example.com",
    imap_host="127.0.0.1", imap_port=int(os.environ.get("IMAP_PORT", "143")), imap_ssl=False,
    imap_user=os.environ.get("IMAP_USER", ""), imap_password=os.environ.get("IMAP_PASSWORD", ""),
    smtp_host="127.0.0.1", smtp_port=int(os.environ.get("SMTP_PORT", "25")), smtp_tls=False,
)
agent = get_user_model().objects.create_user(tag + "-agent", tag + "-agent@example.com", is_staff=True)
agent.groups.add(ensure_roles()["agent"])
for i in range(count):  # mails already taken in, each answered by the agent: one pending reply each
    result = receiving.ingest(inbox=inbox, raw=os.environ["FAULT_MAIL"].format(tag=tag, i=i).encode())
    add_message(case=result.case, actor=agent, text="We are sorry: a new kettle is on its way.", channel="email")
replies = Message.objects.filter(inbox=inbox, direction="out", status="pending").order_by("id")
print(json.dumps({"inbox": inbox.pk, "replies": list(replies.values_list("pk", flat=True))}))
"""

INBOUND = "SELECT {} FROM channels_app_message WHERE inbox_id = %s AND direction = 'in'"
CASES_OF = "SELECT id FROM cases_case WHERE subject LIKE %s"


def send_tasks(broker_url: str, name: str, arguments: list[list]) -> list[str]:
    """Queue tasks as the product does (``.delay``), from outside: returns their ids."""
    app = Celery("faults", broker=broker_url, set_as_current=False)
    try:
        with app.producer_or_acquire() as producer:
            return [app.send_task(name, args=args, producer=producer).id for args in arguments]
    finally:
        app.close()


def wait_ready(worker: Worker) -> None:
    wait_for(lambda: "ready." in worker.log.read_text(errors="replace"), 60, "the worker did not start", worker.log)


def until(check, seconds: float) -> bool:
    """Poll ``check`` every 20 ms (faster than wait_for: the moment to break in is short)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.02)
    return False


def assert_each_mail_taken_in_once(db: Db, *, inbox: int, tag: str, count: int) -> None:
    counts = INBOUND.format("count(*), count(DISTINCT dedupe_key), count(DISTINCT case_id)")
    messages, keys, cases = db.all(counts, inbox)[0]
    assert (messages, keys, cases) == (count, count, count), "messages, distinct mails, cases"
    like = f"{tag} %"
    # No case without its message (a case opened by an attempt that was rolled back would be one).
    assert db.one("SELECT count(*) FROM cases_case WHERE subject LIKE %s", like) == count
    # Every case has the same timeline: nothing recorded twice on the cases a retry went through.
    timelines = db.all(
        "SELECT case_id, string_agg(type, ',' ORDER BY type) FROM cases_caseevent "
        "WHERE case_id IN (" + CASES_OF + ") GROUP BY case_id",
        like,
    )
    assert len(timelines) == count and len({row[1] for row in timelines}) == 1, timelines[:3]
    # And one SLA clock of each kind per case.
    clocks = db.all(
        "SELECT case_id, kind, count(*) FROM cases_slaclock WHERE case_id IN (" + CASES_OF + ") GROUP BY 1, 2",
        like,
    )
    assert clocks and all(row[2] == 1 for row in clocks), [row for row in clocks if row[2] != 1][:5]
    assert len({row[0] for row in clocks}) == count


@pytest.mark.slow
@pytest.mark.django_db  # only so pytest-django sets up the test database that product_copy copies
def test_a_worker_killed_in_the_middle_of_a_mail_poll_is_redelivered_and_nothing_is_lost_or_doubled(
    product_copy, tmp_path
):
    name, url = product_copy
    tag, count = "kill", 50  # 50: one poll's batch (receiving.FETCH_BATCH)
    redis, db, workers = Redis(tmp_path), Db(name), []
    with Dovecot() as imap:
        try:
            redis.start()
            for i in range(count):
                imap.append(MAIL.format(tag=tag, i=i).encode())
            variables = {"IMAP_PORT": str(imap.port), "IMAP_USER": imap.user, "IMAP_PASSWORD": imap.password}
            seed = manage_shell(SEED, url, tmp_path, FAULT_TAG=tag, FAULT_COUNT="0", FAULT_MAIL=MAIL, **variables)
            first = Worker(tmp_path, url, redis.url, "w1")
            workers.append(first)
            wait_ready(first)
            [task_id] = send_tasks(redis.url, "channels_app.tasks.poll_inbox", [[seed["inbox"]]])

            taken = INBOUND.format("count(*)")
            assert until(lambda: db.one(taken, seed["inbox"]) >= 3, 30), "the worker never started the poll"
            first.kill()  # SIGKILL to the worker's whole process group: no clean-up runs, no ack is sent
            at_kill = db.one(taken, seed["inbox"])
            assert at_kill < count, "the kill came after the poll had finished"
            print(f"killed with {at_kill} of {count} mails taken in")

            # The task is still Redis's: unacknowledged, held for the dead worker.
            broker = redis_client.Redis(port=redis.port)
            held = [key for key, body in broker.hgetall("unacked").items() if task_id.encode() in body]
            assert len(held) == 1, "the killed task is not held as unacknowledged"
            # Redis hands such a message to another worker once the visibility timeout (one hour by
            # default) has passed since delivery; the test moves the delivery an hour back instead of waiting.
            broker.zadd("unacked_index", {held[0]: time.time() - 3600 - 60})
            broker.close()

            second = Worker(tmp_path, url, redis.url, "w2")
            workers.append(second)
            done = f"channels_app.tasks.poll_inbox[{task_id}] succeeded"
            wait_for(lambda: done in second.log.read_text(errors="replace"), 60, "not redelivered", second.log)
            report = second.log.read_text(errors="replace").split(done, 1)[1].splitlines()[0]
            print("the redelivered poll:", report)
            assert "'fetched'" in report, report  # it polled (not "busy": the dead worker's lock is taken over)
            assert_each_mail_taken_in_once(db, inbox=seed["inbox"], tag=tag, count=count)
            assert all(message.seen for message in imap.list_messages()), "a mail was left unread in the inbox"
            assert "Traceback" not in second.log.read_text(errors="replace")
        finally:
            for worker in workers:
                worker.kill()
            redis.stop()
            db.conn.close()


@pytest.mark.slow
@pytest.mark.django_db
def test_a_redis_restart_while_replies_are_being_sent_loses_and_doubles_nothing(product_copy, tmp_path):
    name, url = product_copy
    tag, count, before = "restart", 40, 30
    redis, db, worker = PersistentRedis(tmp_path), Db(name), None
    with SmtpSink() as smtp:
        try:
            redis.start()
            worker = Worker(tmp_path, url, redis.url, "w3")  # starts while the seed runs
            seed = manage_shell(
                SEED,
                url,
                tmp_path,
                FAULT_TAG=tag,
                FAULT_COUNT=str(count),
                FAULT_MAIL=MAIL,
                SMTP_PORT=str(smtp.port),
                CELERY_BROKER_URL="memory://",  # the seed's own after-commit nudges go nowhere
            )
            replies = seed["replies"]
            assert len(replies) == count
            wait_ready(worker)
            # The after-commit nudges of the first replies, queued at once: the worker works through them.
            queued = send_tasks(redis.url, "channels_app.tasks.deliver_message", [[pk] for pk in replies[:before]])
            assert until(lambda: len(smtp.messages) >= 3, 30), "the worker never started sending"
            redis.stop()
            at_stop = len(smtp.messages)
            assert at_stop < before, "Redis stopped after the queue was done"
            time.sleep(2)
            assert worker.alive(), "the worker must survive a broker outage"
            redis.start()  # the same data folder: what was queued is read back from the append-only file
            send_tasks(redis.url, "channels_app.tasks.deliver_message", [[pk] for pk in replies[before:]])
            sent = "SELECT count(*) FROM channels_app_message WHERE id = ANY(%s) AND status = 'sent'"
            wait_for(lambda: db.one(sent, replies) == count, 60, "replies were lost", worker.log)
            time.sleep(1)  # a late duplicate would arrive now
            print(f"Redis stopped with {at_stop} of {before} queued replies sent")
            # Each task queued before the stop reached the worker (read back from the append-only
            # file), rather than its reply waiting for the beat's retry sweep.
            # A task the worker had reserved when the connection dropped stays in Redis' unacked
            # set, handed out again after the visibility timeout: held, not lost.
            log = worker.log.read_text(errors="replace")
            held = " ".join(
                str(v) for v in redis_client.Redis.from_url(redis.url).hvals("unacked")
            )  # fmt: skip
            lost = [
                task for task in queued if f"channels_app.tasks.deliver_message[{task}]" not in log and task not in held
            ]
            assert not lost, f"{len(lost)} queued tasks neither reached the worker nor wait in Redis"

            ids = [message.message["Message-ID"].strip() for message in smtp.messages]
            assert len(ids) == count and len(set(ids)) == count, "a reply reached the mail server twice"
            external = db.all("SELECT '<' || external_id || '>' FROM channels_app_message WHERE id = ANY(%s)", replies)
            assert set(ids) == {row[0] for row in external}
            assert db.one("SELECT max(attempts) FROM channels_app_message WHERE id = ANY(%s)", replies) == 1
            assert_each_mail_taken_in_once(db, inbox=seed["inbox"], tag=tag, count=count)
        finally:
            if worker is not None:
                worker.kill()
            redis.stop()
            db.conn.close()
