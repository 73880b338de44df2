"""Benchmark of the channel intake: inbound messages per second through the email and social webhooks.

    make bench                       # creates and migrates the database aftersales_bench, runs this last
    DEBUG=1 DATABASE_URL=postgres://postgres@127.0.0.1:5432/aftersales_bench \\
        .venv/bin/python benchmarks/channels_intake.py [--count 1000] [--rounds 2] [--threads 4]

A real gunicorn (sync workers, one per core, on 127.0.0.1 and a free port) serves the product with
``benchmarks.bench_settings``, which adds ``POST /bench/noop/``: a view that reads the body and
answers 202, behind the same server, middleware and HTTP stack as the webhooks. A few client
threads post over ``http.client``:

* no-op POSTs carrying the same email bodies (the baseline: server, HTTP, Django, nothing else);
* signed raw emails: about 60 % from new senders (a new customer and case each), 30 % replies
  from a case's own customer with the case number in the subject, 10 % auto-replies (stored,
  ignored); a few KB each, half with an HTML part, some with a small attachment;
* signed social messages (console adapter): half from new senders, half from known ones who
  have an open case;
* 200 emails sent again (the duplicate path).

Rounds repeat (no-op, email, social; ...; no-op again) so machine noise shows as the spread
between rounds. Each round reports messages per second, p50 / p95 latency and errors; any answer
other than 2xx, or an answer that contradicts what the message should do (a reply that opens a
case, a resend that is not a duplicate), is printed and makes the script exit 1. Then one request
of each kind is profiled in-process (Django's test client, cProfile) to say where the time goes.
The results go to the "Channel intake" section of docs/performance.md.

Celery's broker is ``memory://`` for the server and this process, so an on-commit nudge, if any,
lands in an in-process queue nobody reads instead of a real worker's queue. The benchmark adds
customers and cases to its database, so it runs only on one whose name ends in ``_bench``.
"""

from __future__ import annotations

import argparse
import atexit
import cProfile
import http.client
import json
import os
import pstats
import random
import re
import shutil
import statistics
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import format_datetime, formatdate
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
SETTINGS = "benchmarks.bench_settings"
os.environ["DJANGO_SETTINGS_MODULE"] = SETTINGS
os.environ.setdefault("DEBUG", "1")  # only so the settings skip the production checks
# Never a real broker: whatever the environment says, nudges go to an in-process queue.
os.environ["CELERY_BROKER_URL"] = "memory://"
# Attachments, the file cache and the like go to a directory of this run, not to data/.
if "DATA_DIR" not in os.environ:
    os.environ["DATA_DIR"] = tempfile.mkdtemp(prefix="aftersales-bench-intake-")
    atexit.register(shutil.rmtree, os.environ["DATA_DIR"], ignore_errors=True)

import django  # noqa: E402

from benchmarks.benchserver import (  # noqa: E402
    Gunicorn,
    cpu_model,
    percentile,
    refuse_unless_bench_database,
    run_clients,
    say,
    write_report,
)

django.setup()

from django.db import connection, connections  # noqa: E402
from django.test import Client  # noqa: E402
from django.urls import reverse  # noqa: E402
from django.utils import timezone  # noqa: E402

from cases.models import Case, Customer, Notification  # noqa: E402
from channels_app import signing  # noqa: E402
from channels_app.models import Direction, EmailInbox, Message, SocialAccount, WebhookDelivery  # noqa: E402

INBOX_CODE = "bench-intake"
SOCIAL_CODE = "bench-social"
DOMAIN = "bench-intake.example"  # senders of this benchmark only: never a customer of the other benchmarks
SOCIAL_POOL = 100  # known social senders, each with an open case
IEXACT_ROWS = 250_000  # customers for the cost of the new-sender lookup (sla_sweep.py's fill has as many)

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = ["芳", "伟", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明"]
ENGLISH = ["Emma", "Liam", "Olivia", "Noah", "Ava", "Lucas", "Mia", "Ethan", "Chloe", "Leo"]
COMPLAINTS = [
    "你好，我上周买的运动鞋穿了三天鞋底就开胶了，想问一下可以退货或者换一双吗？",
    "快递显示已经签收，但是我并没有收到包裹，麻烦帮忙查一下物流。",
    "收到的衣服尺码不对，我下单的是 M 码，寄来的是 XL 码，请问怎么换？",
    "The kettle I ordered stopped working after two days: it does not heat any more. Can I get a replacement?",
    "耳机左边没有声音，已经按说明书重置过了，还是不行。",
    "I was charged twice for the same order, please refund one of the payments.",
    "包装破损，里面的杯子碎了两个，照片在附件里。",
    "The colour of the sofa cover is very different from the pictures on the website. I would like to return it.",
]
FOLLOW_UPS = [
    "补充一下：我是在 2026-11-20 下的单，付款方式是支付宝。",
    "I can send more photos if you need them. I am at home every afternoon this week.",
    "麻烦尽快处理，谢谢！如果需要寄回，请告诉我地址。",
    "Thank you for the quick answer. I have printed the return label and will drop the parcel tomorrow.",
]
FILLER = (
    "商品编号和批次都在鞋盒侧面的标签上，我已经拍了照片。之前在你们店里买过很多次，这是第一次遇到这种问题。"
    "希望能给一个满意的处理方案，比如换货或者退款都可以接受。 "
    "Order details, delivery address and phone number are the same as on my account. "
)
SIGNATURE = "\n\n-- \n{name}\n手机 / Mobile: +86 138 0013 {n:04d}\nSent from my phone\n"
AUTO_SUBJECTS = ["自动回复: {s}", "Automatic reply: {s}", "Out of office: {s}", "休假中: {s}"]


# --- the messages ------------------------------------------------------------------------------------


@dataclass
class Shot:
    """One POST: what to send and what the answer must say."""

    kind: str  # noop, email-new, email-reply, email-auto, email-duplicate, social-new, social-known, seed-*
    path: str
    body: bytes
    content_type: str
    secret: str
    expect_case: str | None = None  # the case a reply must land on
    key: str = ""  # sender (or message) this shot is about, for the seeding


@dataclass
class Outcome:
    status: int
    seconds: float
    body: bytes


@dataclass
class Round:
    label: str
    kind: str  # noop, email, social, duplicate, seed
    shots: list[Shot]
    outcomes: list[Outcome | None] = field(default_factory=list)
    seconds: float = 0.0
    locks: dict = field(default_factory=dict)

    @property
    def rate(self) -> float:
        return len(self.shots) / self.seconds if self.seconds else 0.0


def person(rng: random.Random, n: int) -> str:
    if rng.random() < 0.7:
        return rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(["", *GIVEN])
    return f"{rng.choice(ENGLISH)} {rng.choice(['Smith', 'Chen', 'Brown', 'Wang', 'Lee'])} {n}"


def text_of(rng: random.Random, first: str, size: int, name: str, n: int) -> str:
    """A body of about ``size`` bytes in UTF-8: the message, a few details, a signature."""
    parts, length = [first], len(first.encode())
    while length < size:
        piece = rng.choice([*FOLLOW_UPS, FILLER])
        parts.append(piece)
        length += len(piece.encode())
    return "\n\n".join(parts) + SIGNATURE.format(name=name, n=n)


def attachment(rng: random.Random) -> tuple[str, str, bytes]:
    """A small photo or PDF (8-40 KB): the right magic bytes, so the intake's sniffing sees a real type."""
    size = rng.randint(8, 40) * 1024
    if rng.random() < 0.7:
        name = f"IMG_{rng.randint(1, 9999):04d}.jpg"
        return name, "image/jpeg", b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + rng.randbytes(size)
    return "receipt.pdf", "application/pdf", b"%PDF-1.4\n" + rng.randbytes(size) + b"\n%%EOF\n"


def raw_email(
    rng: random.Random,
    *,
    sender: str,
    to: str,
    subject: str,
    text: str,
    message_id: str,
    in_reply_to: str = "",
    headers: dict | None = None,
    files: list[tuple[str, str, bytes]] = (),
) -> bytes:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = to
    msg["Subject"] = subject
    msg["Date"] = format_datetime(timezone.now())
    msg["Message-ID"] = message_id
    if in_reply_to:
        msg["In-Reply-To"] = in_reply_to
        msg["References"] = in_reply_to
    for name, value in (headers or {}).items():
        msg[name] = value
    msg.set_content(text)
    if rng.random() < 0.5:
        paragraphs = "".join(f"<p>{line}</p>" for line in text.split("\n\n"))
        msg.add_alternative(
            f'<html><body><div style="font-family: sans-serif">{paragraphs}</div>'
            '<img src="https://tracker.example/pixel.gif" width="1" height="1"></body></html>',
            subtype="html",
        )
    for filename, content_type, content in files:
        maintype, subtype = content_type.split("/", 1)
        msg.add_attachment(content, maintype=maintype, subtype=subtype, filename=filename)
    return msg.as_bytes()


class Mailbag:
    """Builds the emails and social payloads of one run (its own senders and message ids)."""

    def __init__(self, *, run: str, inbox: EmailInbox, account: SocialAccount, seed: int = 7):
        self.run, self.inbox, self.account = run, inbox, account
        self.rng = random.Random(seed)
        self.n = 0
        self.email_path = reverse("channels:email-inbound", args=[inbox.code])
        self.social_path = reverse("channels:social-webhook", args=[account.code])

    def _next(self) -> int:
        self.n += 1
        return self.n

    def _sender(self, n: int) -> tuple[str, str]:
        name = person(self.rng, n)
        return name, f"c{self.run}-{n}@{DOMAIN}"

    def _email(self, kind: str, raw: bytes, *, expect_case: str | None = None, key: str = "") -> Shot:
        return Shot(kind, self.email_path, raw, "message/rfc822", self.inbox.webhook_secret, expect_case, key)

    def new_email(self, kind: str = "email-new") -> Shot:
        n = self._next()
        name, address = self._sender(n)
        first = self.rng.choice(COMPLAINTS)
        subject = first.split("，")[0].split(":")[0][:40]
        files = [attachment(self.rng)] if self.rng.random() < 0.15 else []
        raw = raw_email(
            self.rng,
            sender=f"{name} <{address}>",
            to=self.inbox.address,
            subject=subject,
            text=text_of(self.rng, first, self.rng.randint(1500, 4000), name, n),
            message_id=f"<m{self.run}-{n}@{DOMAIN}>",
            files=files,
        )
        shot = self._email(kind, raw, key=f"{name} <{address}>|{subject}|<m{self.run}-{n}@{DOMAIN}>")
        return shot

    def reply(self, *, case_number: str, opened_by: str) -> Shot:
        """A reply from the case's customer: the case number in the subject, the first mail quoted."""
        n = self._next()
        sender, subject, first_id = opened_by.split("|")
        name = sender.split(" <")[0]
        quoted = "\n".join("> " + line for line in text_of(self.rng, subject, 800, name, n).splitlines())
        text = (
            text_of(self.rng, self.rng.choice(FOLLOW_UPS), self.rng.randint(600, 2000), name, n)
            + f"\n\n在 {formatdate(localtime=True)}，{self.inbox.address} 写道：\n"
            + quoted
        )
        raw = raw_email(
            self.rng,
            sender=sender,
            to=self.inbox.address,
            subject=f"Re: [{case_number}] {subject}",
            text=text,
            message_id=f"<r{self.run}-{n}@{DOMAIN}>",
            in_reply_to=first_id,
            files=[attachment(self.rng)] if self.rng.random() < 0.15 else [],
        )
        return self._email("email-reply", raw, expect_case=case_number)

    def auto_reply(self, *, to_case: str | None, sender: str | None) -> Shot:
        n = self._next()
        if sender is None:
            name, address = self._sender(n)
            sender = f"{name} <{address}>"
        about = f"[{to_case}] " if to_case else ""
        raw = raw_email(
            self.rng,
            sender=sender,
            to=self.inbox.address,
            subject=self.rng.choice(AUTO_SUBJECTS).format(s=f"Re: {about}您的售后申请"),
            text="我正在休假，11 月 30 日回来，期间不查看邮件。\nI am out of the office until 30 November.",
            message_id=f"<a{self.run}-{n}@{DOMAIN}>",
            headers={"Auto-Submitted": "auto-replied", "X-Autoreply": "yes"},
        )
        return self._email("email-auto", raw)

    def social(self, kind: str, sender_id: str, sender_name: str) -> Shot:
        n = self._next()
        text = self.rng.choice(COMPLAINTS) if kind != "social-known" else self.rng.choice(FOLLOW_UPS)
        payload = {
            "id": f"s{self.run}-{n}",
            "from": {"id": sender_id, "name": sender_name},
            "text": text,
            "thread": f"t-{sender_id}",
        }
        body = json.dumps(payload, ensure_ascii=False).encode()
        return Shot(kind, self.social_path, body, "application/json", self.account.secret, key=sender_id)

    def new_social_sender(self) -> tuple[str, str]:
        n = self._next()
        return f"u{self.run}-{n}", person(self.rng, n)


# --- the server ---------------------------------------------------------------------------------------


# --- sending ------------------------------------------------------------------------------------------


class LockSampler(threading.Thread):
    """Samples pg_stat_activity every 50 ms: how often a request waits for a lock, and on what."""

    def __init__(self):
        super().__init__(daemon=True)
        self.label: str | None = None
        self.samples: dict[str, list[tuple[int, int]]] = {}
        self.waiting: dict[str, Counter] = {}
        self.done = threading.Event()

    def run(self) -> None:
        try:
            with connection.cursor() as cur:
                while not self.done.wait(0.05):
                    label = self.label
                    if label is None:
                        continue
                    cur.execute(
                        "SELECT state = 'active', wait_event_type = 'Lock', left(query, 70) FROM pg_stat_activity "
                        "WHERE datname = current_database() AND pid <> pg_backend_pid() "
                        "AND backend_type = 'client backend'"
                    )
                    rows = cur.fetchall()
                    self.samples.setdefault(label, []).append(
                        (sum(1 for r in rows if r[0]), sum(1 for r in rows if r[1]))
                    )
                    for _active, waits, query in rows:
                        if waits:
                            self.waiting.setdefault(label, Counter())[re.sub(r"\s+", " ", query)] += 1
        finally:
            connection.close()

    def summary(self, label: str) -> dict:
        samples = self.samples.get(label, [])
        if not samples:
            return {"samples": 0, "lock_share": 0.0, "active": 0.0, "top": []}
        return {
            "samples": len(samples),
            "lock_share": sum(1 for _a, w in samples if w) / len(samples),
            "active": statistics.mean(a for a, _w in samples),
            "top": self.waiting.get(label, Counter()).most_common(2),
        }


def fire(port: int, rnd: Round, *, threads: int, eta_after) -> None:
    """Send the round's shots from ``threads`` threads (each its own connection); record every outcome."""
    rnd.outcomes = [None] * len(rnd.shots)
    lock, position = threading.Lock(), [0]

    def take() -> int | None:
        with lock:
            i = position[0]
            if i >= len(rnd.shots):
                return None
            position[0] = i + 1
            return i

    def client() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        while (i := take()) is not None:
            shot = rnd.shots[i]
            # Signed just before sending: the signature's timestamp must be fresh (5 minutes).
            headers = {"Content-Type": shot.content_type, **signing.signed_headers(secret=shot.secret, body=shot.body)}
            began = time.perf_counter()
            try:
                conn.request("POST", shot.path, body=shot.body, headers=headers)
                response = conn.getresponse()
                body = response.read()
                status = response.status
            except (http.client.HTTPException, OSError) as exc:
                conn.close()  # the next request opens a new connection
                status, body = 0, f"{type(exc).__name__}: {exc}".encode()
            rnd.outcomes[i] = Outcome(status, time.perf_counter() - began, body)
        conn.close()

    rnd.seconds = run_clients(client, threads=threads, outcomes=rnd.outcomes, eta_after=eta_after)


def check(rnd: Round) -> tuple[list[str], Counter]:
    """Errors (non-2xx, or an answer that contradicts the message) and what the answers said."""
    errors, said = [], Counter()
    for shot, outcome in zip(rnd.shots, rnd.outcomes, strict=True):
        if outcome is None or not 200 <= outcome.status < 300:
            status = outcome.status if outcome else "no answer"
            text = outcome.body[:300].decode(errors="replace") if outcome else ""
            errors.append(f"{shot.kind}: HTTP {status}: {text}")
            continue
        if shot.kind == "noop":
            said["noop"] += 1
            continue
        answer = json.loads(outcome.body)
        results = answer.get("results", [answer])
        for result in results:
            what = (
                "duplicate"
                if result["duplicate"]
                else "ignored"
                if result["ignored"]
                else "opened a case"
                if result["created_case"]
                else "joined a case"
            )
            said[what] += 1
            wrong = {
                "email-new": what != "opened a case",
                "social-new": what != "opened a case",
                "email-reply": what != "joined a case" or result["case"] != shot.expect_case,
                "social-known": what != "joined a case" or result["case"] != shot.expect_case,
                "email-auto": what != "ignored",
                "email-duplicate": what != "duplicate",
            }.get(shot.kind, False)
            if wrong:
                errors.append(f"{shot.kind}: unexpected answer {result} (expected case {shot.expect_case})")
    return errors, said


def latencies(rnd: Round, kind: str | None = None) -> list[float]:
    return [
        o.seconds * 1000
        for s, o in zip(rnd.shots, rnd.outcomes, strict=True)
        if o is not None and (kind is None or s.kind == kind)
    ]


# --- profiling in-process ----------------------------------------------------------------------------

PARTS = [
    # (file suffix, function, label); the cumulative time of each, as a share of the request
    ("channels_app/signing.py", "verify", "signature check"),
    ("channels_app/email/parsing.py", "parse_email", "parse the email (MIME, quotes, HTML sanitising)"),
    ("channels_app/intake.py", "receive", "`intake.receive` (one transaction, COMMIT included)"),
    ("channels_app/identity.py", "match_sender", "· identity lookup / new customer"),
    ("channels_app/intake.py", "_choose_case", "· find the case (numbers, thread, open case)"),
    ("cases/services.py", "create_case", "· open the case"),
    ("cases/services.py", "allocate_case_number", "· · case number (counter row)"),
    ("cases/workflow/routing.py", "route", "· · routing"),
    ("cases/services.py", "record_event", "· · timeline event and its receivers"),
    ("cases/sla/clocks.py", "on_case_event", "· · · SLA clocks"),
    ("channels_app/receivers.py", "on_case_event", "· · · channel receivers (shop webhooks, replies)"),
    ("channels_app/intake.py", "_store_files", "· attachments to storage"),
    ("django/db/backends/base/base.py", "_commit", "· COMMIT"),
    ("django/db/backends/utils.py", "_execute", "all SQL statements (round trips included)"),
]
ALL_SQL = PARTS[-1][2]


def cumulative(stats: pstats.Stats, suffix: str, name: str) -> float:
    return sum(
        row[3]
        for (filename, _line, func), row in stats.stats.items()
        if func == name and filename.replace("\\", "/").endswith(suffix)
    )


def parts_on_stack(frame) -> set[str]:
    """The labels of PARTS whose function is on the stack above ``frame``."""
    found = set()
    while frame is not None:
        code = frame.f_code
        filename = code.co_filename.replace("\\", "/")
        for suffix, name, label in PARTS:
            if code.co_name == name and filename.endswith(suffix):
                found.add(label)
        frame = frame.f_back
    return found


def profile_kinds(shots: dict[str, list[Shot]]) -> dict:
    """Per kind: median ms and SQL statements per request in-process (no profiler; each statement
    counted for every part on its stack), then the share of each part's time under cProfile."""
    client = Client()
    out = {}
    for kind, batch in shots.items():
        half = len(batch) // 2
        plain, profiled = batch[:half], batch[half:]
        times, queries, sql = [], [], []
        by_part: Counter = Counter()

        def timing(execute, sql_text, params, many, context, _sql=sql, _by_part=by_part):
            # Every statement is one for "all SQL statements" (its _execute runs below this wrapper).
            _by_part.update(parts_on_stack(sys._getframe(1)) | {ALL_SQL})
            began = time.perf_counter()
            try:
                return execute(sql_text, params, many, context)
            finally:
                _sql[-1][0] += time.perf_counter() - began
                _sql[-1][1] += 1

        for shot in plain:
            headers = signing.signed_headers(secret=shot.secret, body=shot.body)
            sql.append([0.0, 0])
            with connection.execute_wrapper(timing):
                began = time.perf_counter()
                response = client.post(shot.path, data=shot.body, content_type=shot.content_type, headers=headers)
                times.append((time.perf_counter() - began) * 1000)
            if response.status_code != 202:
                sys.exit(f"profiling {kind}: HTTP {response.status_code}: {response.content[:300]!r}")
            queries.append(sql[-1][1])
        profiler = cProfile.Profile()
        for shot in profiled:
            headers = signing.signed_headers(secret=shot.secret, body=shot.body)
            profiler.enable()
            response = client.post(shot.path, data=shot.body, content_type=shot.content_type, headers=headers)
            profiler.disable()
            if response.status_code != 202:
                sys.exit(f"profiling {kind}: HTTP {response.status_code}: {response.content[:300]!r}")
        stats = pstats.Stats(profiler)
        total = stats.total_tt
        out[kind] = {
            "n": len(plain),
            "ms": statistics.median(times),
            "queries": statistics.median(queries),
            "queries_max": max(queries),
            "sql_ms": statistics.median(t * 1000 for t, _n in sql),
            "parts": {label: cumulative(stats, suffix, name) / total for suffix, name, label in PARTS},
            "part_queries": {label: by_part[label] / len(plain) for _s, _n, label in PARTS},
        }
        say(
            f"   {kind}: {out[kind]['ms']:.1f} ms, {out[kind]['queries']:.0f} queries "
            f"({out[kind]['sql_ms']:.1f} ms in SQL), median of {len(plain)}"
        )
    return out


def iexact_scan_ms(rows: int) -> float:
    """Median ms of ``upper(email) = upper(%s)`` over ``rows`` customers' addresses with no index on
    upper(email): the lookup a new email sender falls through to (on a temporary table)."""
    with connection.cursor() as cur:
        cur.execute(
            "CREATE TEMP TABLE bench_emails AS SELECT g AS id, 'customer-' || g || '@example.com' AS email "
            "FROM generate_series(1, %s) AS g",
            [rows],
        )
        cur.execute("ANALYZE bench_emails")
        timings = []
        for i in range(7):
            began = time.perf_counter()
            cur.execute(
                "SELECT id FROM bench_emails WHERE upper(email) = upper(%s) ORDER BY id LIMIT 1",
                [f"nobody-{i}@{DOMAIN}"],
            )
            cur.fetchall()
            timings.append((time.perf_counter() - began) * 1000)
        cur.execute("DROP TABLE bench_emails")
    return statistics.median(timings)


def explain_new_sender_lookup(address: str) -> str:
    """EXPLAIN of the customer lookup a new email sender falls through to (``email__iexact``)."""
    query = Customer.objects.filter(email__iexact=address).order_by("id")[:1]
    sql, params = query.query.sql_with_params()
    with connection.cursor() as cur:
        cur.execute("EXPLAIN (ANALYZE, COSTS OFF, TIMING ON) " + sql, params)
        return "\n".join(row[0] for row in cur.fetchall())


# --- report -------------------------------------------------------------------------------------------


def render(args, r: dict) -> str:
    rounds: list[Round] = r["rounds"]
    by_kind: dict[str, list[Round]] = {}
    for rnd in rounds:
        by_kind.setdefault(rnd.kind, []).append(rnd)
    noop_rate = statistics.mean(x.rate for x in by_kind["noop"])

    def row(label: str, kind: str, sub: list[tuple[str, str]] = ()) -> list[str]:
        rs = by_kind[kind]
        n = sum(len(x.shots) for x in rs)
        seconds = sum(x.seconds for x in rs)
        lat = [v for x in rs for v in latencies(x)]
        spread = " / ".join(f"{x.rate:,.0f}" for x in rs)
        errors = sum(r["errors"][x.label] for x in rs)
        ratio = "1" if kind == "noop" else f"{n / seconds / noop_rate:.3f}"
        lines = [
            f"| {label} | {n:,} | {n / seconds:,.0f} ({spread}) | {percentile(lat, 0.5):.1f} | "
            f"{percentile(lat, 0.95):.1f} | {errors} | {ratio} |"
        ]
        for sub_label, sub_kind in sub:
            lat = [v for x in rs for v in latencies(x, sub_kind)]
            if lat:
                lines.append(
                    f"| · {sub_label} | {len(lat):,} | | {percentile(lat, 0.5):.1f} | {percentile(lat, 0.95):.1f} | | |"
                )
        return lines

    email_said, social_said = r["said"]["email"], r["said"]["social"]
    prof = r["profile"]
    lines = [
        f"Run on {timezone.localdate():%Y-%m-%d} in {r['seconds']:,.0f} s on {os.cpu_count()} cores ({cpu_model()}), "
        f"PostgreSQL {r['pg']} on the same machine, shared with other work (load average "
        f"{r['load_start']:.1f} at the start, {r['load_end']:.1f} at the end). "
        f"gunicorn {r['gunicorn']}, {args.workers} sync workers "
        f"(one per core) on 127.0.0.1, `benchmarks.bench_settings` (the product's settings with DEBUG off and "
        f"`POST /bench/noop/`); {args.threads} client threads in one process, `http.client`, messages signed "
        "just before sending. A sync worker closes the connection after each answer, so every request, no-op "
        "included, opens a TCP connection. The database held "
        f"{r['cases_start']:,} cases at the start ({r['cases_timed']:,} after the untimed seeding of "
        f"{r['seeded']:,} cases for the replies and known social senders; {r['cases_end']:,} at the end).",
        "",
        f"Rounds, in order: {', '.join(x.label for x in rounds if x.kind != 'seed')}. The email traffic: "
        f"{email_said['opened a case']:,} from new senders (a customer and a case each), "
        f"{email_said['joined a case']:,} replies from the case's customer with the case number in the subject, "
        f"{email_said['ignored']:,} auto-replies (stored, ignored); {r['email_kb']:.1f} KB on average, half with "
        f"an HTML part, {r['with_files']:.0%} with an 8-40 KB photo or PDF. Social (console adapter): "
        f"{social_said['opened a case']:,} messages from new senders, {social_said['joined a case']:,} from "
        f"{SOCIAL_POOL} known senders with an open case. The no-op POSTs carry the same email bodies.",
        "",
        "| traffic | messages | messages/s (each round) | p50 ms | p95 ms | errors | throughput / no-op |",
        "| --- | --- | --- | --- | --- | --- | --- |",
        *row("no-op POST (same server, middleware, bodies)", "noop"),
        *row(
            "email webhook, the mix",
            "email",
            [
                ("new sender: customer + case", "email-new"),
                ("reply on a case", "email-reply"),
                ("auto-reply", "email-auto"),
            ],
        ),
        *row("social webhook, the mix", "social", [("new sender", "social-new"), ("known sender", "social-known")]),
        *row(f"email sent again ({args.duplicates} duplicates)", "duplicate"),
        "",
        f"Errors: {sum(r['errors'].values())} (a non-2xx answer, or an answer other than the message's: a reply "
        "not joining its case, a resend not a duplicate). Side effects queued by the intake during the run: "
        f"{r['side']['notifications']} notifications, {r['side']['outbound']} outbound messages, "
        f"{r['side']['webhooks']} shop webhook deliveries (Celery's broker was `memory://`).",
        "",
        f"Where a request's time goes, in-process (Django's test client, the same settings; median of "
        f"{prof['email-new']['n']} requests each without a profiler, then cProfile over as many more):",
        "",
        "| | email, new sender | email, reply | social, new sender |",
        "| --- | --- | --- | --- |",
        "| request, in-process (median) | "
        + " | ".join(f"{prof[k]['ms']:.1f} ms" for k in ("email-new", "email-reply", "social-new"))
        + " |",
        "| SQL queries (median, max) | "
        + " | ".join(
            f"{prof[k]['queries']:.0f} ({prof[k]['queries_max']})" for k in ("email-new", "email-reply", "social-new")
        )
        + " |",
        "| time in SQL, client side (median) | "
        + " | ".join(f"{prof[k]['sql_ms']:.1f} ms" for k in ("email-new", "email-reply", "social-new"))
        + " |",
    ]
    for _suffix, _name, label in PARTS:
        lines.append(
            f"| {label} | "
            + " | ".join(
                f"{prof[k]['parts'][label]:.0%} · {prof[k]['part_queries'][label]:.3g} q"
                for k in ("email-new", "email-reply", "social-new")
            )
            + " |"
        )
    lines += ["", *r["reading"], "", f"Reproduce: `make bench`, or the benchmark alone: `{r['command']}`."]
    return "\n".join(lines)


def reading(args, r: dict) -> list[str]:
    """The short reading under the tables, from the figures of this run."""
    by_kind: dict[str, list[Round]] = {}
    for rnd in r["rounds"]:
        by_kind.setdefault(rnd.kind, []).append(rnd)

    def rate(kind: str) -> float:
        rs = by_kind[kind]
        return sum(len(x.shots) for x in rs) / sum(x.seconds for x in rs)

    noop = statistics.mean(x.rate for x in by_kind["noop"])
    email, social, dup = rate("email"), rate("social"), rate("duplicate")
    new = r["profile"]["email-new"]
    labels = {name: label for _suffix, name, label in PARTS if name != "on_case_event"}
    labels["sla"] = next(label for suffix, _name, label in PARTS if suffix == "cases/sla/clocks.py")

    def share(name: str) -> str:
        return f"{new['parts'][labels[name]]:.0%}"

    def statements(name: str) -> str:
        return f"{new['part_queries'][labels[name]]:.3g}"

    biggest = max(("parse_email", "match_sender", "_choose_case", "create_case"), key=lambda n: new["parts"][labels[n]])
    words = {
        "parse_email": "parsing the email",
        "match_sender": "finding or creating the customer",
        "_choose_case": "finding the case",
        "create_case": "opening the case",
    }
    locks = [x.locks for x in r["rounds"] if x.kind in ("email", "social")]
    lock_share = statistics.mean(v["lock_share"] for v in locks) if locks else 0.0
    top: Counter = Counter()
    for v in locks:
        for query, count in v["top"]:
            top[query] += count
    waited_on = f" (mostly `{top.most_common(1)[0][0]}…`)" if top else ""
    per_statement = new["sql_ms"] / new["queries"] if new["queries"] else 0.0
    return [
        f"Reading: the email webhook takes {email:,.0f} messages/s and the social webhook {social:,.0f}, "
        f"{email / noop:.1%} and {social / noop:.1%} of what the same server answers to a no-op POST "
        f"({noop:,.0f}/s): the server, HTTP and middleware cost little, the intake's own work is the limit. "
        f"A resent email is answered at {dup:,.0f}/s ({dup / email:.1f}× the mix): it is parsed again before "
        "its deduplication key is looked up, then nothing is written.",
        "",
        f"A new sender's email takes {new['ms']:.1f} ms in-process, {new['sql_ms']:.1f} ms of it "
        f"({new['sql_ms'] / new['ms']:.0%}) waiting on {new['queries']:.0f} SQL statements ({per_statement:.2f} ms "
        f"each on this machine: the statements are short and{', but for one (below),' if r['iexact_seq'] else ''} "
        "indexed; the cost is the round trips and the ORM building them). "
        f"Under the profiler the largest part is {words[biggest]} ({share(biggest)}); parsing the MIME message, "
        f"quotes and HTML is {share('parse_email')}. Opening the case is {share('create_case')} "
        f"and {statements('create_case')} statements, of which the SLA clocks alone are {share('sla')} "
        f"and {statements('sla')} statements (one read of the SLA policies, an insert per clock, then an "
        "aggregate read of the due times just written and an UPDATE of the case). Finding or creating "
        f"the customer is {share('match_sender')} and {statements('match_sender')} statements.",
        "",
        f"In the email and social rounds a database session was waiting for a lock in {lock_share:.0%} of the "
        f"50 ms samples of `pg_stat_activity`{waited_on}: a new case takes the year's case-number counter row "
        "and holds it to COMMIT, so new cases are serialised from their number to their commit (SLA clocks, "
        "event, message update). Replies, auto-replies and duplicates do not take it.",
        "",
        (
            f"Not visible at this size ({r['customers']:,} customers): a new email sender falls through to "
            "`Customer.objects.filter(email__iexact=...)`, `UPPER(email) = UPPER(%s)`, which no index serves "
            f"(`customer_by_email` is on `email` itself), so it reads the whole table: {r['iexact_ms']:.1f} ms for "
            f"{IEXACT_ROWS:,} addresses measured on a temporary table, per new sender (the customers of "
            "`benchmarks/sla_sweep.py`'s fill)."
            if r["iexact_seq"]
            else "A new email sender's `email__iexact` customer lookup is served by an index."
        ),
    ]


# --- main ---------------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--count", type=int, default=1000, help="no-op POSTs, emails and social messages, each")
    parser.add_argument("--rounds", type=int, default=2, help="rounds the count is split over (no-op, email, social)")
    parser.add_argument("--threads", type=int, default=4, help="client threads")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers (one per core)")
    parser.add_argument("--duplicates", type=int, default=200, help="emails sent again")
    parser.add_argument("--profile", type=int, default=20, help="requests per kind timed in-process, as many profiled")
    parser.add_argument("--no-report", action="store_true", help="print only; leave docs/performance.md")
    args = parser.parse_args()
    if args.count < 10 * args.rounds or args.rounds < 1:
        parser.error("need --count >= 10 x --rounds")

    name = refuse_unless_bench_database()
    started = time.monotonic()
    run = uuid.uuid4().hex[:8]
    inbox = EmailInbox.objects.get_or_create(
        code=INBOX_CODE, defaults={"name": "Bench intake", "address": f"service@{DOMAIN}"}
    )[0]
    account = SocialAccount.objects.get_or_create(
        code=SOCIAL_CODE, defaults={"name": "Bench social", "provider": "console"}
    )[0]
    if not inbox.active or not account.active or account.provider != "console":
        EmailInbox.objects.filter(pk=inbox.pk).update(active=True)
        SocialAccount.objects.filter(pk=account.pk).update(active=True, provider="console")
    side_before = {
        "notifications": Notification.objects.count(),
        "outbound": Message.objects.filter(direction=Direction.OUT).count(),
        "webhooks": WebhookDelivery.objects.count(),
    }
    r: dict = {"cases_start": Case.objects.count(), "errors": {}, "said": {"email": Counter(), "social": Counter()}}
    r["load_start"] = os.getloadavg()[0]
    say(f"Channel intake on {name}: {r['cases_start']:,} cases at the start; run {run}")

    bag = Mailbag(run=run, inbox=inbox, account=account)
    per_round = args.count // args.rounds
    replies = round(per_round * 0.3) * args.rounds

    # Untimed seeding, through the server: the cases the replies answer and the known social senders.
    say("1. Building the messages")
    openers = [bag.new_email("seed-email") for _ in range(replies)]
    social_pool = [bag.new_social_sender() for _ in range(SOCIAL_POOL)]
    social_openers = [bag.social("seed-social", sid, sname) for sid, sname in social_pool]
    log = Path(os.environ["DATA_DIR"]) / "gunicorn.log"
    say(f"2. Starting gunicorn ({args.workers} sync workers) ...")
    server = Gunicorn(workers=args.workers, log=log)
    server.wait_ready()
    say(f"   listening on 127.0.0.1:{server.port}; seeding {len(openers) + len(social_openers):,} cases (untimed)")
    seed = Round("seed", "seed", openers + social_openers)
    fire(server.port, seed, threads=args.threads, eta_after=lambda _rate: 0)
    errors, _said = check(seed)
    if errors:
        server.stop()
        sys.exit("Seeding failed:\n  " + "\n  ".join(errors[:10]) + f"\n{server.tail()}")
    cases_of = {}
    for shot, outcome in zip(seed.shots, seed.outcomes, strict=True):
        cases_of[shot.key] = json.loads(outcome.body).get("case") or json.loads(outcome.body)["results"][0]["case"]
    r["seeded"] = len(seed.shots)
    r["cases_timed"] = Case.objects.count()

    # The timed rounds.
    targets = [(cases_of[s.key], s.key) for s in openers]
    random.Random(11).shuffle(targets)
    plan: list[Round] = []
    sent_emails: list[Shot] = []
    email_sizes, with_files = [], 0
    rng = random.Random(13)
    for i in range(1, args.rounds + 1):
        emails: list[Shot] = []
        for _ in range(per_round):
            roll = rng.random()
            if roll < 0.3 and targets:
                case_number, opened_by = targets.pop()
                emails.append(bag.reply(case_number=case_number, opened_by=opened_by))
            elif roll < 0.4:
                # Half the auto-replies come from a customer's mailbox, quoting their case.
                opener = rng.choice(openers) if rng.random() < 0.5 else None
                emails.append(
                    bag.auto_reply(
                        to_case=cases_of[opener.key] if opener else None,
                        sender=opener.key.split("|")[0] if opener else None,
                    )
                )
            else:
                emails.append(bag.new_email())
        socials: list[Shot] = []
        for _ in range(per_round):
            if rng.random() < 0.5:
                sid, sname = rng.choice(social_pool)
                shot = bag.social("social-known", sid, sname)
                shot.expect_case = cases_of[sid]
            else:
                shot = bag.social("social-new", *bag.new_social_sender())
            socials.append(shot)
        sent_emails += emails
        email_sizes += [len(s.body) for s in emails]
        with_files += sum(1 for s in emails if b"Content-Disposition: attachment" in s.body)
        noop_bodies = [Shot("noop", "/bench/noop/", e.body, e.content_type, e.secret) for e in emails]
        plan += [Round(f"no-op {i}", "noop", noop_bodies), Round(f"email {i}", "email", emails)]
        plan.append(Round(f"social {i}", "social", socials))
    last_bodies = [Shot("noop", "/bench/noop/", e.body, e.content_type, e.secret) for e in sent_emails[:per_round]]
    plan.append(Round(f"no-op {args.rounds + 1}", "noop", last_bodies))
    duplicates = [
        Shot("email-duplicate", s.path, s.body, s.content_type, s.secret)
        for s in random.Random(17).sample(sent_emails, min(args.duplicates, len(sent_emails)))
    ]
    plan.append(Round("duplicates", "duplicate", duplicates))
    r["email_kb"] = statistics.mean(email_sizes) / 1024
    r["with_files"] = with_files / len(sent_emails)

    sampler = LockSampler()
    sampler.start()
    rates: dict[str, float] = {}
    say(f"3. Timed rounds: {len(plan)} ({', '.join(x.label for x in plan)}), {args.threads} client threads")
    for index, rnd in enumerate(plan):
        say(f"   {rnd.label}: {len(rnd.shots):,} POSTs")
        rest = plan[index + 1 :]

        def eta_after(current: float, rest=rest) -> float:
            return sum(len(x.shots) / (rates.get(x.kind) or current) for x in rest) if current else 0.0

        sampler.label = rnd.label
        fire(server.port, rnd, threads=args.threads, eta_after=eta_after)
        sampler.label = None
        rnd.locks = sampler.summary(rnd.label)
        rates[rnd.kind] = rnd.rate
        errors, said = check(rnd)
        r["errors"][rnd.label] = len(errors)
        if rnd.kind in r["said"]:
            r["said"][rnd.kind] += said
        lat = latencies(rnd)
        say(
            f"   {rnd.label}: {rnd.rate:,.1f} /s, p50 {percentile(lat, 0.5):.1f} ms, "
            f"p95 {percentile(lat, 0.95):.1f} ms, "
            f"{len(errors)} errors; {rnd.locks['active']:.1f} busy database sessions on average, one waiting "
            f"for a lock in {rnd.locks['lock_share']:.0%} of samples"
            + (f"; answers: {dict(said)}" if rnd.kind != "noop" else "")
        )
        for error in errors[:5]:
            say(f"     ! {error}")
    sampler.done.set()
    sampler.join()
    server.stop()
    failed = sum(r["errors"].values())
    if failed:
        say(f"\n{failed} errors. The server's log ends with:\n{server.tail()}")

    r["side"] = {
        "notifications": Notification.objects.count() - side_before["notifications"],
        "outbound": Message.objects.filter(direction=Direction.OUT).count() - side_before["outbound"],
        "webhooks": WebhookDelivery.objects.count() - side_before["webhooks"],
    }
    r["cases_end"] = Case.objects.count()

    say(f"4. Profiling in-process ({args.profile} requests per kind, then as many under cProfile)")
    spare = [(cases_of[s.key], s.key) for s in random.Random(19).sample(openers, min(2 * args.profile, len(openers)))]
    r["profile"] = profile_kinds(
        {
            "email-new": [bag.new_email() for _ in range(2 * args.profile)],
            "email-reply": [bag.reply(case_number=c, opened_by=k) for c, k in spare],
            "social-new": [bag.social("social-new", *bag.new_social_sender()) for _ in range(2 * args.profile)],
        }
    )
    connections.close_all()
    r["rounds"] = plan
    r["pg"] = _pg_version()
    r["gunicorn"] = _gunicorn_version()
    r["seconds"] = time.monotonic() - started
    r["command"] = (
        "DEBUG=1 DATABASE_URL=postgres://postgres@127.0.0.1:5432/aftersales_bench "
        ".venv/bin/python benchmarks/channels_intake.py"
    )
    r["customers"] = Customer.objects.count()
    r["explain"] = explain_new_sender_lookup(f"nobody-{run}@{DOMAIN}")
    r["iexact_seq"] = "Seq Scan on cases_customer" in r["explain"]
    say("\n   The customer lookup of a new email sender (email__iexact):\n" + r["explain"])
    r["iexact_ms"] = iexact_scan_ms(IEXACT_ROWS)
    say(f"   the same scan over {IEXACT_ROWS:,} addresses: {r['iexact_ms']:.1f} ms")
    r["load_end"] = os.getloadavg()[0]
    r["reading"] = reading(args, r)

    section = render(args, r)
    print("\n## Channel intake\n\n" + section, flush=True)
    if failed:
        sys.exit(f"\n{failed} errors: docs/performance.md left as it was.")
    if not args.no_report:
        write_report("Channel intake", section)
        say("\nWritten to docs/performance.md")


def _pg_version() -> str:
    with connection.cursor() as cur:
        cur.execute("SHOW server_version")
        return cur.fetchone()[0].split()[0]


def _gunicorn_version() -> str:
    import gunicorn

    return gunicorn.__version__


if __name__ == "__main__":
    main()
