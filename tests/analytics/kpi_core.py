"""The KPI tests' calendar (March 2026 in Shanghai, a frozen clock) and their core data set: five
conversation cases over two periods, made through the services. tests/analytics/test_kpis.py checks
the KPIs on it; tests/privacy/test_erasure_kpis.py checks that erasure leaves them as they were.
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from django.db import transaction

from cases.models import Case, CaseKind, Channel, EventType
from cases.services import add_message, create_case, record_event, transition_case
from tests.cases.factories import CustomerFactory

SH = ZoneInfo("Asia/Shanghai")


def at(day: int, hour: int = 0, minute: int = 0, *, month: int = 3) -> datetime:
    """A Shanghai local time in 2026."""
    return datetime(2026, month, day, hour, minute, tzinfo=SH)


def d(day: int, month: int = 3) -> date:
    return date(2026, month, day)


class Frozen:
    at = at(1, 9)

    def set(self, when: datetime) -> None:
        self.at = when


def customer_writes(case: Case, text: str = "请问进度如何？") -> None:
    """An inbound customer message, recorded the way the portal does."""
    with transaction.atomic():
        record_event(
            case=case,
            type=EventType.REPLY,
            actor=None,
            actor_label="customer",
            note=text,
            public=True,
            channel=Channel.PORTAL,
            data={"direction": "in"},
        )


def automatic_reply(case: Case) -> None:
    """An automatic acknowledgement: public and outbound, but no agent wrote it."""
    with transaction.atomic():
        record_event(
            case=case,
            type=EventType.REPLY,
            actor=None,
            actor_label="system",
            note="我们已收到您的请求。",
            public=True,
            channel=case.channel,
            data={"direction": "out"},
        )


def step(case: Case, name: str, actor, **params) -> Case:
    return transition_case(case=case, name=name, actor=actor, **params)


def conversation(kind: str, channel: str, assignee, **kw) -> Case:
    return create_case(customer=CustomerFactory(), kind=kind, channel=channel, assignee=assignee, **kw)


# --- the core data set: five conversation cases ------------------------------------------------------
#
# Period P1 = 2026-03-02 .. 03-08, P2 = 03-09 .. 03-15; the report is made on 03-25.
#
# C1 inquiry, email, agent A: created 03-02 09:00; an automatic acknowledgement 09:01, the customer
#    writes 09:30, an internal note 10:00, A's first public reply 11:00 (FR 2 h); resolved 15:00 (6 h).
# C2 complaint, phone, agent B: created 03-03 08:00; B replies 12:00 (FR 4 h) and again 14:00;
#    resolved 03-04 08:00 (24 h). Two agent replies: not first-contact resolution.
# C3 inquiry, email, agent A: created 03-04 10:00; A replies 19:00 (FR 9 h); resolved 20:00,
#    reopened 03-05 09:00, resolved again 03-05 22:00 (36 h from creation, on 03-05). Reopened.
# C4 complaint, portal, nobody: created 03-06 10:00; only the customer writes (11:00). Open.
# C5 inquiry, phone, agent B: created 03-08 22:00 (P1); B replies 03-09 01:00 (FR 3 h, P2);
#    resolved 03-09 06:00 (8 h, P2): spans the period boundary.
#
# SLA (Standard policy, round the clock): first response 24 h, resolution 72 h.

REPORT_AT = at(25, 10)


def build_core(now: Frozen, a, b) -> dict[str, Case]:
    now.set(at(2, 9))
    c1 = conversation(CaseKind.INQUIRY, Channel.EMAIL, a, subject="尺码")
    now.set(at(2, 9, 1))
    automatic_reply(c1)
    now.set(at(2, 9, 30))
    customer_writes(c1)
    now.set(at(2, 10))
    add_message(case=c1, actor=a, text="客户是老顾客", public=False)
    now.set(at(2, 11))
    add_message(case=c1, actor=a, text="您好，M 码适合您。")
    c1 = step(c1, "start", a)
    now.set(at(2, 15))
    c1 = step(c1, "resolve", a, resolution_type="answered")

    now.set(at(3, 8))
    c2 = conversation(CaseKind.COMPLAINT, Channel.PHONE, b, subject="快递太慢")
    now.set(at(3, 12))
    add_message(case=c2, actor=b, text="抱歉，我们查一下。")
    c2 = step(c2, "start", b)
    now.set(at(3, 14))
    add_message(case=c2, actor=b, text="快递明天到。")
    now.set(at(4, 8))
    c2 = step(c2, "resolve", b, resolution_type="answered")

    now.set(at(4, 10))
    c3 = conversation(CaseKind.INQUIRY, Channel.EMAIL, a, subject="发票")
    now.set(at(4, 19))
    add_message(case=c3, actor=a, text="发票已开。")
    c3 = step(c3, "start", a)
    now.set(at(4, 20))
    c3 = step(c3, "resolve", a, resolution_type="answered")
    now.set(at(5, 9))
    c3 = step(c3, "reopen", a)
    now.set(at(5, 22))
    c3 = step(c3, "resolve", a, resolution_type="answered")

    now.set(at(6, 10))
    c4 = conversation(CaseKind.COMPLAINT, Channel.PORTAL, None, subject="没人理我")
    now.set(at(6, 11))
    customer_writes(c4)

    now.set(at(8, 22))
    c5 = conversation(CaseKind.INQUIRY, Channel.PHONE, b, subject="保修")
    now.set(at(9, 1))
    add_message(case=c5, actor=b, text="保修一年。")
    c5 = step(c5, "start", b)
    now.set(at(9, 6))
    c5 = step(c5, "resolve", b, resolution_type="answered")
    return {"c1": c1, "c2": c2, "c3": c3, "c4": c4, "c5": c5}
