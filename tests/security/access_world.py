"""The world the access tests ask in: two teams, two customers each with an order and a case, the
staff roles, and one object of every kind a route can show (attachments, notifications, revisits,
refunds, feedback, KPI targets, channels, a chat). A client signed in as each role, and how a
response reads (``ok``, ``login``, ``portal``, ``403`` ...).

The access walk (tests/security/test_access_walk.py), the object, admin and fuzz tests share it (a test
module is never imported by another).
"""

from __future__ import annotations

import io
from datetime import timedelta
from decimal import Decimal
from types import SimpleNamespace

from django.core.files.base import ContentFile
from django.test import Client
from django.urls import get_resolver
from django.urls.resolvers import URLResolver
from django.utils import timezone
from PIL import Image
from rest_framework.authtoken.models import Token

from analytics.models import KpiTarget
from cases.models import Attachment, Case, CaseEvent, EventType, Notification, Refund, RevisitTask
from channels_app.models import ChatSession, ChatWidget, EmailInbox, PhoneLine, SocialAccount
from feedback.models import FreeFeedback
from tests.accounts.factories import UserFactory
from tests.cases.factories import CaseFactory, CustomerFactory, OrderFactory, OrderLineFactory, TeamFactory
from tests.clients import portal_session

STAFF = ("agent", "other_agent", "manager", "admin")
# Signed in with a session and a token: the staff and the shop's integration account (a system user of no
# team; it signs in with its token, the walk gives it both).
SIGNED_IN = (*STAFF, "integration")


def walk_routes(resolver=None, prefix: str = "") -> list[str]:
    """Every route of the project as its pattern text, e.g. ``desk/cases/<str:number>/``."""
    resolver = resolver or get_resolver()
    found = []
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            found.extend(walk_routes(entry, prefix + str(entry.pattern)))
        else:
            found.append(prefix + str(entry.pattern))
    return found


def png_bytes() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (4, 4), "red").save(out, "PNG")
    return out.getvalue()


def build_world() -> SimpleNamespace:
    w = SimpleNamespace()
    w.t1, w.t2 = TeamFactory(code="t1"), TeamFactory(code="t2")
    w.agent = UserFactory(username="walk-agent", role="agent")
    w.other_agent = UserFactory(username="walk-other", role="agent")
    w.manager = UserFactory(username="walk-manager", role="manager")
    w.admin = UserFactory(username="walk-admin", role="admin")
    w.integration = UserFactory(username="walk-shop", role="integration")
    w.t1.members.add(w.agent)
    w.t2.members.add(w.other_agent)
    w.cust_a, w.cust_b = CustomerFactory(name="Customer A"), CustomerFactory(name="Customer B")
    w.order_a = OrderFactory(customer=w.cust_a)
    w.line_a = OrderLineFactory(order=w.order_a)
    w.order_b = OrderFactory(customer=w.cust_b)
    OrderLineFactory(order=w.order_b)
    w.case_a = new_case_a(w)
    w.case_b = CaseFactory(customer=w.cust_b, order=w.order_b, team=w.t2)
    w.photo_a = Attachment.objects.create(
        case=w.case_a, file=ContentFile(png_bytes(), name="a.png"), original_name="a.png",
        content_type="image/png", size=10, public=True,
    )  # fmt: skip
    w.internal_a = Attachment.objects.create(
        case=w.case_a, file=ContentFile(png_bytes(), name="w.png"), original_name="w.png",
        content_type="image/png", size=10, public=False,
    )  # fmt: skip
    CaseEvent.objects.create(
        case=w.case_a, type=EventType.REPLY, note="secret of A", public=True, created_at=timezone.now()
    )
    now = timezone.now()
    w.notification = Notification.objects.create(
        user=w.agent, case=w.case_a, kind="case_update", subject="s", body="b", created_at=now
    )
    w.revisit = RevisitTask.objects.create(
        case=w.case_a, reason="sample", team=w.t1, assignee=w.agent, due_at=now + timedelta(days=1), created_at=now
    )
    w.refund = Refund.objects.create(
        case=w.case_a, order=w.order_a, amount=Decimal("1.00"), currency="CNY", resolution_type="refund",
        key="walk-refund", created_at=now,
    )  # fmt: skip
    w.feedback = FreeFeedback.objects.create(customer=w.cust_a, channel="portal", text="x", team=w.t1, created_at=now)
    w.target = KpiTarget.objects.create(kpi="csat", comparison="ge", value=Decimal("90"))
    w.inbox = EmailInbox.objects.create(code="walk-mail", name="Mail", address="service@shop.example.com")
    w.social = SocialAccount.objects.create(code="walk-social", name="Social")
    w.phone = PhoneLine.objects.create(code="walk-phone", name="Phone")
    w.widget = ChatWidget.objects.create(code="walk-chat", name="Chat")
    w.chat = ChatSession.objects.create(widget=w.widget, customer=w.cust_a, case=w.case_a, started_at=now)
    return w


def new_case_a(w) -> Case:
    return CaseFactory(customer=w.cust_a, order=w.order_a, team=w.t1, subject="A's problem")


def client_for(role: str, w) -> Client:
    client = Client()
    if role == "cust_a":
        portal_session(client, w.cust_a)
    elif role == "cust_b":
        portal_session(client, w.cust_b)
    elif role in SIGNED_IN:
        user = getattr(w, role)
        client.force_login(user)
        client.defaults["HTTP_AUTHORIZATION"] = f"Token {Token.objects.get_or_create(user=user)[0].key}"
    return client


def outcome(response) -> str:
    code = response.status_code
    if code == 401:
        return "login"
    if code in (301, 302, 303):
        location = response["Location"]
        if location.startswith(("/desk/login/", "/admin/login/")):
            return "login"
        if location == "/portal/":
            return "portal"
        return "ok"
    if code == 400:
        return "bad"
    if code in (403, 404, 405) or code >= 500:
        return str(code)
    return "ok"
