"""The load scenario: agents, portal customers and inbound messages at the same time.

    make load            # or: .venv/bin/python benchmarks/load/run.py --minutes 3

Four kinds of users, each on its own loopback source address (127.x.y.z), as people come from
many addresses: the product's per-IP limits (portal codes, chat starts) stay on and are not hit.

* ``Agent``: signs in on the workbench, then reads the queue, opens cases, replies.
* ``PortalCustomer``: asks for a one-time code with an order number and their phone, reads it
  (``sms.keep`` puts the SMS in Redis), signs in; then reads their orders and cases, opens a case,
  starts a return on a new order.
* ``EmailSender``: a shop's mail relay posting signed raw emails to the inbound webhook: new
  customers (a new case each) and replies on the sender's own case (case number in the subject).
* ``ChatVisitor``: starts a chat on the widget, writes, polls for answers; a new chat after a few
  messages.

A request counts as failed when its status is not the one the product promises (a form that comes
back with an error instead of its redirect included). ``LOAD_SEED`` names the JSON that
``seed.py`` printed; ``LOAD_REDIS_URL`` the Redis the SMS backend writes to.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import os
import random
import re
import time
import uuid
from email.utils import formatdate, make_msgid
from pathlib import Path

import redis
from locust import HttpUser, between, task
from requests.adapters import HTTPAdapter

SEED = json.loads(Path(os.environ["LOAD_SEED"]).read_text())
SMS = redis.Redis.from_url(os.environ["LOAD_REDIS_URL"])
CASE_NUMBER = r"[A-Z]+-\d{4}-\d{6}"
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
_addresses = itertools.count(1)
_network = random.randint(1, 250)  # another run within the limits' windows uses other addresses
_agents, _customers = itertools.count(), itertools.count()


class SourceAddress(HTTPAdapter):
    def __init__(self, address: str):
        self.address = address
        super().__init__()

    def init_poolmanager(self, *args, **kwargs):
        kwargs["source_address"] = (self.address, 0)
        super().init_poolmanager(*args, **kwargs)


def new_address(user: HttpUser) -> None:
    n = next(_addresses)
    user.client.mount("http://", SourceAddress(f"127.{_network}.{n // 250}.{n % 250 + 1}"))


def csrf_of(html: str) -> str:
    found = CSRF.search(html)
    return found.group(1) if found else ""


def expect(response, status: int | tuple, *, location: str | None = None) -> bool:
    """Mark the response failed unless it has ``status`` (after redirects: the final page's URL
    contains ``location``)."""
    statuses = (status,) if isinstance(status, int) else status
    ok = response.status_code in statuses and (location is None or location in response.url)
    if ok:
        response.success()
    else:
        response.failure(f"{response.status_code} at {response.url}")
    return ok


class Agent(HttpUser):
    fixed_count = 8
    wait_time = between(1, 4)

    def on_start(self):
        new_address(self)
        self.cases: list[str] = []
        username = SEED["agents"][next(_agents) % len(SEED["agents"])]
        page = self.client.get("/desk/login/", name="agent: login page")
        data = {"username": username, "password": SEED["agent_password"], "csrfmiddlewaretoken": csrf_of(page.text)}
        with self.client.post("/desk/login/", data=data, name="agent: sign in", catch_response=True) as response:
            expect(response, 200, location="/desk/")
            if "/login/" in response.url:
                response.failure("still on the login page")
        self.queue()

    @task(5)
    def queue(self):
        # The open cases mostly; the own queue ("mine", the default) and the breaching ones too.
        name = random.choice(("open", "open", "open", "mine", "breaching"))
        response = self.client.get(f"/desk/?queue={name}", name="agent: queue")
        self.cases = re.findall(rf"/desk/cases/({CASE_NUMBER})/", response.text) or self.cases

    @task(4)
    def case_page(self):
        if self.cases:
            self.client.get(f"/desk/cases/{random.choice(self.cases)}/", name="agent: case page")

    @task(1)
    def reply(self):
        if not self.cases:
            return
        number = random.choice(self.cases)
        page = self.client.get(f"/desk/cases/{number}/", name="agent: case page")
        data = {
            "text": "Thank you, we are looking into it and will write again today.",
            "public": "1",
            "csrfmiddlewaretoken": csrf_of(page.text),
        }
        with self.client.post(
            f"/desk/cases/{number}/message/", data=data, name="agent: reply", catch_response=True
        ) as response:
            expect(response, 200, location=f"/desk/cases/{number}/")


class PortalCustomer(HttpUser):
    fixed_count = 6
    wait_time = between(2, 6)

    def on_start(self):
        new_address(self)
        me = SEED["customers"][next(_customers) % len(SEED["customers"])]
        self.phone, self.orders, self.cases = me["phone"], list(me["orders"]), []
        page = self.client.get("/portal/", name="portal: start page")
        data = {"order_number": self.orders[-1], "contact": self.phone, "csrfmiddlewaretoken": csrf_of(page.text)}
        with self.client.post("/portal/", data=data, name="portal: ask for a code", catch_response=True) as response:
            expect(response, 200, location="/portal/verify/")
        code = self.read_code()
        data = {"code": code, "csrfmiddlewaretoken": csrf_of(response.text)}
        with self.client.post(
            "/portal/verify/", data=data, name="portal: sign in with the code", catch_response=True
        ) as response:
            expect(response, 200, location="/portal/orders/")

    def read_code(self) -> str:
        key = "load-sms:" + re.sub(r"\D", "", self.phone)[-11:]
        for _ in range(50):
            text = SMS.get(key)
            if text:
                SMS.delete(key)
                return re.search(rb"\d{6}", text).group(0).decode()
            time.sleep(0.1)
        return "000000"

    @task(3)
    def my_cases(self):
        response = self.client.get("/portal/my/", name="portal: my orders and cases")
        self.cases = re.findall(rf"/portal/cases/({CASE_NUMBER})/", response.text) or self.cases

    @task(3)
    def look_up_a_case(self):
        if self.cases:
            self.client.get(f"/portal/cases/{random.choice(self.cases)}/", name="portal: case page")

    @task(1)
    def start_a_return(self):
        if len(self.orders) < 2:
            return
        number = self.orders.pop(0)
        page = self.client.get(f"/portal/orders/{number}/", name="portal: order page")
        line = re.search(r'name="qty_(\d+)"', page.text)
        if line is None:
            return
        data = {
            f"qty_{line.group(1)}": "1",
            "kind": "return",
            "reason": "no_reason",
            "reason_text": "It does not fit.",
            "csrfmiddlewaretoken": csrf_of(page.text),
        }
        with self.client.post(
            f"/portal/orders/{number}/", data=data, name="portal: start a return", catch_response=True
        ) as response:
            if expect(response, 200, location="/portal/cases/"):
                self.cases.append(response.url.rstrip("/").rsplit("/", 1)[-1])


def signed(body: bytes) -> dict[str, str]:
    timestamp = str(int(time.time()))
    mac = hmac.new(SEED["inbox_secret"].encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return {
        "X-Aftersales-Timestamp": timestamp,
        "X-Aftersales-Signature": "sha256=" + mac.hexdigest(),
        "Content-Type": "message/rfc822",
    }


def raw_email(*, sender: str, subject: str, text: str) -> bytes:
    return (
        f"From: {sender}\r\nTo: service@load.example.com\r\nSubject: {subject}\r\n"
        f"Message-ID: {make_msgid(domain='customer.load.example.com')}\r\nDate: {formatdate(localtime=True)}\r\n"
        f"Content-Type: text/plain; charset=utf-8\r\n\r\n{text}\r\n"
    ).encode()


class EmailSender(HttpUser):
    fixed_count = 6
    wait_time = between(0.5, 2)

    def on_start(self):
        self.threads: list[tuple[str, str]] = []  # (sender, case number)
        self.path = f"/api/v1/channels/email/{SEED['inbox']}/inbound/"

    def post(self, body: bytes, name: str):
        with self.client.post(self.path, data=body, headers=signed(body), name=name, catch_response=True) as response:
            if expect(response, 202):
                return response.json()
        return None

    @task(3)
    def new_customer(self):
        sender = f"mail-{uuid.uuid4().hex[:12]}@customer.load.example.com"
        text = "The kettle I received leaks from the bottom. Order attached. " * 5
        answer = self.post(raw_email(sender=sender, subject="Leaking kettle", text=text), "inbound: email, new case")
        if answer and answer.get("case"):
            self.threads.append((sender, answer["case"]))

    @task(2)
    def reply_on_own_case(self):
        if not self.threads:
            return
        sender, number = random.choice(self.threads)
        body = raw_email(sender=sender, subject=f"Re: [{number}] Leaking kettle", text="Any news? Here are photos.")
        self.post(body, "inbound: email, reply on a case")


class ChatVisitor(HttpUser):
    fixed_count = 4
    wait_time = between(2, 5)

    def on_start(self):
        self.new_chat()

    def new_chat(self):
        new_address(self)  # a new visitor
        self.headers = {"Origin": SEED["chat_origin"]}
        body = {
            "widget": SEED["widget"],
            "email": f"chat-{uuid.uuid4().hex[:12]}@visitor.load.example.com",
            "name": "Visitor",
            "text": "Hello, where is my parcel?",
            "client_id": uuid.uuid4().hex,
        }
        self.token, self.sent = None, 1
        with self.client.post(
            "/api/v1/channels/chat/sessions/",
            json=body,
            headers=self.headers,
            name="inbound: chat start",
            catch_response=True,
        ) as response:
            if expect(response, 201):
                self.token = response.json()["token"]

    @task(4)
    def write(self):
        if self.token is None or self.sent >= 6:
            self.new_chat()
            return
        body = {"text": f"Message {self.sent}: it was due yesterday.", "client_id": uuid.uuid4().hex}
        with self.client.post(
            f"/api/v1/channels/chat/sessions/{self.token}/messages/",
            json=body,
            headers=self.headers,
            name="inbound: chat message",
            catch_response=True,
        ) as response:
            expect(response, 201)
        self.sent += 1

    @task(3)
    def poll(self):
        if self.token is not None:
            self.client.get(
                f"/api/v1/channels/chat/sessions/{self.token}/messages/?after=0",
                headers=self.headers,
                name="chat: poll messages",
            )
