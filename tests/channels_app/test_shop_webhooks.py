"""Events to the shop's webhooks: written in the change's transaction, signed, delivered and retried.

The shop is a real HTTP server in a thread of the test (``shop``): it records every request and
answers with the statuses a test queues. Nothing of the product is mocked; only the broker (outside
the product) is replaced, by running the tasks eagerly or by a broker that is down.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from datetime import timedelta
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.db import connection, transaction
from django.urls import reverse

from cases.models import Case, CaseEvent, CustomerTier, EventType
from cases.services import LineRequest, create_case, record_event, transition_case
from channels_app import shop_webhooks, signing
from channels_app.models import ShopWebhook, WebhookDelivery, WebhookDeliveryStatus
from channels_app.shop_webhooks import REFUND_EVENT_NAMESPACE
from core import clock
from tests.cases.factories import CustomerFactory, OrderLineFactory

pytestmark = pytest.mark.django_db


# --- the shop ---------------------------------------------------------------------------------------


class ShopRequest:
    def __init__(self, path: str, headers, body: bytes):
        self.path, self.headers, self.body = path, headers, body

    @property
    def json(self) -> dict:
        return json.loads(self.body)


class Shop:
    """The shop's webhook receiver: records requests, answers ``statuses`` in turn (then 200)."""

    def __init__(self):
        self.requests: list[ShopRequest] = []
        self.statuses: list[int] = []
        self.delay = 0.0
        self.received = threading.Event()
        shop = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                shop.requests.append(ShopRequest(self.path, self.headers, body))
                shop.received.set()
                status = shop.statuses.pop(0) if shop.statuses else 200
                time.sleep(shop.delay)
                reply = json.dumps({"ok": 200 <= status < 300}).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)

            def log_message(self, format, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hooks/aftersales"

    def types(self) -> list[str]:
        return [r.json["type"] for r in self.requests]


@pytest.fixture
def shop(settings):
    # The shop here is an in-house one: plain http on 127.0.0.1, which the default refuses
    # (tests/core/test_outgoing.py).
    settings.OUTGOING_ALLOW_PRIVATE_NETWORKS = True
    server = Shop()
    server.thread.start()
    yield server
    server.server.shutdown()
    server.server.server_close()


@pytest.fixture
def endpoint(shop):
    return ShopWebhook.objects.create(name="Shop", url=shop.url)


@pytest.fixture
def eager_tasks():
    """Celery runs the nudged task at once, in the process (there is no worker in a test)."""
    from aftersales.celery import app

    before = app.conf.task_always_eager, app.conf.task_eager_propagates
    app.conf.task_always_eager, app.conf.task_eager_propagates = True, True
    yield
    app.conf.task_always_eager, app.conf.task_eager_propagates = before


def assert_signed(request: ShopRequest, endpoint: ShopWebhook) -> None:
    signing.verify(
        secret=endpoint.secret,
        timestamp=request.headers.get(signing.TIMESTAMP_HEADER),
        signature=request.headers.get(signing.SIGNATURE_HEADER),
        body=request.body,
    )


def later(monkeypatch, seconds: float) -> None:
    """Move the product's clock forward (``core.clock`` is the one place it reads the time)."""
    moved = clock.now() + timedelta(seconds=seconds)
    monkeypatch.setattr(clock, "now", lambda: moved)


# --- cases with real events -------------------------------------------------------------------------


def refund_only_case(*, agent, tier=CustomerTier.REGULAR) -> Case:
    line = OrderLineFactory(
        quantity=2, unit_price=Decimal("100.00"), order__customer__external_id="C-77", order__customer__tier=tier
    )
    case = create_case(
        customer=line.order.customer,
        kind="refund_only",
        channel="portal",
        order=line.order,
        lines=[LineRequest(order_line=line, quantity=2)],
    )
    assert case.status == "new"
    transition_case(case=case, name="approve", actor=agent)
    return case


def exchange_case(*, tier: str) -> Case:
    line = OrderLineFactory(order__customer__tier=tier, order__customer__external_id=f"C-{tier}")
    case = create_case(
        customer=line.order.customer,
        kind="exchange",
        channel="portal",
        order=line.order,
        reason_code="wrong_size",
        lines=[LineRequest(order_line=line, quantity=1)],
    )
    assert case.status == "new"
    return case


def deliveries(**filters) -> list[WebhookDelivery]:
    return list(WebhookDelivery.objects.filter(**filters).order_by("id"))


# --- what is written, and when ----------------------------------------------------------------------


def test_with_no_endpoint_a_case_event_costs_one_query(django_assert_max_num_queries, agent):
    case = create_case(customer=CustomerFactory(), kind="complaint", channel="email")
    event = CaseEvent.objects.filter(case=case, type=EventType.CREATED).get()
    with django_assert_max_num_queries(1):
        shop_webhooks.on_case_event(case=case, event=event)
    note = record_event(case=case, type=EventType.NOTE, actor=agent, note="internal")
    with django_assert_max_num_queries(0):
        shop_webhooks.on_case_event(case=case, event=note)
    assert not WebhookDelivery.objects.exists()


def test_a_case_event_with_no_endpoint_adds_exactly_the_endpoint_query(agent):
    """Measured on the whole transition: the receiver costs the one ``ShopWebhook`` query."""
    from django.test.utils import CaptureQueriesContext

    case = create_case(customer=CustomerFactory(), kind="complaint", channel="email")
    with CaptureQueriesContext(connection) as queries:
        transition_case(case=case, name="start", actor=agent)
    table = ShopWebhook._meta.db_table
    assert [q["sql"] for q in queries.captured_queries if f'"{table}"' in q["sql"]] != []
    assert sum(f'"{table}"' in q["sql"] for q in queries.captured_queries) == 1
    assert not any(f'"{WebhookDelivery._meta.db_table}"' in q["sql"] for q in queries.captured_queries)


def test_created_and_each_step_write_one_delivery_per_endpoint_with_a_json_safe_payload(shop, endpoint, agent):
    case = refund_only_case(agent=agent)
    transition_case(case=case, name="resolve", actor=agent, resolution_type="refund", refund_amount="80")

    rows = deliveries(endpoint=endpoint)
    assert [r.event_type for r in rows] == [
        "case.created",
        "case.status_changed",  # approve
        "case.status_changed",  # resolve
        "refund.requested",
    ]
    assert all(r.status == "pending" and r.case_id == case.pk and r.attempts == 0 for r in rows)
    created, approved, resolved, refund = (r.payload for r in rows)
    assert created["id"] == str(rows[0].event_id) and created["type"] == "case.created"
    summary = created["data"]["case"]
    assert summary["number"] == case.number
    assert (summary["kind"], summary["status"], summary["channel"]) == ("refund_only", "new", "portal")
    assert summary["customer"] == {"external_id": "C-77", "tier": "regular"}
    assert summary["order"] == {"number": case.order.number}
    assert "email" not in json.dumps(created) and case.customer.name not in json.dumps(created)
    assert approved["data"]["change"]["transition"] == "approve"
    assert (approved["data"]["change"]["from"], approved["data"]["change"]["to"]) == ("new", "approved")
    assert resolved["data"]["case"]["refund"] == {"amount": "80.00", "currency": "CNY"}
    order_line = case.lines.get().order_line
    ledger = case.refunds.get()
    assert refund["data"]["refund"] == {
        "id": ledger.pk,
        "key": ledger.key,
        "amount": "80.00",
        "currency": "CNY",
        "order_number": case.order.number,
        "resolution": "refund",
        "lines": [{"sku": order_line.sku, "quantity": 2}],
        "order_lines": [{"sku": order_line.sku, "line_no": order_line.line_no, "amount": "80.00"}],
    }
    assert refund["id"] == str(uuid.uuid5(REFUND_EVENT_NAMESPACE, ledger.key)), "the id follows the refund"
    json.dumps([r.payload for r in rows])  # stored JSON-safe: nothing to convert


def test_a_refunding_resolution_without_amount_or_a_coupon_requests_no_refund(endpoint, agent):
    case = create_case(customer=CustomerFactory(), kind="complaint", channel="email")
    transition_case(case=case, name="start", actor=agent)
    transition_case(case=case, name="resolve", actor=agent, resolution_type="goodwill_coupon")
    assert "refund.requested" not in [r.event_type for r in deliveries()]


def test_a_vip_exchange_asks_for_the_replacement_on_approval_and_only_once(endpoint, agent):
    case = exchange_case(tier=CustomerTier.VIP)
    transition_case(case=case, name="approve", actor=agent)
    asked = deliveries(event_type="replacement.requested")
    assert len(asked) == 1
    replacement = asked[0].payload["data"]["replacement"]
    assert replacement["reason"] == "instant_exchange"
    assert replacement["order_number"] == case.order.number
    assert replacement["lines"][0]["quantity"] == 1

    transition_case(case=case, name="ship_return", actor=agent, carrier="SF", tracking_number="SF1234567890")
    transition_case(case=case, name="receive", actor=agent)
    transition_case(case=case, name="inspect", actor=agent, passed=True, grade="A")
    transition_case(case=case, name="resolve", actor=agent, resolution_type="exchange")
    assert len(deliveries(event_type="replacement.requested")) == 1, "never twice for one case"
    assert len(deliveries(event_type="case.status_changed")) == 5


def test_a_regular_exchange_asks_for_the_replacement_when_resolved(endpoint, agent):
    case = exchange_case(tier=CustomerTier.REGULAR)
    transition_case(case=case, name="approve", actor=agent)
    assert deliveries(event_type="replacement.requested") == []
    transition_case(case=case, name="ship_return", actor=agent, carrier="SF", tracking_number="SF1234567890")
    transition_case(case=case, name="receive", actor=agent)
    transition_case(case=case, name="inspect", actor=agent, passed=True, grade="A")
    transition_case(case=case, name="resolve", actor=agent, resolution_type="exchange")
    (asked,) = deliveries(event_type="replacement.requested")
    assert asked.payload["data"]["replacement"]["reason"] == "resolution"
    assert asked.payload["data"]["replacement"]["resolution"] == "exchange"


def test_endpoints_get_only_the_events_they_chose_and_inactive_ones_nothing(shop, agent):
    refunds = ShopWebhook.objects.create(name="Refunds", url=shop.url, events=["refund.requested"])
    everything = ShopWebhook.objects.create(name="All", url=shop.url)
    ShopWebhook.objects.create(name="Off", url=shop.url, active=False)
    case = refund_only_case(agent=agent)
    transition_case(case=case, name="resolve", actor=agent, resolution_type="refund", refund_amount="50")

    assert [r.event_type for r in deliveries(endpoint=refunds)] == ["refund.requested"]
    assert len(deliveries(endpoint=everything)) == 4
    assert WebhookDelivery.objects.count() == 5
    (mine,) = deliveries(endpoint=refunds)
    (theirs,) = deliveries(endpoint=everything, event_type="refund.requested")
    assert mine.event_id == theirs.event_id, "one event, one id, whichever endpoint it goes to"


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_case_change_writes_and_sends_nothing(shop, endpoint, eager_tasks, agent):
    customer = CustomerFactory()
    with pytest.raises(RuntimeError), transaction.atomic():
        create_case(customer=customer, kind="complaint", channel="email")
        assert WebhookDelivery.objects.count() == 1, "written inside the change's transaction"
        raise RuntimeError("the surrounding work failed")
    assert not WebhookDelivery.objects.exists()
    assert not Case.objects.exists()
    time.sleep(0.2)
    assert shop.requests == []

    create_case(customer=customer, kind="complaint", channel="email")  # committed: the nudge sends it
    assert shop.types() == ["case.created"]
    assert WebhookDelivery.objects.get().status == "delivered"


def test_after_commit_the_delivery_is_sent_signed_with_the_event_headers(
    shop, endpoint, eager_tasks, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        case = create_case(customer=CustomerFactory(external_id="C-1"), kind="inquiry", channel="chat")
    (request,) = shop.requests
    delivery = WebhookDelivery.objects.get()
    assert_signed(request, endpoint)
    with pytest.raises(signing.SignatureError):
        signing.verify(
            secret="not-the-secret",
            timestamp=request.headers[signing.TIMESTAMP_HEADER],
            signature=request.headers[signing.SIGNATURE_HEADER],
            body=request.body,
        )
    assert request.path == "/hooks/aftersales"
    assert request.headers["Content-Type"] == "application/json"
    assert request.headers["X-Aftersales-Event"] == "case.created"
    assert request.headers["X-Aftersales-Delivery"] == str(delivery.event_id)
    assert request.json["id"] == str(delivery.event_id)
    assert request.json["data"]["case"]["number"] == case.number
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("delivered", 1, 200)
    assert delivery.delivered_at is not None and delivery.next_attempt_at is None


def test_a_broker_that_is_down_loses_nothing_the_sweep_sends_it(
    shop, endpoint, monkeypatch, caplog, django_capture_on_commit_callbacks
):
    from kombu.exceptions import OperationalError

    from channels_app import tasks

    def broker_down(*args, **kwargs):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(tasks.deliver_webhook, "delay", broker_down)
    with django_capture_on_commit_callbacks(execute=True):
        create_case(customer=CustomerFactory(), kind="complaint", channel="email")
    assert "beat task will send it" in caplog.text
    assert shop.requests == []
    assert shop_webhooks.deliver_due() == 1
    assert shop.types() == ["case.created"]


# --- delivery, retries, giving up ------------------------------------------------------------------


def queued(endpoint) -> WebhookDelivery:
    create_case(customer=CustomerFactory(), kind="complaint", channel="email")
    return WebhookDelivery.objects.get(endpoint=endpoint)


def test_a_500_is_retried_with_backoff_then_succeeds_with_the_same_event_id(shop, endpoint, monkeypatch):
    delivery = queued(endpoint)
    shop.statuses = [500]
    assert shop_webhooks.deliver(delivery_id=delivery.pk) is False
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("pending", 1, 500)
    assert delivery.last_error.startswith("HTTP 500")
    wait = (delivery.next_attempt_at - clock.now()).total_seconds()
    assert 25 < wait <= 30

    assert shop_webhooks.deliver(delivery_id=delivery.pk) is False, "not due yet: nothing is sent early"
    assert shop_webhooks.deliver_due() == 0
    assert len(shop.requests) == 1

    later(monkeypatch, 31)
    assert shop_webhooks.deliver_due() == 1
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("delivered", 2, 200)
    first, second = shop.requests
    assert first.json["id"] == second.json["id"] == str(delivery.event_id)
    assert second.headers[signing.TIMESTAMP_HEADER] != first.headers[signing.TIMESTAMP_HEADER], "signed again"
    assert_signed(second, endpoint)


def test_the_backoff_grows_and_after_ten_attempts_the_delivery_gives_up(shop, endpoint, monkeypatch):
    delivery = queued(endpoint)
    shop.statuses = [503] * 20
    waits = []
    for _attempt in range(shop_webhooks.MAX_ATTEMPTS):
        assert shop_webhooks.deliver_due() == 0
        delivery.refresh_from_db()
        if delivery.next_attempt_at:
            waits.append(round((delivery.next_attempt_at - clock.now()).total_seconds()))
            later(monkeypatch, waits[-1] + 1)
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("failed", 10, 503)
    assert delivery.next_attempt_at is None
    assert waits[:4] == [30, 60, 120, 240] and waits == sorted(waits) and max(waits) <= 3600
    assert len(shop.requests) == 10
    later(monkeypatch, 7200)
    assert shop_webhooks.deliver_due() == 0
    assert len(shop.requests) == 10, "given up: nothing more is sent"


def test_timeouts_and_refused_connections_count_attempts_and_never_raise(shop, endpoint, settings):
    settings.CHANNELS_HTTP_TIMEOUT = 1
    delivery = queued(endpoint)
    shop.delay = 2
    assert shop_webhooks.deliver(delivery_id=delivery.pk) is False
    delivery.refresh_from_db()
    assert (delivery.attempts, delivery.last_status_code) == (1, None)
    assert "timed out" in delivery.last_error.lower()

    closed = Shop()  # bound, never served, then closed: the port refuses connections
    closed.server.server_close()
    ShopWebhook.objects.filter(pk=endpoint.pk).update(url=closed.url)
    WebhookDelivery.objects.filter(pk=delivery.pk).update(next_attempt_at=clock.now())
    assert shop_webhooks.deliver(delivery_id=delivery.pk) is False
    delivery.refresh_from_db()
    assert delivery.attempts == 2 and "refused" in delivery.last_error.lower()


def test_a_redirect_is_a_failure_not_a_get_elsewhere(shop, endpoint):
    delivery = queued(endpoint)
    shop.statuses = [302]
    assert shop_webhooks.deliver(delivery_id=delivery.pk) is False
    delivery.refresh_from_db()
    assert (delivery.status, delivery.last_status_code) == ("pending", 302)
    assert len(shop.requests) == 1


def test_two_deliver_calls_send_once(shop, endpoint):
    delivery = queued(endpoint)
    assert shop_webhooks.deliver(delivery_id=delivery.pk) is True
    assert shop_webhooks.deliver(delivery_id=delivery.pk) is False
    assert shop_webhooks.deliver_due() == 0
    assert len(shop.requests) == 1


@pytest.mark.django_db(transaction=True)
def test_two_workers_delivering_the_same_row_at_once_send_it_once(shop, endpoint):
    delivery = queued(endpoint)
    shop.delay = 1.0  # the first worker holds the row while the shop answers
    results = {}

    def worker(name):
        try:
            results[name] = shop_webhooks.deliver(delivery_id=delivery.pk)
        finally:
            connection.close()

    first = threading.Thread(target=worker, args=("first",))
    first.start()
    assert shop.received.wait(5)
    second = threading.Thread(target=worker, args=("second",))
    second.start()
    second.join(5)
    first.join(5)
    assert results == {"first": True, "second": False}
    assert len(shop.requests) == 1
    assert WebhookDelivery.objects.get().status == "delivered"


def test_a_switched_off_endpoint_keeps_its_deliveries_pending(shop, endpoint):
    delivery = queued(endpoint)
    ShopWebhook.objects.filter(pk=endpoint.pk).update(active=False)
    assert shop_webhooks.deliver(delivery_id=delivery.pk) is False
    assert shop_webhooks.deliver_due() == 0
    assert shop.requests == []
    ShopWebhook.objects.filter(pk=endpoint.pk).update(active=True)
    assert shop_webhooks.deliver_due() == 1


def test_the_sweep_walks_every_due_row_in_batches(shop, endpoint):
    for _n in range(5):
        queued_case = create_case(customer=CustomerFactory(), kind="complaint", channel="email")
        assert queued_case.pk
    shop.statuses = [500]  # the first fails and is rescheduled; the sweep still ends
    assert shop_webhooks.deliver_due(batch=2) == 4
    assert len(shop.requests) == 5
    assert WebhookDelivery.objects.filter(status="pending").count() == 1


# --- replay ----------------------------------------------------------------------------------------


def test_replay_sends_a_failed_delivery_again_with_the_same_event_id(shop, endpoint, admin_user):
    delivery = queued(endpoint)
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        status=WebhookDeliveryStatus.FAILED,
        attempts=10,
        last_status_code=500,
        last_error="HTTP 500",
        next_attempt_at=None,
    )
    count = shop_webhooks.replay(deliveries=WebhookDelivery.objects.filter(pk=delivery.pk), actor=admin_user)
    assert count == 1
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("pending", 0)
    assert delivery.last_error.startswith("Replayed by admin-x")
    assert "10 attempts" in delivery.last_error and "HTTP 500" in delivery.last_error

    assert shop_webhooks.deliver(delivery_id=delivery.pk) is True
    (request,) = shop.requests
    assert request.json["id"] == str(delivery.event_id)
    assert request.headers["X-Aftersales-Delivery"] == str(delivery.event_id)


def test_replay_of_a_delivered_event_sends_it_again_and_the_shop_can_deduplicate(shop, endpoint, admin_user):
    delivery = queued(endpoint)
    assert shop_webhooks.deliver(delivery_id=delivery.pk)
    assert shop_webhooks.replay(deliveries=[delivery], actor=admin_user) == 1
    assert shop_webhooks.deliver_due() == 1
    first, second = shop.requests
    assert first.json == second.json


# --- admin -----------------------------------------------------------------------------------------


def changelist(model) -> str:
    return reverse(f"admin:channels_app_{model._meta.model_name}_changelist")


def change(obj) -> str:
    return reverse(f"admin:channels_app_{obj._meta.model_name}_change", args=[obj.pk])


@pytest.fixture
def logged(endpoint, agent):
    refund_only_case(agent=agent)
    return WebhookDelivery.objects.first()


def test_admin_pages_render_for_an_admin_with_the_delivery_log(client, admin_user, endpoint, logged):
    client.force_login(admin_user)
    for url in (changelist(ShopWebhook), change(endpoint), changelist(WebhookDelivery), change(logged)):
        assert client.get(url).status_code == 200, url
    page = client.get(change(logged)).content.decode()
    assert logged.payload["data"]["case"]["number"] in page
    assert str(logged.event_id) in page
    assert endpoint.secret not in client.get(change(endpoint)).content.decode()  # write-only, even here
    for query in ("?status__exact=pending", "?event_type__exact=case.created", f"?endpoint__id__exact={endpoint.pk}"):
        assert client.get(changelist(WebhookDelivery) + query).status_code == 200
    found = client.get(changelist(WebhookDelivery) + f"?q={logged.event_id}")
    assert found.context["cl"].result_count == 1


def test_the_delivery_log_cannot_be_edited_even_by_an_admin(client, admin_user, logged):
    client.force_login(admin_user)
    client.post(change(logged), {"status": "delivered", "attempts": 0})
    logged.refresh_from_db()
    assert logged.status == "pending"
    assert client.get(reverse("admin:channels_app_webhookdelivery_add")).status_code == 403


def test_an_admin_replays_selected_deliveries_from_the_log(client, admin_user, shop, logged):
    WebhookDelivery.objects.update(status=WebhookDeliveryStatus.FAILED, attempts=10, next_attempt_at=None)
    client.force_login(admin_user)
    response = client.post(
        changelist(WebhookDelivery), {"action": "replay_selected", "_selected_action": [logged.pk]}, follow=True
    )
    assert response.status_code == 200
    logged.refresh_from_db()
    assert (logged.status, logged.attempts) == ("pending", 0)
    assert WebhookDelivery.objects.filter(status="failed").count() == WebhookDelivery.objects.count() - 1
    assert shop_webhooks.deliver_due() == 1
    assert shop.requests[0].json["id"] == str(logged.event_id)


def test_an_admin_sends_a_test_event_to_an_endpoint(client, admin_user, shop, endpoint):
    client.force_login(admin_user)
    response = client.post(
        changelist(ShopWebhook), {"action": "send_test_event", "_selected_action": [endpoint.pk]}, follow=True
    )
    assert response.status_code == 200
    test = WebhookDelivery.objects.get(event_type=shop_webhooks.TEST_EVENT)
    assert test.case is None and test.endpoint == endpoint
    assert shop_webhooks.deliver(delivery_id=test.pk)
    (request,) = shop.requests
    assert request.headers["X-Aftersales-Event"] == "webhook.test"
    assert_signed(request, endpoint)
    assert client.get(change(test)).status_code == 200


def test_a_manager_reads_endpoints_and_log_without_the_secret_and_cannot_replay(client, manager, endpoint, logged):
    client.force_login(manager)
    for url in (changelist(ShopWebhook), change(endpoint), changelist(WebhookDelivery), change(logged)):
        assert client.get(url).status_code == 200, url
    assert endpoint.secret not in client.get(change(endpoint)).content.decode()
    action_form = client.get(changelist(WebhookDelivery)).context["action_form"]
    assert action_form is None or "replay_selected" not in dict(action_form.fields["action"].choices)
    WebhookDelivery.objects.update(status=WebhookDeliveryStatus.FAILED)
    client.post(changelist(WebhookDelivery), {"action": "replay_selected", "_selected_action": [logged.pk]})
    client.post(changelist(ShopWebhook), {"action": "send_test_event", "_selected_action": [endpoint.pk]})
    assert set(WebhookDelivery.objects.values_list("status", flat=True)) == {"failed"}
    assert not WebhookDelivery.objects.filter(event_type=shop_webhooks.TEST_EVENT).exists()


def test_agents_and_outsiders_are_refused_the_webhook_admin(client, agent, outsider, endpoint, logged):
    urls = (changelist(ShopWebhook), change(endpoint), changelist(WebhookDelivery), change(logged))
    client.force_login(agent)
    for url in urls:
        assert client.get(url).status_code == 403, url
    response = client.post(changelist(WebhookDelivery), {"action": "replay_selected", "_selected_action": [logged.pk]})
    assert response.status_code == 403
    client.force_login(outsider)  # not staff: sent to the admin's login
    for url in urls:
        assert client.get(url).status_code == 302, url
    logged.refresh_from_db()
    assert logged.status == "pending" and logged.attempts == 0


def test_an_admin_adds_an_endpoint_choosing_its_events(client, admin_user):
    client.force_login(admin_user)
    response = client.post(
        reverse("admin:channels_app_shopwebhook_add"),
        {
            "name": "Refund service",
            "url": "https://shop.example.com/hooks",
            "active": "on",
            "events": ["refund.requested", "replacement.requested"],
            "secret": "s3cret-shared-with-the-shop",
        },
    )
    assert response.status_code == 302
    added = ShopWebhook.objects.get(name="Refund service")
    assert added.events == ["refund.requested", "replacement.requested"]
    assert added.wants("refund.requested") and not added.wants("case.created")
