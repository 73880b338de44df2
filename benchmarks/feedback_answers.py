"""Benchmark of the public survey page: pages shown and answers accepted per second.

    make bench                       # creates and migrates the database aftersales_bench, runs this last
    DEBUG=1 DATABASE_URL=postgres://postgres@127.0.0.1:5432/aftersales_bench \\
        .venv/bin/python benchmarks/feedback_answers.py [--count 600] [--rounds 2] [--threads 4]

As ``channels_intake.py``: a real gunicorn (sync workers, one per core, 127.0.0.1, a free port)
serves the product with ``benchmarks.bench_settings`` (DEBUG off, plus ``POST /bench/noop/``); a
few client threads send over ``http.client``. Untimed, ``--count`` resolved complaint cases are
opened through the services, each with an invitation to a survey asking CSAT, NPS and a comment.
Then rounds of:

* no-op POSTs (the baseline: server, HTTP, middleware, nothing else);
* ``GET /feedback/s/<token>/``: the signed link read, the page rendered in the customer's language;
* ``POST`` of an answer to the same URL, with the CSRF cookie and form token as a browser sends
  them: stored once, 303 to the thank-you page. Scores are drawn 1-5, so about 40 % are low and
  open a revisit task for the team lead (the closed loop) with its notification;
* the same answers posted again (a replay: 303, nothing written).

Any other answer (status, a page without the case number, a missing answer row) is printed and
makes the script exit 1. One GET and one POST are then timed in-process (Django's test client) with
their SQL statements counted. The results go to the "Survey answers" section of
docs/performance.md. The benchmark writes customers and cases, so it runs only on a PostgreSQL
database whose name ends in ``_bench``.
"""

from __future__ import annotations

import argparse
import atexit
import http.client
import os
import random
import shutil
import statistics
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
SETTINGS = "benchmarks.bench_settings"
os.environ["DJANGO_SETTINGS_MODULE"] = SETTINGS
os.environ.setdefault("DEBUG", "1")  # only so the settings skip the production checks
os.environ["CELERY_BROKER_URL"] = "memory://"  # never a real broker: nudges go to an in-process queue
if "DATA_DIR" not in os.environ:
    os.environ["DATA_DIR"] = tempfile.mkdtemp(prefix="aftersales-bench-feedback-")
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
from django.middleware.csrf import _get_new_csrf_string, _mask_cipher_secret  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import reverse  # noqa: E402
from django.utils import timezone  # noqa: E402

from cases.models import Case, Customer, RevisitTask, Team  # noqa: E402
from cases.services import create_case, transition_case  # noqa: E402
from core.roles import ensure_roles  # noqa: E402
from feedback import services  # noqa: E402
from feedback.models import FeedbackSettings, Survey, SurveyInvitation, SurveyResponse  # noqa: E402

SURVEY_CODE = "bench-answers"
DOMAIN = "bench-feedback.example"
COMMENTS = [
    "",
    "",
    "谢谢，处理得很快。",
    "Quick and friendly.",
    "等了两天才有人回复，希望改进。",
    "The refund took too long.",
]


# The server, the report and percentiles: benchmarks/benchserver.py


# --- the requests ---------------------------------------------------------------------------------------


@dataclass
class Shot:
    method: str
    path: str
    body: bytes = b""
    expect: int = 200
    must_contain: bytes = b""


@dataclass
class Outcome:
    status: int
    seconds: float
    body: bytes
    location: str


@dataclass
class Round:
    label: str
    kind: str  # noop, get, post, replay
    shots: list[Shot]
    outcomes: list[Outcome | None] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def rate(self) -> float:
        return len(self.shots) / self.seconds if self.seconds else 0.0


# One CSRF secret for the run: the cookie holds it, each form carries it masked, as Django's own
# pages do (a browser would have got both from the GET).
SECRET = _get_new_csrf_string()
COOKIE = f"csrftoken={SECRET}"


def fire(port: int, rnd: Round, *, threads: int, eta_after) -> None:
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
            headers = {"Cookie": COOKIE, "Accept-Language": "zh-CN,zh;q=0.9,en;q=0.8"}
            if shot.method == "POST":
                headers["Content-Type"] = (
                    "application/x-www-form-urlencoded" if shot.path != "/bench/noop/" else "application/json"
                )
            began = time.perf_counter()
            try:
                conn.request(shot.method, shot.path, body=shot.body or None, headers=headers)
                response = conn.getresponse()
                body, status = response.read(), response.status
                location = response.getheader("Location") or ""
            except (http.client.HTTPException, OSError) as exc:
                conn.close()
                status, body, location = 0, f"{type(exc).__name__}: {exc}".encode(), ""
            rnd.outcomes[i] = Outcome(status, time.perf_counter() - began, body, location)
        conn.close()

    rnd.seconds = run_clients(client, threads=threads, outcomes=rnd.outcomes, eta_after=eta_after)


def check(rnd: Round) -> list[str]:
    errors = []
    for shot, outcome in zip(rnd.shots, rnd.outcomes, strict=True):
        if outcome is None or outcome.status != shot.expect:
            status = outcome.status if outcome else "no answer"
            text = outcome.body[:200].decode(errors="replace") if outcome else ""
            errors.append(f"{rnd.kind} {shot.path}: HTTP {status} (expected {shot.expect}): {text}")
        elif shot.must_contain and shot.must_contain not in outcome.body:
            errors.append(f"{rnd.kind} {shot.path}: the page lacks {shot.must_contain!r}")
        elif shot.expect == 303 and "/thanks/" not in outcome.location:
            errors.append(f"{rnd.kind} {shot.path}: 303 to {outcome.location!r}, not the thank-you page")
    return errors


def latencies(rnd: Round) -> list[float]:
    return [o.seconds * 1000 for o in rnd.outcomes if o is not None]


# --- the data ------------------------------------------------------------------------------------------


def seed(count: int, run: str) -> list[tuple[SurveyInvitation, str, str]]:
    """``count`` resolved complaint cases of a team with a lead, each with an open invitation:
    (invitation, token, case number). Untimed; through the services, as the product makes them."""
    groups = ensure_roles()
    from django.contrib.auth import get_user_model

    User = get_user_model()
    lead, _ = User.objects.get_or_create(username="bench-fb-lead", defaults={"email": "lead@" + DOMAIN})
    agent, _ = User.objects.get_or_create(username="bench-fb-agent", defaults={"email": "agent@" + DOMAIN})
    for user in (lead, agent):
        user.groups.add(groups["agent"])
    team, _ = Team.objects.get_or_create(code="bench-fb", defaults={"name": "Bench feedback", "lead": lead})
    survey, _ = Survey.objects.get_or_create(
        code=SURVEY_CODE,
        defaults={"name": "Bench survey", "ask_csat": True, "ask_nps": True, "ask_ces": False, "ask_comment": True},
    )
    valid = FeedbackSettings.get_solo().valid_days
    rng = random.Random(5)
    made, began, next_report = [], time.monotonic(), time.monotonic() + 3
    for n in range(count):
        customer = Customer.objects.create(
            name=f"Bench {run} {n}",
            email=f"c{run}-{n}@{DOMAIN}",
            language="zh-hans" if rng.random() < 0.7 else "en",
        )
        case = create_case(customer=customer, kind="complaint", channel="portal", team=team)
        case = transition_case(case=case, name="start", actor=agent)
        case = transition_case(case=case, name="resolve", actor=agent, resolution_type="answered")
        at = timezone.now()
        invitation = SurveyInvitation.objects.create(
            case=case,
            customer=customer,
            survey=survey,
            channel=case.channel,
            language=customer.language,
            sent_at=at,
            expires_at=at + timedelta(days=valid),
        )
        made.append((invitation, services.token_for(invitation), case.number))
        if time.monotonic() >= next_report:
            next_report = time.monotonic() + 3
            rate = (n + 1) / (time.monotonic() - began)
            say(f"     {n + 1:>6,} / {count:,} invitations  {rate:,.0f} /s  ETA {(count - n - 1) / rate:.0f} s")
    return made


def answer_body(rng: random.Random) -> bytes:
    form = {
        "csrfmiddlewaretoken": _mask_cipher_secret(SECRET),
        "lang": "",
        "csat": str(rng.randint(1, 5)),
        "nps": str(rng.randint(0, 10)),
        "comment": rng.choice(COMMENTS),
    }
    return urlencode(form).encode()


# --- in-process: one GET and one POST with their SQL statements --------------------------------------------


def in_process(invitations: list[tuple[SurveyInvitation, str, str]]) -> dict:
    client = Client()
    out = {"get": [], "post": [], "get_q": [], "post_q": []}
    for _inv, token, _number in invitations:
        path = reverse("feedback:answer", args=[token])
        for kind, call in (
            ("get", lambda p=path: client.get(p)),
            ("post", lambda p=path: client.post(p, {"csat": 4, "nps": 9})),
        ):
            with CaptureQueriesContext(connection) as queries:
                began = time.perf_counter()
                response = call()
                out[kind].append((time.perf_counter() - began) * 1000)
            out[f"{kind}_q"].append(len(queries))
            expected = 200 if kind == "get" else 303
            if response.status_code != expected:
                sys.exit(f"in-process {kind.upper()} {path}: {response.status_code}, expected {expected}")
    return {k: statistics.median(v) for k, v in out.items()}


# --- the report ---------------------------------------------------------------------------------------------


def render(args, r: dict) -> str:
    by_kind: dict[str, list[Round]] = {}
    for rnd in r["rounds"]:
        by_kind.setdefault(rnd.kind, []).append(rnd)

    def rate(kind: str) -> float:
        rs = by_kind[kind]
        return sum(len(x.shots) for x in rs) / sum(x.seconds for x in rs)

    noop = rate("noop")
    labels = {
        "noop": "no-op POST (same server, middleware)",
        "get": "`GET /feedback/s/<token>/` (the page)",
        "post": "`POST` an answer (stored, 303)",
        "replay": "the same answer again (replay, 303)",
    }
    rows = []
    for kind in ("noop", "get", "post", "replay"):
        rs = by_kind[kind]
        lat = [ms for x in rs for ms in latencies(x)]
        each = " / ".join(f"{x.rate:,.0f}" for x in rs)
        errors = sum(r["errors"][x.label] for x in rs)
        rows.append(
            f"| {labels[kind]} | {sum(len(x.shots) for x in rs):,} | {rate(kind):,.0f} ({each}) | "
            f"{percentile(lat, 0.5):.1f} | {percentile(lat, 0.95):.1f} | {errors} | {rate(kind) / noop:.3f} |"
        )
    p = r["profile"]
    post, get = rate("post"), rate("get")
    return "\n".join(
        [
            f"Run on {date.today():%Y-%m-%d} in {r['seconds']:.0f} s on {os.cpu_count()} cores ({cpu_model()}), "
            f"PostgreSQL {r['pg']} on the same machine, shared with other work (load average {r['load_start']:.1f} "
            f"at the start, {r['load_end']:.1f} at the end). gunicorn {r['gunicorn']}, {args.workers} sync workers "
            f"on 127.0.0.1, `benchmarks.bench_settings`; {args.threads} client threads, `http.client`, a new TCP "
            "connection per request (sync workers close it). Untimed: "
            f"{args.count:,} resolved complaint cases, each with an invitation to a survey asking CSAT, NPS and a "
            f"comment ({r['cases']:,} cases in the database). The POST carries the CSRF cookie and form token as a "
            f"browser does; CSAT and NPS drawn evenly, so {r['low']:.0%} of the answers were low (CSAT ≤ 2 or "
            "NPS ≤ 6) and opened a revisit task for the team lead.",
            "",
            "| request | requests | per second (each round) | p50 ms | p95 ms | errors | throughput / no-op |",
            "| --- | --- | --- | --- | --- | --- | --- |",
            *rows,
            "",
            f"In-process (Django's test client, median of {args.profile}): the page {p['get']:.1f} ms and "
            f"{p['get_q']:.0f} SQL statements; an answer {p['post']:.1f} ms and {p['post_q']:.0f} statements.",
            "",
            f"Reading: the public endpoint accepts {post:,.0f} answers/s ({post / noop:.1%} of the no-op POST's "
            f"{noop:,.0f}/s) and shows {get:,.0f} pages/s ({get / noop:.1%}); a replayed answer is redirected at "
            f"{rate('replay'):,.0f}/s ({rate('replay') / post:.1f}× a first answer): it only verifies the link and "
            "reads the invitation. A first answer is one transaction: the invitation locked, the response and the "
            "invitation's status written, and for a low score the revisit task, its event and the lead's "
            f"notification ({p['post_q']:.0f} statements for a good score in-process). The page is the signature, "
            "one joined read of the invitation and the template. The client threads share the cores with the "
            "server, so the HTTP figures are lower than the in-process ones suggest. A resolved case brings at "
            "most one answer, so even the slowest path is far above what the product needs.",
            "",
            f"Reproduce: `make bench`, or the benchmark alone: `{r['command']}`.",
        ]
    )


# --- main -----------------------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--count", type=int, default=600, help="invitations (each answered once)")
    parser.add_argument("--rounds", type=int, default=2, help="rounds the count is split over")
    parser.add_argument("--threads", type=int, default=4, help="client threads")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers (one per core)")
    parser.add_argument("--profile", type=int, default=20, help="invitations timed in-process")
    parser.add_argument("--no-report", action="store_true", help="print only; leave docs/performance.md")
    args = parser.parse_args()
    if args.count < 10 * args.rounds or args.rounds < 1:
        parser.error("need --count >= 10 x --rounds")

    name = refuse_unless_bench_database()
    started = time.monotonic()
    run = uuid.uuid4().hex[:8]
    r: dict = {"errors": {}, "load_start": os.getloadavg()[0]}
    say(f"Survey answers on {name}; run {run}")
    say(f"1. Opening {args.count + args.profile:,} resolved cases with invitations (untimed)")
    invitations = seed(args.count + args.profile, run)
    timed, profiled = invitations[: args.count], invitations[args.count :]
    revisits_before = RevisitTask.objects.count()

    rng = random.Random(9)
    per_round = args.count // args.rounds
    plan: list[Round] = []
    replays: list[Shot] = []
    for i in range(args.rounds):
        chunk = timed[i * per_round : (i + 1) * per_round]
        gets = [
            Shot("GET", reverse("feedback:answer", args=[t]), expect=200, must_contain=n.encode()) for _i, t, n in chunk
        ]
        posts = []
        for _inv, token, _number in chunk:
            body = answer_body(rng)
            posts.append(Shot("POST", reverse("feedback:answer", args=[token]), body=body, expect=303))
        replays += posts
        noop = [Shot("POST", "/bench/noop/", body=b"{}", expect=202) for _ in chunk]
        plan += [
            Round(f"no-op {i + 1}", "noop", noop),
            Round(f"GET {i + 1}", "get", gets),
            Round(f"POST {i + 1}", "post", posts),
        ]
    plan.append(Round(f"no-op {args.rounds + 1}", "noop", [Shot("POST", "/bench/noop/", b"{}", 202)] * per_round))
    plan.append(Round("replay", "replay", random.Random(3).sample(replays, min(len(replays), per_round))))

    log = Path(os.environ["DATA_DIR"]) / "gunicorn.log"
    say(f"2. Starting gunicorn ({args.workers} sync workers) ...")
    server = Gunicorn(workers=args.workers, log=log)
    server.wait_ready()
    say(f"3. Timed rounds: {', '.join(x.label for x in plan)}; {args.threads} client threads")
    rates: dict[str, float] = {}
    for index, rnd in enumerate(plan):
        say(f"   {rnd.label}: {len(rnd.shots):,} requests")
        rest = plan[index + 1 :]

        def eta_after(current: float, rest=rest) -> float:
            return sum(len(x.shots) / (rates.get(x.kind) or current) for x in rest) if current else 0.0

        fire(server.port, rnd, threads=args.threads, eta_after=eta_after)
        rates[rnd.kind] = rnd.rate
        errors = check(rnd)
        r["errors"][rnd.label] = len(errors)
        lat = latencies(rnd)
        say(
            f"   {rnd.label}: {rnd.rate:,.1f} /s, p50 {percentile(lat, 0.5):.1f} ms, "
            f"p95 {percentile(lat, 0.95):.1f} ms, {len(errors)} errors"
        )
        for error in errors[:5]:
            say(f"     ! {error}")
    server.stop()

    answered = SurveyResponse.objects.filter(invitation__in=[inv for inv, _t, _n in timed]).count()
    missing = args.rounds * per_round - answered
    if missing:
        r["errors"]["rows"] = missing
        say(f"   ! {missing} answers accepted (303) but not stored")
    revisits = RevisitTask.objects.count() - revisits_before
    r["low"] = revisits / answered if answered else 0.0
    say(f"   {answered:,} answers stored, {revisits:,} revisit tasks opened")
    failed = sum(r["errors"].values())
    if failed:
        say(f"\n{failed} errors. The server's log ends with:\n{server.tail()}")

    say(f"4. In-process: {args.profile} GETs and POSTs with their SQL statements")
    r["profile"] = in_process(profiled)
    connections.close_all()
    with connection.cursor() as cur:
        cur.execute("SHOW server_version")
        r["pg"] = cur.fetchone()[0].split()[0]
    import gunicorn

    r["gunicorn"] = gunicorn.__version__
    r["cases"] = Case.objects.count()
    r["rounds"] = plan
    r["seconds"] = time.monotonic() - started
    r["load_end"] = os.getloadavg()[0]
    r["command"] = (
        "DEBUG=1 DATABASE_URL=postgres://postgres@127.0.0.1:5432/aftersales_bench "
        ".venv/bin/python benchmarks/feedback_answers.py"
    )
    section = render(args, r)
    print("\n## Survey answers\n\n" + section, flush=True)
    if failed:
        sys.exit(f"\n{failed} errors: docs/performance.md left as it was.")
    if not args.no_report:
        write_report("Survey answers", section)
        say("\nWritten to docs/performance.md")


if __name__ == "__main__":
    main()
