"""Data of the load test (benchmarks/load/run.py runs this on the load database, after migrate).

Agents with passwords, portal customers with delivered orders (one return each: a customer who
starts many returns uses a new order each time), a backlog of open cases for the queue, an email
inbox that takes signed webhooks and a chat widget. Prints what the locustfile needs as JSON.
"""

from __future__ import annotations

import json
import os
import secrets
import sys
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "benchmarks.load.load_settings")

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.db import transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from cases.catalog.orders import CustomerData, LineData, OrderData, ProductData, upsert_order  # noqa: E402
from cases.models import CaseKind, Channel, Customer, OrderStatus  # noqa: E402
from cases.services import create_case  # noqa: E402
from channels_app.models import ChatWidget, EmailInbox  # noqa: E402
from core.roles import ensure_roles  # noqa: E402

AGENTS, CUSTOMERS, ORDERS_EACH, BACKLOG = 12, 16, 60, 300
# New each run, handed to the locustfile in the printed JSON: the load database is thrown away.
AGENT_PASSWORD = secrets.token_urlsafe(16)
INBOX_SECRET = secrets.token_urlsafe(24)
CHAT_ORIGIN = "http://shop.load.example.com"


def main() -> None:
    groups = ensure_roles()
    User = get_user_model()
    agents = []
    for i in range(AGENTS):
        user = User.objects.create_user(f"load-agent-{i}", f"load-agent-{i}@example.com", AGENT_PASSWORD)
        user.is_staff = True
        user.save(update_fields=["is_staff"])
        user.groups.add(groups["agent"])
        agents.append(user.username)

    delivered = timezone.now() - timedelta(days=2)
    customers = []
    for i in range(CUSTOMERS):
        phone = f"+86139{i:08d}"
        who = CustomerData(
            external_id=f"load-c{i}", name=f"Load Customer {i}", email=f"load-c{i}@example.com", phone=phone
        )
        numbers = []
        with transaction.atomic():
            for n in range(ORDERS_EACH):
                number = f"LOAD-{i:03d}-{n:03d}"
                line = LineData(
                    line_no=1,
                    sku="LOAD-TEE",
                    name="Cotton crew T-shirt",
                    quantity=1,
                    unit_price=Decimal("99.00"),
                    paid_amount=Decimal("99.00"),
                    product=ProductData(category="apparel"),
                )
                upsert_order(
                    number=number,
                    data=OrderData(
                        customer=who,
                        status=OrderStatus.DELIVERED,
                        placed_at=delivered - timedelta(days=2),
                        delivered_at=delivered,
                        lines=[line],
                    ),
                )
                numbers.append(number)
        customers.append({"phone": phone, "orders": numbers})

    for i in range(BACKLOG):  # the queue agents work on
        customer = Customer.objects.create(name=f"Backlog {i}", email=f"backlog-{i}@example.com")
        create_case(customer=customer, kind=CaseKind.COMPLAINT, channel=Channel.EMAIL, subject=f"Backlog case {i}")

    EmailInbox.objects.create(
        code="load", name="Load inbox", address="service@load.example.com", webhook_secret=INBOX_SECRET
    )
    widget = ChatWidget.objects.create(code="load-chat", name="Load chat", allowed_origins=CHAT_ORIGIN)
    print(
        json.dumps(
            {
                "agents": agents,
                "agent_password": AGENT_PASSWORD,
                "customers": customers,
                "inbox": "load",
                "inbox_secret": INBOX_SECRET,
                "widget": widget.key,
                "chat_origin": CHAT_ORIGIN,
            }
        )
    )


if __name__ == "__main__":
    main()
