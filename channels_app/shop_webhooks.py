"""Events to the shop's webhooks, through an outbox (DESIGN.md §2).

What is sent
    ``case.created``           a case was opened (any channel);
    ``case.status_changed``    every step of the state machine, with ``from``, ``to`` and ``transition``;
    ``refund.requested``       the refund ledger recorded a refund (``cases.money.ledger``): the shop pays it
                               (the refund's own ``id`` and ``key``, amount, the order's currency, order
                               number, resolution, lines). One event per refund, whose id is derived
                               from the refund's key: a second resolve of a reopened case asks only
                               for new money, and a replay never asks twice;
    ``replacement.requested``  the shop ships an item: a resolution ``exchange``, ``repair`` or
                               ``reship_part``, or, for a VIP customer's exchange, already on approval
                               (instant exchange). Sent once per case and endpoint, whichever comes first;
    ``coupon.requested``       a customer answered a satisfaction survey and the feedback app thanks them
                               with a coupon (``FeedbackSettings.reward_enabled``): the shop issues it
                               (value, currency, the survey response's id). Sent once per response and
                               endpoint.

How
    ``on_case_event`` runs inside the transaction of the case change (``channels_app.receivers``) and
    writes one ``WebhookDelivery`` per active endpoint that wants the event type, so a rolled-back
    change sends nothing. The deliveries are a kind of the kernel's outbox (``core.outbox``;
    ``WebhookOutbox`` below supplies the POST): after commit the task ``deliver_webhook`` is nudged; a
    broker that is down only delays the delivery until the beat sweep (``deliver_due``, every 30 s)
    finds the row.
    With no endpoint configured an event costs one query (the endpoint list, which comes back empty).

The request
    ``POST <url>`` with the JSON body ``{"id", "type", "created_at", "data"}`` where ``data`` holds
    ``case`` (number, kind, status, channel, priority, reason, customer external id and tier, order
    number, resolution, refund, lines) and, by type, ``change``, ``refund``, ``replacement`` or
    ``coupon``.
    Headers: ``Content-Type: application/json``, ``X-Aftersales-Event`` (the type),
    ``X-Aftersales-Delivery`` (the event id), and ``X-Aftersales-Timestamp`` /
    ``X-Aftersales-Signature`` (``channels_app.signing``, signed at each attempt with the endpoint's
    secret). Any 2xx is success; redirects are not followed (a 3xx is a failure).

Delivery is at least once: a timeout after the shop processed the event, or an admin's replay,
sends the same event again with the same ``id``. The shop deduplicates by that id (it is the same
for every endpoint an event goes to and never changes on retries or replays).
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from cases.models import (
    Case,
    CaseEvent,
    CaseKind,
    CustomerTier,
    EventType,
    Refund,
    RefundStatus,
    ResolutionType,
)
from channels_app import signed_posts
from channels_app.models import ShopWebhook, WebhookDelivery, WebhookEventType
from core import clock, outbox

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 10
EVENT_HEADER = "X-Aftersales-Event"
DELIVERY_HEADER = "X-Aftersales-Delivery"
# Sent only by the admin's "Send a test event"; not one of WebhookEventType, never a case's event.
TEST_EVENT = "webhook.test"
REPLACEMENT_RESOLUTIONS = frozenset({ResolutionType.EXCHANGE, ResolutionType.REPAIR, ResolutionType.RESHIP_PART})
# The ``follow_up`` CaseEvent the feedback app writes to thank a survey answer with a coupon (its data:
# ``{"follow_up": "coupon", "response", "value", "currency"}``); channels_app reads the event, not the app.
COUPON_FOLLOW_UP = "coupon"


# --- writing the outbox ---------------------------------------------------------------------------


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _money(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def _lines(case: Case) -> list[dict[str, Any]]:
    rows = case.lines.select_related("order_line", "requested_variant").order_by("order_line__line_no", "id")
    return [
        {
            "sku": row.order_line.sku,
            "quantity": row.quantity,
            "order_line": row.order_line.line_no,
            "requested_sku": row.requested_variant.sku if row.requested_variant else None,
        }
        for row in rows
    ]


def case_summary(case: Case, lines: list[dict[str, Any]]) -> dict[str, Any]:
    """The case as the shop sees it in every event: no names, emails or internal notes."""
    customer, order = case.customer, case.order
    return {
        "number": case.number,
        "kind": case.kind,
        "status": case.status,
        "channel": case.channel,
        "priority": case.priority,
        "reason": case.reason_code,
        "customer": {"external_id": customer.external_id, "tier": customer.tier},
        "order": {"number": order.number} if order else None,
        "resolution": case.resolution_type or None,
        "refund": (
            {"amount": _money(case.refund_amount), "currency": order.currency if order else case.currency}
            if case.refund_amount is not None
            else None
        ),
        "lines": lines,
        "created_at": _iso(case.created_at),
        "version": case.version,
    }


def _is_coupon(event: CaseEvent) -> bool:
    return event.type == EventType.FOLLOW_UP and (event.data or {}).get("follow_up") == COUPON_FOLLOW_UP


def _coupon(event: CaseEvent) -> dict[str, Any] | None:
    """The coupon a survey thank-you asks for; None when the event does not name one."""
    data = event.data or {}
    try:
        value = Decimal(str(data["value"])).quantize(Decimal("0.01"))
        response = int(data["response"])
    except (KeyError, TypeError, ValueError, ArithmeticError):
        log.warning("Coupon follow-up %s of case %s has no value or response; no webhook.", event.pk, event.case_id)
        return None
    return {"value": _money(value), "currency": str(data.get("currency") or "CNY"), "response": response}


def _candidate_types(event: CaseEvent) -> list[str]:
    """The event types this case event may lead to, decided without a query."""
    if event.type == EventType.CREATED:
        return [WebhookEventType.CASE_CREATED]
    if _is_coupon(event):
        return [WebhookEventType.COUPON_REQUESTED]
    if event.type == EventType.REFUND:
        requested = (event.data or {}).get("status") == RefundStatus.REQUESTED
        return [WebhookEventType.REFUND_REQUESTED] if requested else []
    if event.type != EventType.TRANSITION:
        return []
    types: list[str] = [WebhookEventType.CASE_STATUS_CHANGED]
    if event.transition in ("resolve", "approve"):
        types.append(WebhookEventType.REPLACEMENT_REQUESTED)
    return types


def _is_instant_exchange(case: Case) -> bool:
    return case.kind == CaseKind.EXCHANGE and case.customer.tier == CustomerTier.VIP


def _type_data(*, event_type: str, case: Case, event: CaseEvent, lines: list[dict]) -> dict[str, Any] | None:
    """What one event type adds to the case summary; None when the case event does not lead to it."""
    order_number = case.order.number if case.order else None
    if event_type == WebhookEventType.CASE_CREATED:
        return {}
    if event_type == WebhookEventType.CASE_STATUS_CHANGED:
        return {
            "change": {
                "transition": event.transition,
                "from": event.from_status,
                "to": event.to_status,
                "at": _iso(event.created_at),
            }
        }
    if event_type == WebhookEventType.REFUND_REQUESTED:
        refund_id = (event.data or {}).get("refund")
        refund = (
            Refund.objects.filter(pk=refund_id, case=case).prefetch_related("lines__order_line").first()
            if refund_id is not None
            else None
        )
        if refund is None:
            return None
        return {
            "refund": {
                "id": refund.pk,
                "key": refund.key,
                "amount": _money(refund.amount),
                "currency": refund.currency,
                "order_number": refund.order.number,
                "resolution": refund.resolution_type,
                "lines": [{"sku": ln["sku"], "quantity": ln["quantity"]} for ln in lines],
                "order_lines": [
                    {"sku": part.order_line.sku, "line_no": part.order_line.line_no, "amount": _money(part.amount)}
                    for part in refund.lines.all()
                ],
            }
        }
    if event_type == WebhookEventType.REPLACEMENT_REQUESTED:
        if event.transition == "approve":
            if not _is_instant_exchange(case):
                return None
            why = "instant_exchange"
        elif case.resolution_type in REPLACEMENT_RESOLUTIONS:
            why = "resolution"
        else:
            return None
        return {
            "replacement": {
                "reason": why,
                "resolution": case.resolution_type or None,
                "order_number": order_number,
                "lines": lines,
            }
        }
    if event_type == WebhookEventType.COUPON_REQUESTED:
        coupon = _coupon(event)
        return {"coupon": coupon} if coupon is not None else None
    return None


REFUND_EVENT_NAMESPACE = uuid.UUID("6f1c2b1e-4b7a-5d0e-9a53-3f1d2c6e8b10")


def _refund_event_id(key: str) -> uuid.UUID:
    """The ``refund.requested`` event's id: the same for a refund however often its event is built."""
    return uuid.uuid5(REFUND_EVENT_NAMESPACE, key)


def build_payload(*, event_id: uuid.UUID, event_type: str, at: datetime, data: dict[str, Any]) -> dict[str, Any]:
    """The JSON body, JSON-safe already (strings for money and times) so JSONField stores it as is."""
    return {"id": str(event_id), "type": event_type, "created_at": _iso(at), "data": data}


def on_case_event(*, case: Case, event: CaseEvent) -> None:
    """Write one delivery per interested active endpoint, in the transaction of the case change.

    ``replacement.requested`` goes once per case and endpoint: a VIP exchange asks for it on
    approval, and its later ``resolve`` with ``exchange`` does not ask again. ``coupon.requested``
    goes once per survey response and endpoint, however often its follow-up event is written.
    """
    candidates = _candidate_types(event)
    if not candidates:
        return
    endpoints = list(ShopWebhook.objects.filter(active=True).order_by("id"))  # the one query when none
    endpoints = [ep for ep in endpoints if any(ep.wants(t) for t in candidates)]
    if not endpoints:
        return
    lines = _lines(case)
    summary = case_summary(case, lines)
    extras = {
        t: extra
        for t in candidates
        if (extra := _type_data(event_type=t, case=case, event=event, lines=lines)) is not None
    }
    already: dict[str, set[int]] = {}  # event type -> endpoints that had it already
    if WebhookEventType.REPLACEMENT_REQUESTED in extras:
        already[WebhookEventType.REPLACEMENT_REQUESTED] = set(
            WebhookDelivery.objects.filter(
                case=case, event_type=WebhookEventType.REPLACEMENT_REQUESTED, endpoint__in=endpoints
            ).values_list("endpoint_id", flat=True)
        )
    if WebhookEventType.COUPON_REQUESTED in extras:
        already[WebhookEventType.COUPON_REQUESTED] = set(
            WebhookDelivery.objects.filter(
                case=case,
                event_type=WebhookEventType.COUPON_REQUESTED,
                endpoint__in=endpoints,
                payload__data__coupon__response=extras[WebhookEventType.COUPON_REQUESTED]["coupon"]["response"],
            ).values_list("endpoint_id", flat=True)
        )
    if WebhookEventType.REFUND_REQUESTED in extras:
        # One event per refund, its id derived from the refund's idempotency key: never asked twice.
        already[WebhookEventType.REFUND_REQUESTED] = set(
            WebhookDelivery.objects.filter(
                event_id=_refund_event_id(extras[WebhookEventType.REFUND_REQUESTED]["refund"]["key"]),
                endpoint__in=endpoints,
            ).values_list("endpoint_id", flat=True)
        )
    rows = []
    for event_type, extra in extras.items():
        # One id per event, shared by every endpoint it goes to.
        event_id = (
            _refund_event_id(extra["refund"]["key"])
            if event_type == WebhookEventType.REFUND_REQUESTED
            else uuid.uuid4()
        )
        payload = build_payload(
            event_id=event_id, event_type=event_type, at=event.created_at, data={"case": summary, **extra}
        )
        for endpoint in endpoints:
            if not endpoint.wants(event_type):
                continue
            if endpoint.pk in already.get(event_type, ()):
                continue
            rows.append(
                WebhookDelivery(
                    endpoint=endpoint,
                    event_id=event_id,
                    event_type=event_type,
                    case=case,
                    payload=payload,
                    next_attempt_at=event.created_at,
                    created_at=event.created_at,
                )
            )
    if rows:
        # A backend that returns no ids from a bulk insert leaves them to the beat sweep.
        outbox.nudge_after_commit(OUTBOX, WebhookDelivery.objects.bulk_create(rows))


def send_test_event(*, endpoint: ShopWebhook) -> WebhookDelivery:
    """Queue a ``webhook.test`` event to one endpoint (the admin's "Send a test event")."""
    at = clock.now()
    event_id = uuid.uuid4()
    data = {
        "message": "This is a test event from the after-sales system; it needs no action.",
        "endpoint": endpoint.name,
    }
    with transaction.atomic():
        delivery = WebhookDelivery.objects.create(
            endpoint=endpoint,
            event_id=event_id,
            event_type=TEST_EVENT,
            payload=build_payload(event_id=event_id, event_type=TEST_EVENT, at=at, data=data),
            next_attempt_at=at,
            created_at=at,
        )
        outbox.nudge_after_commit(OUTBOX, [delivery])
    return delivery


# --- delivering -----------------------------------------------------------------------------------


def _body(delivery: WebhookDelivery) -> bytes:
    return json.dumps(delivery.payload, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


class WebhookOutbox(outbox.OutboxKind[WebhookDelivery]):
    """The shop's webhooks: a signed POST per attempt, any 2xx is success (a 3xx is a failure);
    retried after the kernel's backoff (30 s ... one hour), given up after 10 attempts.

    A delivery to an endpoint an admin switched off waits, pending, until it is switched on again.
    """

    name = "shop_webhook"
    model = WebhookDelivery
    max_attempts = MAX_ATTEMPTS
    send_task = "channels_app.tasks.deliver_webhook"
    drain_task = "channels_app.tasks.deliver_due_webhooks"
    saved_fields = ("last_status_code",)

    def rows(self) -> QuerySet[WebhookDelivery]:
        # Due rows: index ``webhook_delivery_due``.
        return WebhookDelivery.objects.filter(endpoint__active=True).select_related("endpoint")

    def send(self, row: WebhookDelivery) -> None:
        headers = {EVENT_HEADER: row.event_type, DELIVERY_HEADER: row.idempotency_key}
        try:
            row.last_status_code, _answer = signed_posts.post_signed(
                url=row.endpoint.url, secret=row.endpoint.secret, body=_body(row), headers=headers
            )
        except signed_posts.DeliveryError as exc:
            row.last_status_code = exc.status
            raise outbox.SendFailed(exc.message) from exc


OUTBOX = outbox.register_outbox_kind(WebhookOutbox())


def deliver(*, delivery_id: int) -> bool:
    """Send one delivery if it is pending and due; True when the shop answered 2xx.

    The row is locked while it is sent (``SKIP LOCKED`` on PostgreSQL), so two workers never send it
    at the same time, and a second call after success finds it delivered and sends nothing. A
    failure (non-2xx, timeout, connection error) counts an attempt and schedules the next one
    with backoff; after ``MAX_ATTEMPTS`` the delivery is ``failed`` until an admin replays it.
    Transport errors never raise.
    """
    return outbox.send_one(OUTBOX, delivery_id)


def deliver_due(*, batch: int = 50) -> int:
    """Send the deliveries whose attempt is due (beat); returns how many were delivered.

    Each row is sent in its own short transaction. The sweep walks the due rows once, by
    (next attempt, id), ``batch`` at a time, up to the time it started: a failed row is rescheduled
    past that time, so the sweep always ends, and rows another worker holds are skipped.
    """
    return outbox.drain(OUTBOX, page=batch)


def replay(*, deliveries: Iterable[WebhookDelivery] | QuerySet[WebhookDelivery], actor: User) -> int:
    """Send the chosen deliveries again (admin), with their original event id; returns how many.

    Each goes back to ``pending``, due now, with its attempts counted from 0 again (a fresh round of
    ``MAX_ATTEMPTS``). What it had been through is not lost: ``last_error`` starts with a note of
    who replayed it, when, its status, attempts and last HTTP status before, followed by its last
    error. ``delivered_at`` keeps the time of the last success until the next one. A delivery being
    sent right now (row locked) is skipped.
    """
    at = clock.now()
    who = actor.get_username()

    def note(row: WebhookDelivery) -> str:
        return _("Replayed by %(user)s at %(at)s; before: %(status)s, %(n)s attempts, HTTP %(code)s.") % {
            "user": who,
            "at": at.isoformat(timespec="seconds"),
            "status": row.get_status_display(),
            "n": row.attempts,
            "code": row.last_status_code or "-",
        }

    rows = outbox.replay(OUTBOX, deliveries, note=note)
    if rows:
        log.info("%s replayed webhook deliveries %s", who, [row.pk for row in rows])
    return len(rows)
