"""Outgoing URLs (shop webhooks, social replies) go to public https addresses only (core.outgoing).

Refused when saved (model validation, the admin) and again when sent, where the host is resolved,
every address checked and the connection made to the checked address; redirects are not followed.
The receivers are real HTTP servers on 127.0.0.1, which the default refuses and
OUTGOING_ALLOW_PRIVATE_NETWORKS (an in-house shop) allows.
"""

from __future__ import annotations

import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core.exceptions import ValidationError

from cases.services import create_case
from channels_app import shop_webhooks, signed_posts, social
from channels_app.models import Message, ShopWebhook, SocialAccount, WebhookDelivery
from core import outgoing
from tests.cases.factories import CustomerFactory

REFUSED_ADDRESSES = [
    "127.0.0.1",
    "127.8.9.10",
    "10.0.0.1",
    "172.16.5.4",
    "192.168.1.1",
    "100.64.0.1",
    "169.254.169.254",
    "169.254.1.1",
    "0.0.0.0",  # noqa: S104 - an address refused, not bound
    "224.0.0.1",
    "239.255.255.250",
    "240.0.0.1",
    "255.255.255.255",
    "192.0.2.10",
    "::1",
    "::",
    "fc00::1",
    "fd12:3456::1",
    "fe80::1",
    "ff02::1",
    "::ffff:127.0.0.1",
    "::ffff:169.254.169.254",
    "::ffff:10.0.0.1",
    "::127.0.0.1",
    "2002:7f00:1::",  # 6to4 of 127.0.0.1
    "2001:db8::1",
]
PUBLIC_ADDRESSES = ["93.184.216.34", "8.8.8.8", "2606:4700:4700::1111", "::ffff:8.8.8.8", "2002:808:808::"]


@pytest.mark.parametrize("address", REFUSED_ADDRESSES)
def test_loopback_private_link_local_and_special_addresses_are_refused(address):
    assert outgoing.address_refusal(address)


@pytest.mark.parametrize("address", PUBLIC_ADDRESSES)
def test_public_addresses_are_allowed(address):
    assert outgoing.address_refusal(address) is None


def test_the_setting_allows_loopback_and_private_but_never_link_local_multicast_or_unspecified(settings):
    settings.OUTGOING_ALLOW_PRIVATE_NETWORKS = True
    for address in ("127.0.0.1", "10.0.0.1", "192.168.1.1", "fd12:3456::1", "::ffff:127.0.0.1"):
        assert outgoing.address_refusal(address) is None
    for address in ("169.254.169.254", "fe80::1", "0.0.0.0", "::", "224.0.0.1", "::ffff:169.254.169.254"):  # noqa: S104
        assert outgoing.address_refusal(address)


# --- at save time -------------------------------------------------------------------------------------------

REFUSED_URLS = [
    ("http://shop.example.com/hooks", "https://"),
    ("ftp://shop.example.com/hooks", "https://"),
    ("https://127.0.0.1/hooks", "loopback"),
    ("https://localhost/hooks", "loopback"),
    ("https://169.254.169.254/latest/meta-data/", "link-local"),
    ("https://10.1.2.3/hooks", "private"),
    ("https://[::1]/hooks", "loopback"),
    ("https://[fd00::1]/hooks", "private"),
    ("https://[fe80::1]/hooks", "link-local"),
    ("https://[::ffff:127.0.0.1]/hooks", "loopback"),
    ("https://0.0.0.0/hooks", "not an address"),
    ("https://2130706433/hooks", "loopback"),  # 127.0.0.1 written as one number
    ("https://user:pw@shop.example.com/hooks", "user name"),
]


@pytest.mark.parametrize("url, reason", REFUSED_URLS)
def test_a_refused_url_is_a_validation_error_on_the_models(db, url, reason):
    for row in (ShopWebhook(name="Shop", url=url), SocialAccount(code="x", name="X", reply_url=url)):
        with pytest.raises(ValidationError) as refused:
            row.full_clean()
        field = "url" if isinstance(row, ShopWebhook) else "reply_url"
        assert reason in " ".join(refused.value.message_dict[field])


def test_a_public_https_url_or_one_not_resolvable_yet_is_accepted(db):
    ShopWebhook(name="Shop", url="https://93.184.216.34/hooks").full_clean()
    ShopWebhook(name="Shop", url="https://shop.invalid/hooks").full_clean()  # checked again at send


def test_the_setting_accepts_an_in_house_http_shop(db, settings):
    settings.OUTGOING_ALLOW_PRIVATE_NETWORKS = True
    ShopWebhook(name="Shop", url="http://127.0.0.1:8080/hooks").full_clean()
    with pytest.raises(ValidationError):
        ShopWebhook(name="Shop", url="https://169.254.169.254/latest").full_clean()


def test_the_admin_refuses_a_private_webhook_url_with_a_message(client, admin_user):
    client.force_login(admin_user)
    form = {"name": "Shop", "active": "on", "secret": ""}
    response = client.post("/admin/channels_app/shopwebhook/add/", {**form, "url": "https://localhost/hooks"})
    assert response.status_code == 200 and "loopback address" in response.content.decode()
    assert not ShopWebhook.objects.exists()
    response = client.post("/admin/channels_app/shopwebhook/add/", {**form, "url": "https://shop.invalid/hooks"})
    # Saved: the answer is the page that shows the generated signing secret once (core.secret_admin).
    assert response.status_code in (200, 302) and ShopWebhook.objects.get().url == "https://shop.invalid/hooks"


def test_the_admin_refuses_a_metadata_reply_url_for_a_social_account(client, admin_user):
    account = SocialAccount.objects.create(code="weibo", name="Weibo", provider="generic")
    client.force_login(admin_user)
    form = {"code": "weibo", "name": "Weibo", "provider": "generic", "active": "on", "secret": ""}
    url = f"/admin/channels_app/socialaccount/{account.pk}/change/"
    response = client.post(url, {**form, "reply_url": "https://169.254.169.254/latest/meta-data/"})
    assert response.status_code == 200 and "link-local address" in response.content.decode()
    account.refresh_from_db()
    assert account.reply_url == ""


# --- at send time -------------------------------------------------------------------------------------------


class Receiver:
    """A real HTTP server on 127.0.0.1 that records requests and answers ``status`` (with a Location)."""

    def __init__(self, status: int = 200):
        self.requests: list[tuple[str, str]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self):
                length = int(self.headers.get("Content-Length") or 0)
                self.rfile.read(length)
                receiver.requests.append((self.command, self.path))
                code = receiver.status if self.path == "/hooks" else 200
                body = json.dumps({"id": "r-1"}).encode()
                self.send_response(code)
                if 300 <= code < 400:
                    self.send_header("Location", f"http://127.0.0.1:{receiver.port}/elsewhere")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_POST = do_GET = _answer

            def log_message(self, *args):
                pass

        self.status = status
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    server = Receiver()
    yield server
    server.close()


def post(url: str):
    return signed_posts.post_signed(url=url, secret="s", body=b"{}")


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "[::ffff:127.0.0.1]", "2130706433"])
def test_a_send_to_a_loopback_host_is_refused_and_nothing_arrives(receiver, host):
    with pytest.raises(signed_posts.DeliveryError) as refused:
        post(f"https://{host}:{receiver.port}/hooks")
    assert "Not sent" in refused.value.message and "loopback" in refused.value.message
    assert refused.value.status is None and receiver.requests == []


@pytest.mark.parametrize(
    "url", ["https://169.254.169.254/latest/meta-data/", "https://[::1]:9/hooks", "https://[fe80::1]/x"]
)
def test_a_send_to_metadata_or_ipv6_loopback_and_link_local_is_refused(url):
    with pytest.raises(signed_posts.DeliveryError) as refused:
        post(url)
    assert refused.value.message.startswith("Not sent")


def test_plain_http_is_refused_at_send_without_the_setting(receiver):
    with pytest.raises(signed_posts.DeliveryError) as refused:
        post(f"http://127.0.0.1:{receiver.port}/hooks")
    assert "https://" in refused.value.message and receiver.requests == []


def test_with_the_setting_an_in_house_shop_receives_the_post(receiver, settings):
    settings.OUTGOING_ALLOW_PRIVATE_NETWORKS = True
    code, answer = post(f"http://localhost:{receiver.port}/hooks")
    assert code == 200 and json.loads(answer) == {"id": "r-1"}
    assert receiver.requests == [("POST", "/hooks")]


def test_a_redirect_is_a_failed_attempt_and_not_followed(settings):
    settings.OUTGOING_ALLOW_PRIVATE_NETWORKS = True
    server = Receiver(status=302)
    try:
        with pytest.raises(signed_posts.DeliveryError) as refused:
            post(f"http://127.0.0.1:{server.port}/hooks")
    finally:
        server.close()
    assert refused.value.status == 302 and "redirects are not followed" in refused.value.message
    assert "/elsewhere" in refused.value.message
    assert server.requests == [("POST", "/hooks")], "nothing was sent to where it pointed"


def test_the_connection_goes_to_the_address_that_was_checked(receiver, settings, monkeypatch):
    """A name that answers a permitted address at the check and another one later (DNS
    rebinding) is still connected to the checked one: the host is resolved once per send."""
    settings.OUTGOING_ALLOW_PRIVATE_NETWORKS = True
    real = socket.getaddrinfo
    asked: list[str] = []

    def rebinding(host, port, *args, **kwargs):
        if host == "shop.rebind.test":
            asked.append(host)
            address = "127.0.0.1" if len(asked) == 1 else "169.254.169.254"
            return real(address, port, *args, **kwargs)
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", rebinding)
    code, _answer = post(f"http://shop.rebind.test:{receiver.port}/hooks")
    assert code == 200 and receiver.requests == [("POST", "/hooks")] and asked == ["shop.rebind.test"]


def test_a_host_with_one_refused_address_among_public_ones_is_refused(monkeypatch):
    real = socket.getaddrinfo

    def mixed(host, port, *args, **kwargs):
        if host == "shop.mixed.test":
            return real("93.184.216.34", port, *args, **kwargs) + real("10.0.0.5", port, *args, **kwargs)
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", mixed)
    with pytest.raises(signed_posts.DeliveryError) as refused:
        post("https://shop.mixed.test/hooks")
    assert "10.0.0.5" in refused.value.message


@pytest.mark.django_db
def test_a_shop_webhook_saved_before_the_check_is_refused_at_send(receiver):
    endpoint = ShopWebhook.objects.create(name="Old", url=f"https://localhost:{receiver.port}/hooks")
    create_case(customer=CustomerFactory(), kind="complaint", channel="email")  # queues case.created
    delivery = WebhookDelivery.objects.get(endpoint=endpoint)
    assert shop_webhooks.deliver(delivery_id=delivery.pk) is False
    delivery.refresh_from_db()
    assert delivery.attempts == 1 and "loopback" in delivery.last_error and receiver.requests == []


@pytest.mark.django_db
def test_a_social_reply_to_a_private_address_is_refused_at_send(receiver):
    account = SocialAccount.objects.create(
        code="weibo", name="Weibo", provider="generic", reply_url=f"https://127.0.0.1:{receiver.port}/hooks"
    )
    message = Message.objects.create(
        direction="out",
        channel="social",
        dedupe_key="social:weibo:r1",
        recipient="u-1",
        text="hi",
        created_at="2026-01-01T00:00:00Z",
    )
    with pytest.raises(signed_posts.DeliveryError):
        social.GenericAdapter().send(account=account, message=message)
    assert receiver.requests == []
