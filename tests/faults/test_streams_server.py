"""Chat streams cannot take the site down: the web server started exactly as the Procfile's ``web``
line starts it (threaded gunicorn workers, aftersales/gunicorn_conf.py), behind a trusted proxy
(TRUSTED_PROXIES=127.0.0.1, the visitors' addresses in X-Forwarded-For). With ten event streams
open, the desk, the portal and /healthz still answer within a second each; a stream beyond the
caps is answered at once (503 / 429 with Retry-After, the widget then polls); closed streams give
their slots back. With the sync workers the Procfile used before, four streams held both workers
and /healthz timed out.

Also through the same real server: behind the trusted proxy, the portal's ten code requests per
15 minutes are per visitor, not one allowance for every visitor of the site.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

import pytest
import redis

from tests.faults.servers import fetch, manage_shell
from tests.processes import ROOT, env, free_port, get, wait_for

SEED = """
import json
from django.conf import settings
from django.contrib.auth import get_user_model
from django.test import Client
from core.roles import ensure_roles
from channels_app.models import ChatWidget

agent = get_user_model().objects.create_user("stream-agent", "stream-agent@example.com", is_staff=True)
agent.groups.add(ensure_roles()["agent"])
client = Client()
client.force_login(agent)
widget = ChatWidget.objects.create(name="Shop", key="stream-widget", active=True)
print(json.dumps({
    "cookie": settings.SESSION_COOKIE_NAME + "=" + client.cookies[settings.SESSION_COOKIE_NAME].value,
    "widget": widget.key,
}))
"""


class ProcfileWeb:
    """The Procfile's ``web`` command, run by a shell as honcho runs it, on a free port."""

    def __init__(self, tmp: Path, database_url: str, **extra: str):
        line = next(x for x in (ROOT / "Procfile").read_text().splitlines() if x.startswith("web:"))
        self.command = line.split(":", 1)[1].strip()
        self.port, self.log = free_port(), tmp / "web.log"
        data = tmp / "web"
        data.mkdir()
        variables = env(database_url, os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/15"), data)
        bin_dir = str(Path(sys.executable).parent)
        variables.update(PATH=f"{bin_dir}:{variables['PATH']}", HOST="127.0.0.1", PORT=str(self.port), **extra)
        self.proc = subprocess.Popen(
            ["sh", "-c", f"exec {self.command}"],
            cwd=ROOT,
            env=variables,
            stdout=self.log.open("w"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def wait_ready(self) -> None:
        def ready() -> bool:
            try:
                return get(self.base + "/healthz", timeout=5)[0] == 200
            except OSError:
                return False

        wait_for(ready, 60, "the Procfile's web server did not answer", self.log)

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, 15)
            self.proc.wait(30)


def open_stream(port: int, token: str, visitor: str) -> tuple[socket.socket, int, str, float]:
    """GET the chat's event stream as an EventSource does, and leave it open: (socket, status,
    what came first, seconds to the first bytes)."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=10)
    started = time.monotonic()
    sock.sendall(
        (
            f"GET /api/v1/channels/chat/sessions/{token}/events/ HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            f"Accept: text/event-stream\r\nX-Forwarded-For: {visitor}\r\n\r\n"
        ).encode()
    )
    received = b""
    while b"\r\n\r\n" not in received or (b" 200 " in received.split(b"\r\n", 1)[0] and b"retry:" not in received):
        chunk = sock.recv(4096)
        if not chunk:
            break
        received += chunk
    status = int(received.split(b" ", 2)[1])
    if status != 200:  # a refusal: read its JSON body too
        head, _sep, body = received.partition(b"\r\n\r\n")
        length = int(re.search(rb"Content-Length: (\d+)", head, re.IGNORECASE).group(1))
        while len(body) < length:
            chunk = sock.recv(4096)
            if not chunk:
                break
            body += chunk
        received = head + b"\r\n\r\n" + body
    return sock, status, received.decode("utf-8", "replace"), time.monotonic() - started


def start_chat(base: str, widget: str, visitor: str, n: int) -> str:
    status, _headers, text = fetch(
        base + "/api/v1/channels/chat/sessions/",
        data=json.dumps({"widget": widget, "email": f"visitor{n}@example.com", "text": "hello"}).encode(),
        headers={"Content-Type": "application/json", "X-Forwarded-For": visitor},
    )
    assert status == 201, text[:300]
    return json.loads(text)["token"]


def timed_get(url: str, headers: dict | None = None) -> tuple[int, float]:
    started = time.monotonic()
    status, _headers, _text = fetch(url, headers=headers, timeout=5)
    return status, time.monotonic() - started


def private_redis_url() -> str:
    """A Redis database of this test process's own for the server's cache (its rate-limit counts):
    13 for the first pytest-xdist worker (or none), 11 for the second; emptied before each server,
    so no count of an earlier run or of the other worker's server reaches this one."""
    base = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/15").rsplit("/", 1)[0]
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
    url = f"{base}/{11 if worker == 'gw1' else 13}"
    redis.Redis.from_url(url).flushdb()
    return url


@pytest.fixture
def web(product_copy, tmp_path):
    _name, url = product_copy
    seed = manage_shell(SEED, url, tmp_path)
    server = ProcfileWeb(tmp_path, url, TRUSTED_PROXIES="127.0.0.1", REDIS_URL=private_redis_url())
    try:
        server.wait_ready()
        yield server, seed
    finally:
        server.stop()


@pytest.mark.slow
@pytest.mark.django_db
def test_ten_open_streams_leave_the_desk_the_portal_and_healthz_answering_within_a_second(web):
    server, seed = web
    pages = (("/healthz", None), ("/portal/", None), ("/desk/", {"Cookie": seed["cookie"]}))
    for _round in range(3):  # a running site is warm: both processes have loaded each page once
        for path, headers in pages:
            timed_get(server.base + path, headers)
    tokens = [start_chat(server.base, seed["widget"], f"198.51.100.{n}", n) for n in range(10)]
    streams = [open_stream(server.port, token, f"198.51.100.{n}") for n, token in enumerate(tokens)]
    try:
        statuses = [status for _sock, status, _first, _seconds in streams]
        assert set(statuses) <= {200, 503}, statuses
        # Two processes of 8 threads, at most 6 streams each: six or more are live, and whatever
        # went beyond a process's cap was told at once to come back later (the widget polls).
        assert statuses.count(200) >= 6, statuses
        for _sock, status, first, seconds in streams:
            if status == 200:
                assert "retry: 3000" in first
            else:
                assert "Retry-After: 30" in first and "too_many_streams" in first and seconds < 1

        for path, headers in pages:
            status, seconds = timed_get(server.base + path, headers)
            assert status == 200, path
            assert seconds < 1.0, f"{path} took {seconds:.2f} s with ten streams open"
    finally:
        for sock, *_rest in streams:
            sock.close()

    # The closed streams gave their slots back (noticed at the next heartbeat write).
    def a_stream_opens_again() -> bool:
        sock, status, _first, _seconds = open_stream(server.port, tokens[0], "198.51.100.0")
        sock.close()
        return status == 200

    wait_for(a_stream_opens_again, 15, "closed streams did not give their slots back", server.log)
    log = server.log.read_text(errors="replace")
    assert "Traceback" not in log, log[-3000:]


@pytest.mark.slow
@pytest.mark.django_db
def test_one_visitor_cannot_hold_more_than_its_share_of_streams(web):
    server, seed = web
    token = start_chat(server.base, seed["widget"], "203.0.113.5", 0)
    streams = [open_stream(server.port, token, "203.0.113.5") for _ in range(7)]
    try:
        statuses = [status for _sock, status, _first, _seconds in streams]
        # Three per process and client, two processes: the seventh at the latest is refused.
        assert statuses.count(200) <= 6 and 429 in statuses, statuses
        refused = [(first, seconds) for _sock, status, first, seconds in streams if status == 429]
        for first, seconds in refused:
            assert "Retry-After: 30" in first and seconds < 1
        # Another visitor still gets a stream.
        other = open_stream(server.port, start_chat(server.base, seed["widget"], "203.0.113.6", 1), "203.0.113.6")
        other[0].close()
        assert other[1] == 200
    finally:
        for sock, *_rest in streams:
            sock.close()


def portal_post(port: int, visitor: str, number: str) -> int:
    """The portal's start form as a browser behind the proxy sends it (CSRF cookie and token first);
    the status, redirects not followed."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request("GET", "/portal/", headers={"X-Forwarded-For": visitor})
    page = conn.getresponse()
    html = page.read().decode()
    cookie = re.search(r"csrftoken=([^;]+)", page.getheader("Set-Cookie") or "").group(1)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)
    body = urlencode({"csrfmiddlewaretoken": token, "order_number": number, "contact": "someone@example.com"})
    conn.request(
        "POST",
        "/portal/",
        body=body,
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": f"csrftoken={cookie}",
            "X-Forwarded-For": visitor,
        },
    )
    answer = conn.getresponse()
    answer.read()
    conn.close()
    return answer.status


@pytest.mark.slow
@pytest.mark.django_db
def test_behind_the_trusted_proxy_portal_codes_are_limited_per_visitor_not_per_site(web):
    server, _seed = web
    statuses = [portal_post(server.port, "192.0.2.1", f"SO-{n}") for n in range(11)]
    assert statuses[:10] == [302] * 10 and statuses[10] == 429, statuses
    assert portal_post(server.port, "192.0.2.2", "SO-99") == 302, "another visitor behind the proxy has its own"
    # A visitor cannot pick a new address by sending its own header: the proxy appends the real one.
    assert portal_post(server.port, "10.9.9.9, 192.0.2.1", "SO-100") == 429
