"""The portal's one-time-code limits count per client, so nobody can spend someone else's:
a stranger's requests and wrong guesses on an order never lock its customer out, and behind a
trusted proxy the limits are per visitor (from X-Forwarded-For), not one allowance for the site.

Who: anyone may ask for a code and try one; a code only opens the order in the browser session
it was requested in.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from channels_app.models import PortalCode
from tests.cases.factories import CustomerFactory, OrderFactory

pytestmark = pytest.mark.django_db

STRANGER, CUSTOMER, PROXY = "203.0.113.66", "198.51.100.7", "10.0.0.2"


@pytest.fixture(autouse=True)
def fresh_limits():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def order():
    customer = CustomerFactory(email="wang@example.com", language="en")
    return OrderFactory(number="SO-7101", customer=customer, placed_at=timezone.now() - timedelta(days=3))


def ask(client: Client, contact: str = "wang@example.com", number: str = "SO-7101", **meta):
    return client.post("/portal/", {"order_number": number, "contact": contact}, **meta)


def code_from_mail() -> str:
    return re.search(r"\b(\d{6})\b", mail.outbox[-1].body).group(1)


def test_a_strangers_requests_on_an_order_do_not_lock_the_customer_out(order):
    stranger = Client(REMOTE_ADDR=STRANGER)
    for _ in range(5):
        assert ask(stranger, "guess@example.com").status_code == 302
    assert ask(stranger, "guess@example.com").status_code == 429  # the stranger is stopped

    customer = Client(REMOTE_ADDR=CUSTOMER)
    assert ask(customer).status_code == 302
    assert mail.outbox and mail.outbox[-1].to == ["wang@example.com"]
    assert customer.post("/portal/verify/", {"code": code_from_mail()})["Location"] == "/portal/orders/SO-7101/"


def test_a_strangers_wrong_codes_do_not_burn_the_code_the_customer_was_sent(order):
    customer = Client(REMOTE_ADDR=CUSTOMER)
    assert ask(customer).status_code == 302
    good = code_from_mail()

    stranger = Client(REMOTE_ADDR=STRANGER)
    ask(stranger, "guess@example.com")  # puts the order number in the stranger's session
    wrong = "000000" if good != "000000" else "111111"
    for _ in range(6):
        assert stranger.post("/portal/verify/", {"code": wrong}).status_code == 400
    assert stranger.post("/portal/verify/", {"code": good}).status_code == 400, "not the stranger's code"
    assert PortalCode.objects.get().attempts == 0

    assert customer.post("/portal/verify/", {"code": good})["Location"] == "/portal/orders/SO-7101/"


def test_one_client_is_still_limited_to_ten_requests(order):
    client = Client(REMOTE_ADDR=STRANGER)
    for n in range(10):
        ask(client, "a@example.com", number=f"SO-X{n}")
    assert ask(client).status_code == 429
    assert not mail.outbox


def test_behind_a_trusted_proxy_ten_codes_per_fifteen_minutes_are_per_visitor(order, settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    busy = Client(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=STRANGER)
    for n in range(10):
        ask(busy, "a@example.com", number=f"SO-X{n}")
    assert ask(busy).status_code == 429

    # Another visitor through the same proxy has an allowance of their own.
    other = Client(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=CUSTOMER)
    assert ask(other).status_code == 302
    assert mail.outbox[-1].to == ["wang@example.com"]


def test_a_forwarded_header_from_an_untrusted_peer_does_not_buy_more_tries(order, settings):
    settings.TRUSTED_PROXIES = []
    for n in range(10):
        ask(Client(REMOTE_ADDR=STRANGER, HTTP_X_FORWARDED_FOR=f"192.0.2.{n}"), "a@example.com", number=f"SO-X{n}")
    fresh_header = Client(REMOTE_ADDR=STRANGER, HTTP_X_FORWARDED_FOR="192.0.2.200")
    assert ask(fresh_header).status_code == 429
