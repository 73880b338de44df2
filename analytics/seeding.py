# ruff: noqa: S608 - COPY, LOCK, TRUNCATE and ANALYZE are built from the models' own table and column names.
"""Synthetic after-sales history for benchmarks and dashboards (``manage.py seed_bench``).

``seed(cases=N, seed=S, end=...)`` fills a PostgreSQL database with 18 months of history ending at
``end``: a catalogue of 300 products, 20 agents in three teams and a manager, about N/3 customers,
1.3 N orders over the whole period (the complaint and return rates divide by them), and N cases
with their lines, timeline events, SLA clocks, costs, survey invitations and answers. The same N,
seed and end give the same rows; only the ids depend on what the database held before.

The rows are what the services would have left behind, written without them (no signals, no
outbox, no SLA engine): every status change is a ``transition`` event from the case's path
(DESIGN.md §3), the first response is a public outbound ``reply`` by the assignee at
``first_responded_at``, the first-response and resolution clocks are stopped at the response and
the resolution (wall clock: 24 h, 5 min for chat, 1 h for urgent complaints; 72 h to resolve) and
breached when that came late. What had not happened by ``end`` is not there: the last two weeks
hold the open backlog in the open statuses of each kind's path.

Shapes the dashboards should show: weekly and daily seasonality (Mondays and evenings busy), a
slow growth, the week after Singles' Day (11 November) at about three times the usual volume
(and the week after 618 at twice), slower answers under that load, agents who differ in speed and
in the scores they get, return rates that differ by category and SKU.

How: Python draws the rows with ``random.Random(seed)`` in time order and streams them to
PostgreSQL with COPY in batches of about 50,000 rows, on a second thread, so the server loads one
batch while the next is drawn. Only the index of the orders (a few arrays) stays in memory. The
whole load is one transaction: a run that fails leaves nothing behind.
"""

from __future__ import annotations

import importlib
import io
import json
import math
import queue
import random
import threading
import time
from array import array
from bisect import bisect_right
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from operator import itemgetter
from statistics import NormalDist

from dateutil.relativedelta import relativedelta
from django.apps import apps
from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.models import (
    REFUNDING_RESOLUTIONS,
    AgentProfile,
    Case,
    CaseEvent,
    CaseLine,
    CostLine,
    Customer,
    Order,
    OrderLine,
    Product,
    ProductFlag,
    ProductVariant,
    Refund,
    SlaClock,
    SlaPolicy,
    Team,
)
from core.roles import AGENT, MANAGER, ensure_roles
from feedback.models import Survey, SurveyInvitation, SurveyResponse

Progress = Callable[[str], None]

MONTHS = 18
BATCH_ROWS = 50_000  # rows per COPY of customers and orders
CASE_BATCH = 5_000  # cases per COPY round (about 50,000 events)
ORDERS_PER_CASE = 1.3
CASES_PER_CUSTOMER = 3
ORDER_LEAD_DAYS = 30  # orders start a month before the first case, so the first cases have orders to refer to
RESETTABLE = "the database name ends in _bench or starts with test_"

HOUR = 3600
DAY = 86400
NULL = "\\N"

# --- the tables, in the order they are loaded -----------------------------------------------------
# Every column of each table is listed (Django sets no database defaults), so a model that gains a
# column stops the seeding with a clear error instead of failing in the middle of a COPY.

COLUMNS = {
    Customer: "id external_id name email phone tier language dedicated_agent_id created_at",
    Order: "id number customer_id status placed_at delivered_at currency paid_amount shipping_address updated_at",
    OrderLine: "id order_id line_no product_id variant_id sku name quantity unit_price paid_amount",
    Case: (
        "id number kind status channel priority reason_code reason_text subject customer_id order_id assignee_id "
        "team_id merged_into_id policy_outcome policy_rule_id policy_explanation rejection_reason return_carrier "
        "return_tracking_number inspection_passed inspection_grade inspection_note resolution_type refund_amount "
        "currency resolution_note replacement_carrier replacement_tracking_number replacement_shipped_at "
        "first_response_due_at next_response_due_at resolution_due_at sla_due_at first_responded_at created_at "
        "updated_at approved_at resolved_at closed_at reopened_count version"
    ),
    CaseLine: "id case_id order_line_id quantity opened requested_variant_id disposition",
    CaseEvent: (
        "id case_id type actor_id actor_label transition from_status to_status channel note data public created_at"
    ),
    SlaClock: (
        "id case_id kind state policy_id calendar_id target_seconds warn_seconds used_seconds started_at resumed_at "
        "paused_at due_at warn_at warned_at breached_at stopped_at"
    ),
    CostLine: "id case_id kind amount currency note created_by_id created_at",
    # The refund ledger (issue 16): every refund cost line has its refund, settled a day later.
    Refund: (
        "id case_id order_id amount currency resolution_type reason status key requested_by_id approved_by_id "
        "approval_id cost_line_id created_at settled_at settlement_note"
    ),
    SurveyInvitation: (
        "id case_id customer_id survey_id channel language status sent_at reminded_at expires_at answered_at"
    ),
    SurveyResponse: (
        "id invitation_id case_id customer_id agent_id team_id channel kind csat nps ces comment complaint language "
        "source external_id answered_at"
    ),
}
COLUMNS = {model: tuple(cols.split()) for model, cols in COLUMNS.items()}
CASE_ROW = itemgetter(*COLUMNS[Case])
CASE_TABLES = (Case, CaseLine, CaseEvent, SlaClock, CostLine, Refund, SurveyInvitation, SurveyResponse)
# A case's defaults as COPY text; the generator fills in what differs.
CASE_DEFAULTS = {
    "order_id": NULL,
    "assignee_id": NULL,
    "team_id": NULL,
    "merged_into_id": NULL,
    "reason_text": "",
    "policy_outcome": "not_applicable",
    "policy_rule_id": NULL,
    "policy_explanation": "{}",
    "rejection_reason": "",
    "return_carrier": "",
    "return_tracking_number": "",
    "inspection_passed": NULL,
    "inspection_grade": "",
    "inspection_note": "",
    "resolution_type": "",
    "refund_amount": NULL,
    "currency": "CNY",
    "resolution_note": "",
    "replacement_carrier": "",
    "replacement_tracking_number": "",
    "replacement_shipped_at": NULL,
    "first_response_due_at": NULL,
    "next_response_due_at": NULL,
    "resolution_due_at": NULL,
    "sla_due_at": NULL,
    "first_responded_at": NULL,
    "approved_at": NULL,
    "resolved_at": NULL,
    "closed_at": NULL,
    "reopened_count": "0",
    "version": "1",
}


class SeedRefused(Exception):
    """The database is not one this command may fill (or empty); the message says what to do."""


@dataclass(frozen=True)
class SeedResult:
    rows: dict[str, int]  # table name -> rows written
    seconds: float

    @property
    def total_rows(self) -> int:
        return sum(self.rows.values())


# --- the mixes ------------------------------------------------------------------------------------


def _cumulative(weights: dict) -> tuple[tuple, list[float]]:
    total, acc, cum = sum(weights.values()), 0.0, []
    for w in weights.values():
        acc += w / total
        cum.append(acc)
    cum[-1] = 1.0 + 1e-9
    return tuple(weights), cum


def _pick(rng_random, mix: tuple[tuple, list[float]]):
    values, cum = mix
    return values[bisect_right(cum, rng_random())]


KINDS = _cumulative({"return": 40, "exchange": 15, "repair": 8, "refund_only": 12, "complaint": 10, "inquiry": 15})
CHANNELS = _cumulative({"portal": 40, "email": 20, "chat": 20, "phone": 10, "social": 7, "api": 3})
PRIORITIES = _cumulative({"low": 8, "normal": 78, "high": 11, "urgent": 3})
COMPLAINT_PRIORITIES = _cumulative({"low": 2, "normal": 58, "high": 28, "urgent": 12})
REASONS = {
    "return": _cumulative(
        {"no_reason": 35, "wrong_size": 25, "not_as_described": 15, "defective": 12, "damaged": 8, "wrong_item": 5}
    ),
    "exchange": _cumulative(
        {"wrong_size": 55, "defective": 20, "wrong_item": 10, "damaged": 10, "not_as_described": 5}
    ),
    "repair": _cumulative({"defective": 85, "damaged": 15}),
    "refund_only": _cumulative({"missing_item": 50, "damaged": 20, "not_as_described": 15, "late_delivery": 15}),
    "complaint": _cumulative({"service": 35, "late_delivery": 30, "defective": 15, "other": 20}),
    "inquiry": _cumulative({"other": 80, "late_delivery": 20}),
}
SHIPPING = frozenset({"return", "exchange", "repair"})
GOODS = SHIPPING | {"refund_only"}
TEAM_OF_KIND = {
    "return": 0,
    "exchange": 0,
    "refund_only": 0,
    "repair": 1,
    "complaint": 2,
    "inquiry": 2,
}
REJECT_SHARE = {"return": 0.05, "exchange": 0.03, "repair": 0.06, "refund_only": 0.08}
REOPEN_SHARE = {
    "return": 0.04,
    "exchange": 0.05,
    "repair": 0.06,
    "refund_only": 0.04,
    "complaint": 0.08,
    "inquiry": 0.03,
}
# Median seconds to the first response by channel (lognormal), and the spread.
FIRST_RESPONSE = {
    "chat": (90, 0.8),
    "phone": (30, 0.6),
    "social": (50 * 60, 1.0),
    "portal": (2 * HOUR, 1.0),
    "email": (5 * HOUR, 1.0),
    "api": (3 * HOUR, 1.0),
}
CARRIERS = ("SF", "ZTO", "YTO", "JD", "EMS")
FR_TARGET, FR_TARGET_CHAT, FR_TARGET_URGENT, RESOLUTION_TARGET = 24 * HOUR, 5 * 60, HOUR, 72 * HOUR
AUTO_CLOSE = 7 * DAY
SURVEY_VALID = 14 * DAY

# Local hour of day (0-23): when cases come in and when orders are placed.
CASE_HOURS = (2, 1, 1, 1, 1, 1, 2, 4, 6, 8, 9, 9, 8, 8, 8, 8, 7, 7, 7, 8, 10, 11, 9, 5)
ORDER_HOURS = (4, 2, 1, 1, 1, 1, 1, 2, 4, 6, 7, 8, 9, 8, 7, 7, 7, 7, 8, 9, 11, 13, 12, 8)
CASE_WEEKDAYS = (1.15, 1.08, 1.0, 1.0, 0.95, 0.85, 0.95)  # Monday first
ORDER_WEEKDAYS = (0.95, 0.95, 0.95, 1.0, 1.05, 1.1, 1.1)

# --- the catalogue and people -----------------------------------------------------------------------

# code, product nouns, price range (CNY), how often its goods come back (relative)
CATEGORIES = (
    ("apparel", ("T-shirt", "Hoodie", "Jeans", "Dress", "Jacket", "Sweater"), (59, 399), 1.0),
    ("shoes", ("Running shoes", "Sneakers", "Boots", "Sandals"), (129, 699), 0.9),
    ("bags", ("Backpack", "Tote bag", "Wallet", "Suitcase"), (79, 899), 0.6),
    ("electronics", ("Earbuds", "Power bank", "Smart watch", "Speaker", "Charger"), (39, 1999), 0.5),
    ("home", ("Bedsheet set", "Pillow", "Desk lamp", "Storage box", "Curtain"), (29, 499), 0.4),
    ("kitchen", ("Rice cooker", "Kettle", "Knife set", "Frying pan", "Blender"), (49, 899), 0.4),
    ("beauty", ("Face cream", "Lipstick", "Shampoo", "Sunscreen", "Perfume"), (29, 599), 0.3),
    ("toys", ("Building blocks", "Plush toy", "RC car", "Puzzle"), (29, 399), 0.4),
    ("sports", ("Yoga mat", "Dumbbells", "Cycling jersey", "Tennis racket"), (39, 899), 0.5),
    ("baby", ("Baby bottle", "Stroller", "Baby carrier", "Play mat"), (39, 1299), 0.4),
)
REPAIRABLE = frozenset({"electronics", "home", "kitchen", "toys", "sports", "baby"})
PRODUCTS_PER_CATEGORY = 30
SUPPLIERS = (
    "Hangzhou Textile Co.",
    "Guangzhou Apparel Ltd.",
    "Quanzhou Footwear Co.",
    "Shenzhen Smart Devices",
    "Dongguan Electronics",
    "Ningbo Home Goods",
    "Foshan Kitchenware",
    "Yiwu Trading Co.",
    "Shanghai Beauty Labs",
    "Shantou Toys Factory",
    "Xiamen Sports Gear",
    "Suzhou Baby Care",
    "Wenzhou Leather Works",
    "Qingdao Household",
    "Chengdu Outdoor Co.",
)
AGENT_NAMES = (
    ("Na", "Li"),
    ("Wei", "Zhang"),
    ("Fang", "Wang"),
    ("Min", "Liu"),
    ("Jing", "Chen"),
    ("Lei", "Yang"),
    ("Yan", "Huang"),
    ("Jie", "Zhao"),
    ("Tao", "Wu"),
    ("Juan", "Zhou"),
    ("Chao", "Xu"),
    ("Xia", "Sun"),
    ("Gang", "Ma"),
    ("Ying", "Zhu"),
    ("Hua", "Hu"),
    ("Ping", "Guo"),
    ("Bo", "He"),
    ("Yu", "Gao"),
    ("Hao", "Lin"),
    ("Xin", "Luo"),
)
TEAMS = (
    ("bench-returns", "Returns and exchanges", 8),
    ("bench-repairs", "Repairs and warranty", 5),
    ("bench-care", "Customer care", 7),
)
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉萍红玲芬燕彬鑫波宇浩凯俊帆宁欣怡佳琪晨阳雪婷"
FIRST_NAMES = ("Emma", "Liam", "Olivia", "Noah", "Ava", "Lucas", "Mia", "Ethan", "Sophia", "Leo", "Grace", "Jack")
LAST_NAMES = ("Smith", "Brown", "Taylor", "Wilson", "Martin", "Lee", "Walker", "Hall", "Young", "King", "Wright")
CITIES = (
    "上海市浦东新区张江路",
    "北京市朝阳区建国路",
    "广州市天河区体育西路",
    "深圳市南山区科技园路",
    "杭州市西湖区文三路",
    "成都市武侯区人民南路",
    "南京市鼓楼区中山路",
    "武汉市洪山区珞喻路",
    "西安市雁塔区长安南路",
    "重庆市渝中区解放碑路",
)

# --- texts the customers and agents wrote (data, so not translated here) ----------------------------

SUBJECTS = {
    "return": ("退货退款：{}", "Return: {}"),
    "exchange": ("换货：{}", "Exchange: {}"),
    "repair": ("维修：{}", "Repair: {}"),
    "refund_only": ("仅退款：{}", "Refund only: {}"),
    "complaint": ("投诉：{}", "Complaint: {}"),
    "inquiry": ("咨询：{}", "Question: {}"),
}
REASON_TEXTS = {
    "no_reason": ("不想要了，七天无理由退货。", "Changed my mind."),
    "wrong_size": ("尺码不合适，偏小。", "The size does not fit."),
    "not_as_described": ("和描述的不一样，颜色有色差。", "Not what the page showed."),
    "damaged": ("收到时外包装破损，商品损坏。", "It arrived damaged."),
    "defective": ("用了两天就坏了，质量有问题。", "It stopped working after two days."),
    "wrong_item": ("发错货了。", "I received the wrong item."),
    "missing_item": ("少发了一件。", "One item was missing from the parcel."),
    "late_delivery": ("快递一直没到。", "The parcel is late."),
    "service": ("客服态度不好，一直没人处理。", "Nobody answered my messages."),
    "other": ("想问一下商品怎么使用。", "A question about the product."),
}
REPLIES_OUT = (  # short: every word goes into the trigram index of the timeline's search
    ("您好，已收到，正在处理。", "Received, we are on it."),
    ("请按地址寄回并填写单号。", "Please send it back and add the tracking number."),
    ("已为您核实，请稍候。", "Checked, please bear with us."),
    ("已处理好，有问题随时联系。", "Done; write any time."),
)
REPLIES_IN = (
    ("请问什么时候能处理好？", "When will this be done?"),
    ("好的，已经寄出了。", "OK, I have sent it."),
    ("还是没有收到退款。", "I still have not received the refund."),
    ("谢谢，照片已上传。", "Thanks, I uploaded the photos."),
)
REJECTIONS = (
    ("商品已超过七天无理由退货期限。", "The 7-day no-reason return window has passed."),
    ("该商品属于个人卫生用品，拆封后不支持退货。", "Opened hygiene products cannot be returned."),
    ("未能提供商品损坏的照片。", "No photos of the damage were provided."),
)
COMMENTS_GOOD = (("处理很快，谢谢！", "Quick and friendly, thank you!"), ("客服很耐心。", "Very patient agent."))
COMMENTS_MEH = (("还行，就是有点慢。", "OK, but a bit slow."), ("退款到账有点晚。", "The refund took a while."))
COMMENTS_BAD = (
    ("太差了，等了好几天都没人管，我要投诉。", "Terrible service, nobody cared for days. Unacceptable."),
    ("退款拖了很久，太差了。", "The refund took forever, awful."),
)


# A rejection's text for the customer, and the transition's data with it.
REJECTIONS = tuple(
    tuple((text, json.dumps({"reason": text}, ensure_ascii=False)) for text in texts) for texts in REJECTIONS
)


# --- time -----------------------------------------------------------------------------------------


def _stamper() -> Callable[[int], str]:
    """Epoch seconds to COPY text ("2026-06-30 15:59:59+00"), fast: one string per day, one per second."""
    days: dict[int, str] = {}
    hms = [f"{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}+00" for s in range(DAY)]
    epoch = datetime(1970, 1, 1)

    def stamp(t: int) -> str:
        try:
            return days[t // DAY] + hms[t % DAY]
        except KeyError:
            days[t // DAY] = (epoch + timedelta(days=t // DAY)).strftime("%Y-%m-%d ")
            return days[t // DAY] + hms[t % DAY]

    return stamp


# Standard normal draws from a table of quantiles: one uniform draw each, much cheaper than gauss().
NORMALS = tuple(NormalDist().inv_cdf((i + 0.5) / 8192) for i in range(8192))


@dataclass(frozen=True)
class _Day:
    midnight: int  # local midnight, epoch seconds
    lo: int  # the part of the day inside the period
    hi: int
    weekday: int
    date: date


def _days(start: datetime, end: datetime) -> list[_Day]:
    tz = timezone.get_default_timezone()
    lo, hi = int(start.timestamp()), int(end.timestamp())
    day, days = start.astimezone(tz).date(), []
    while True:
        midnight = int(datetime(day.year, day.month, day.day, tzinfo=tz).timestamp())
        if midnight >= hi:
            return days
        days.append(_Day(midnight, max(lo, midnight), min(hi, midnight + DAY), day.weekday(), day))
        day += timedelta(days=1)


def _case_weight(day: _Day, progress: float) -> float:
    d, w = day.date, CASE_WEEKDAYS[day.weekday]
    if d.month == 11 and 12 <= d.day <= 18:  # the week after Singles' Day
        w *= 3.0
    elif d.month == 11 and d.day == 11:
        w *= 1.6
    elif d.month == 6 and 19 <= d.day <= 25:  # the week after 618
        w *= 2.0
    elif d.month == 12 and 13 <= d.day <= 16:  # after 双十二
        w *= 1.4
    return w * (1.0 + 0.25 * progress)


def _order_weight(day: _Day, progress: float) -> float:
    d, w = day.date, ORDER_WEEKDAYS[day.weekday]
    if d.month == 11 and d.day == 11:
        w *= 6.0
    elif d.month == 11 and d.day <= 10:
        w *= 1.8
    elif d.month == 6 and d.day == 18:
        w *= 4.0
    elif d.month == 6 and d.day < 18:
        w *= 1.5
    elif d.month == 12 and d.day == 12:
        w *= 2.5
    return w * (1.0 + 0.25 * progress)


def _plan(days: list[_Day], total: int, weight: Callable[[_Day, float], float]) -> tuple[list[int], list[float]]:
    """How many rows each day gets (summing to ``total``, by rounding the running sum), and each
    day's load (its weight over the mean weight)."""
    weights = [weight(d, i / max(1, len(days) - 1)) * (d.hi - d.lo) / DAY for i, d in enumerate(days)]
    s, acc, prev, counts = sum(weights), 0.0, 0, []
    for w in weights:
        acc += w
        cur = round(total * acc / s)
        counts.append(cur - prev)
        prev = cur
    mean = s / len(weights)
    return counts, [w / mean if w else 1.0 for w in weights]


def _hour_mix(hours: tuple[int, ...]) -> list[float]:
    total, acc, cum = sum(hours), 0, []
    for h in hours:
        acc += h
        cum.append(acc / total)
    cum[-1] = 1.0 + 1e-9
    return cum


def _times_in(rng: random.Random, day: _Day, count: int, hour_cum: list[float]) -> list[int]:
    r, out = rng.random, []
    for _i in range(count):
        for _try in range(20):
            t = day.midnight + bisect_right(hour_cum, r()) * HOUR + int(r() * HOUR)
            if day.lo <= t < day.hi:
                break
        else:
            t = day.lo + int(r() * (day.hi - day.lo))
        out.append(t)
    out.sort()
    return out


# --- loading ----------------------------------------------------------------------------------------


class _CopyWriter:
    """COPY batches into their tables on a second thread of the same connection (and transaction),
    so PostgreSQL loads one batch while Python draws the next."""

    def __init__(self, raw_connection):
        self.raw = raw_connection
        self.jobs: queue.Queue = queue.Queue(maxsize=2)
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, name="seed-bench-copy", daemon=True)
        self.thread.start()

    def put(self, table: str, columns: tuple[str, ...], lines: list[str]) -> None:
        if self.error is not None:
            raise self.error
        if lines:
            self.jobs.put((table, columns, lines))

    def _run(self) -> None:
        with self.raw.cursor() as cur:
            while (job := self.jobs.get()) is not None:
                if self.error is not None:
                    continue  # drain: the main thread raises at its next put or at close
                table, columns, lines = job
                try:
                    lines.append("")
                    cur.copy_expert(
                        f"COPY {table} ({', '.join(columns)}) FROM STDIN", io.StringIO("\n".join(lines)), size=1 << 20
                    )
                except BaseException as exc:  # noqa: BLE001 - handed to the main thread, which raises it
                    self.error = exc

    def close(self) -> None:
        self.jobs.put(None)
        self.thread.join()
        if self.error is not None:
            raise self.error


# --- the database checks ----------------------------------------------------------------------------


def check_columns() -> None:
    """Refuse to run when a model's columns differ from the ones this module writes."""
    for model, columns in COLUMNS.items():
        have = {f.column for f in model._meta.concrete_fields}
        if have != set(columns):
            raise RuntimeError(
                _(
                    "seed_bench does not know the columns of %(table)s any more (missing: %(missing)s, "
                    "extra: %(extra)s): update analytics/seeding.py."
                )
                % {
                    "table": model._meta.db_table,
                    "missing": ", ".join(sorted(have - set(columns))) or "-",
                    "extra": ", ".join(sorted(set(columns) - have)) or "-",
                }
            )


def may_reset(name: str) -> bool:
    return name.endswith("_bench") or name.startswith("test_")


def check_database(*, reset: bool) -> None:
    """Raise SeedRefused unless this database is PostgreSQL, and empty of cases or resettable."""
    name = str(connection.settings_dict["NAME"])
    if connection.vendor != "postgresql":
        raise SeedRefused(
            _(
                "seed_bench loads with PostgreSQL's COPY, and this database is %(vendor)s. Point DATABASE_URL at a "
                "PostgreSQL database, for example: createdb aftersales_bench, then "
                "DATABASE_URL=postgres://postgres@127.0.0.1:5432/aftersales_bench manage.py migrate."
            )
            % {"vendor": connection.vendor}
        )
    if reset and not may_reset(name):
        raise SeedRefused(
            _(
                "--reset deletes every case, order, customer, product and survey answer, so it only runs when "
                "the database name ends in _bench or starts with test_; this one is %(name)s. Create a bench "
                "database (createdb aftersales_bench, then migrate it) and point DATABASE_URL at it."
            )
            % {"name": name}
        )
    if not reset and Case.objects.exists():
        raise SeedRefused(
            _(
                "The database %(name)s already holds %(count)s cases. Add --reset to delete the cases, orders, "
                "customers, products and survey answers first (only where the database name ends in _bench or "
                "starts with test_), or use an empty database."
            )
            % {"name": name, "count": f"{Case.objects.count():,}"}
        )


def _reset_tables() -> list[str]:
    """The tables --reset empties: the ones this module fills, and every analytics table."""
    tables = [m._meta.db_table for m in (*COLUMNS, Product, ProductVariant)]
    tables += [m._meta.db_table for m in apps.get_app_config("analytics").get_models() if not m._meta.proxy]
    existing = set(connection.introspection.table_names())
    return sorted(set(tables) & existing)


def _drop_indexes_and_foreign_keys(cur, tables: list[str]) -> list[str]:
    """Drop the foreign keys of ``tables`` and their indexes other than the primary and unique keys;
    return the statements that make them again.

    PostgreSQL's advice for a bulk load: building an index once over all rows is much cheaper than
    growing it row by row, and adding a foreign key checks all rows in one join instead of one
    lookup per row. It all happens inside the load's transaction, so a failed run changes no schema.
    """
    indexes, foreign_keys = [], []
    for table in tables:
        cur.execute(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid = %s::regclass AND contype = 'f' ORDER BY conname",
            [table],
        )
        for name, definition in cur.fetchall():
            foreign_keys.append(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
            cur.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
        cur.execute(
            "SELECT c.relname, pg_get_indexdef(i.indexrelid) FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
            "WHERE i.indrelid = %s::regclass AND NOT EXISTS (SELECT 1 FROM pg_constraint k "
            "WHERE k.conindid = i.indexrelid AND k.conrelid = i.indrelid AND k.contype IN ('p', 'u', 'x')) "
            "ORDER BY c.relname",
            [table],
        )
        for name, definition in cur.fetchall():
            indexes.append(definition)
            cur.execute(f'DROP INDEX "{name}"')
    return indexes + foreign_keys


# --- the generator ------------------------------------------------------------------------------------


@dataclass
class _Agent:
    user_id: int
    label: str
    team: int
    speed: float  # multiplies the agent's reply and resolution times
    charm: float  # added to the customer's satisfaction


class _Story:
    """One case as it happened up to ``end``: its events, status, times and costs."""

    __slots__ = (
        "end",
        "t0",
        "status",
        "events",
        "transitions",
        "first_response",
        "approved_at",
        "resolved_at",
        "closed_at",
        "resolutions",
        "reopens",
        "paused_at",
        "costs",
        "last",
    )

    def __init__(self, t0: int, end: int):
        self.end, self.t0, self.status = end, t0, "new"
        self.events: list[tuple] = []
        self.transitions = 0
        self.first_response = self.approved_at = self.resolved_at = self.closed_at = self.paused_at = None
        self.resolutions: list[int] = []  # every resolve's time
        self.reopens: list[int] = []
        self.costs: list[tuple] = []
        self.last = t0

    def event(self, t, type_, actor, label, channel="", note="", data="{}", transition="", from_="", to="") -> bool:
        if t > self.end:
            return False
        self.events.append((t, len(self.events), type_, actor, label, transition, from_, to, channel, note, data))
        return True

    def step(self, t, name, to, actor, label, data="{}", note="") -> bool:
        """A transition at ``t``, if it happened by the end; False (and nothing) otherwise."""
        if not self.event(t, "transition", actor, label, "", note, data, name, self.status, to):
            return False
        self.status = to
        self.transitions += 1
        if to == "awaiting_customer":
            self.paused_at = t
        elif self.paused_at is not None and name != "wait_for_customer":
            self.paused_at = None
        return True

    def cost(self, t, kind, cents, actor, note="") -> None:
        if t <= self.end:
            self.costs.append((t, kind, cents, actor, note))


class _Generator:
    def __init__(self, *, cases: int, seed: int, end: datetime, progress: Progress | None):
        self.n = cases
        self.rng = random.Random(seed)
        self.end_dt = end
        self.start_dt = end - relativedelta(months=MONTHS)
        self.end = int(end.timestamp())
        self.start = int(self.start_dt.timestamp())
        self.progress = progress
        self.utc_offset = int(end.astimezone(timezone.get_default_timezone()).utcoffset().total_seconds())
        self.stamp = _stamper()
        self.normal = lambda: NORMALS[int(self.rng.random() * 8192)]
        self.rows: Counter = Counter()
        self.began = time.monotonic()
        self.n_customers = max(30, cases // CASES_PER_CUSTOMER)
        self.n_orders = max(60, round(cases * ORDERS_PER_CASE))
        # Rows expected, for the estimate of the time left (orders ~2.6 rows, cases ~15 rows each).
        self.expected = self.n_customers + 2.6 * self.n_orders + 15 * cases

    # --- progress ---

    def report(self, what: str, done: int, total: int) -> None:
        if self.progress is None:
            return
        elapsed = time.monotonic() - self.began
        written = sum(self.rows.values())
        left = max(0.0, (self.expected - written) * elapsed / written) if written else 0.0
        self.progress(
            _("%(what)s %(done)s/%(total)s (%(share)s%%), %(elapsed)s s elapsed, about %(left)s s left")
            % {
                "what": what,
                "done": f"{done:,}",
                "total": f"{total:,}",
                "share": f"{100 * done // max(1, total)}",
                "elapsed": f"{elapsed:,.0f}",
                "left": f"{left:,.0f}",
            }
        )

    # --- set-up through the ORM (a few hundred rows) ---

    def prepare(self) -> None:
        """Ids to start from, the catalogue, the staff and teams, the survey and SLA policies."""
        with connection.cursor() as cur:
            self.next_id = {}
            for model in COLUMNS:
                cur.execute(f"SELECT COALESCE(MAX(id), 0) FROM {model._meta.db_table}")
                self.next_id[model] = cur.fetchone()[0] + 1
        self._catalogue()
        self._staff()
        survey = Survey.objects.filter(active=True).order_by("id").first()
        if survey is None:
            survey, _created = Survey.objects.update_or_create(
                code="bench-after-sales",
                defaults={
                    "name": "After-sales survey",
                    "active": True,
                    "ask_csat": True,
                    "ask_nps": True,
                    "ask_ces": True,
                    "ask_comment": True,
                },
            )
        self.survey = survey
        policies = dict(SlaPolicy.objects.values_list("name", "id"))
        self.policy_standard = policies.get("Standard")
        self.policy_chat = policies.get("Live chat", self.policy_standard)
        self.policy_urgent = policies.get("Urgent complaints", self.policy_standard)

    def _catalogue(self) -> None:
        r = self.rng.random
        products = []
        for c, (code, nouns, _prices, _rate) in enumerate(CATEGORIES):
            for k in range(PRODUCTS_PER_CATEGORY):
                noun = nouns[k % len(nouns)]
                flags = [ProductFlag.HYGIENE.value] if code == "beauty" and k % 3 == 0 else []
                products.append(
                    Product(
                        sku=f"BX-{code[:3].upper()}-{c * 100 + k + 1:04d}",
                        name=f"{noun} {chr(65 + k % 26)}{100 + k * 7 % 900}",
                        category=code,
                        supplier=SUPPLIERS[(c * 3 + k % 3) % len(SUPPLIERS)],
                        flags=flags,
                    )
                )
        # Products of an earlier run (whose cases were deleted) are used again.
        known = {p.sku: p for p in Product.objects.filter(sku__in=[p.sku for p in products])}
        made = Product.objects.bulk_create([p for p in products if p.sku not in known])
        products = [known.get(p.sku, p) for p in products]
        known = {v.sku: v for v in ProductVariant.objects.filter(product__in=products)}
        wanted = [ProductVariant(product=p, sku=f"{p.sku}-STD", name="Standard") for p in products]
        variants = ProductVariant.objects.bulk_create([v for v in wanted if v.sku not in known])
        self.rows[Product._meta.db_table] += len(made)
        self.rows[ProductVariant._meta.db_table] += len(variants)
        variants = [known.get(v.sku, v) for v in wanted]
        self.p_id = [p.pk for p in products]
        self.p_variant = [v.pk for v in variants]
        self.p_sku = [p.sku for p in products]
        self.p_name = [p.name for p in products]
        self.p_category = [p.category for p in products]
        self.p_price: list[int] = []  # cents
        self.p_propensity: list[float] = []  # how readily it comes back
        prices = {code: prices for code, _nouns, prices, _rate in CATEGORIES}
        rates = {code: rate for code, _nouns, _prices, rate in CATEGORIES}
        for p in products:
            low, high = prices[p.category]
            price = low * math.exp(r() * math.log(high / low))
            self.p_price.append(int(price) * 100 + 90 if price > 100 else int(price) * 100 + 9)
            self.p_propensity.append(rates[p.category] * (0.35 + 0.65 * r()))
        # Popularity: a few best sellers, a long tail.
        order = list(range(len(products)))
        self.rng.shuffle(order)
        weights = [0.0] * len(products)
        for rank, i in enumerate(order):
            weights[i] = 1.0 / (rank + 8)
        self.p_popular = _cumulative(dict(enumerate(weights)))

    def _staff(self) -> None:
        users = get_user_model().objects
        groups = ensure_roles()
        r = self.rng.random
        self.agents: list[_Agent] = []
        people = []
        for i, (first, last) in enumerate(AGENT_NAMES):
            user, created = users.get_or_create(
                username=f"bench-agent-{i + 1:02d}",
                defaults={"first_name": first, "last_name": last, "email": f"bench-agent-{i + 1:02d}@example.com"},
            )
            people.append((user, created, AGENT))
        manager, created = users.get_or_create(
            username="bench-manager",
            defaults={"first_name": "Min", "last_name": "Chen", "email": "bench-manager@example.com"},
        )
        people.append((manager, created, MANAGER))
        for user, created, role in people:
            if created:
                user.set_unusable_password()
            user.is_staff = True
            user.save()
            user.groups.add(groups[role])
        staff = [u for u, _c, role in people if role == AGENT]
        for user in staff:
            AgentProfile.objects.get_or_create(user=user, defaults={"skills": ["zh", "en"]})
        self.teams: list[tuple[int, list[int]]] = []  # (team id, indexes of its agents)
        first = 0
        for code, name, size in TEAMS:
            members = staff[first : first + size]
            team, _created = Team.objects.update_or_create(code=code, defaults={"name": name, "lead": members[0]})
            team.members.set(members)
            indexes = list(range(first, first + size))
            for i in indexes:
                self.agents.append(
                    _Agent(
                        user_id=staff[i].pk,
                        label=staff[i].get_full_name(),
                        team=len(self.teams),
                        speed=0.6 + r(),
                        charm=r() - 0.5,
                    )
                )
            self.teams.append((team.pk, indexes))
            first += size
        # Some agents take more cases than others.
        self.team_mix = [_cumulative({i: 0.5 + r() for i in indexes}) for _team, indexes in self.teams]

    # --- customers ---

    def customers(self, writer: _CopyWriter) -> None:
        r, stamp, table, cols = self.rng.random, self.stamp, Customer._meta.db_table, COLUMNS[Customer]
        base, n = self.next_id[Customer], self.n_customers
        self.c_base = base
        self.c_vip = bytearray(n)
        self.c_en = bytearray(n)
        lines: list[str] = []
        joined = self.start - ORDER_LEAD_DAYS * DAY
        for i in range(n):
            english = r() < 0.12
            vip = r() < 0.08
            self.c_en[i], self.c_vip[i] = english, vip
            if english:
                name = f"{FIRST_NAMES[int(r() * len(FIRST_NAMES))]} {LAST_NAMES[int(r() * len(LAST_NAMES))]}"
            else:
                name = (
                    SURNAMES[int(r() * len(SURNAMES))]
                    + GIVEN[int(r() * len(GIVEN))]
                    + (GIVEN[int(r() * len(GIVEN))] if r() < 0.6 else "")
                )
            lines.append(
                f"{base + i}\tbench-{i + 1}\t{name}\tbench.c{i + 1}@example.com\t+8613{i + 1:09d}\t"
                f"{'vip' if vip else 'regular'}\t{'en' if english else 'zh-hans'}\t{NULL}\t"
                f"{stamp(joined - int(r() * 720 * DAY))}"
            )
            if len(lines) >= BATCH_ROWS:
                self.rows[table] += len(lines)
                writer.put(table, cols, lines)
                lines = []
                self.report(_("customers"), i + 1, n)
        self.rows[table] += len(lines)
        writer.put(table, cols, lines)
        self.report(_("customers"), n, n)

    def pick_customer(self) -> int:
        """A customer index; some customers buy (and write) much more than others."""
        n = self.n_customers
        return int(n * self.rng.random() ** 1.3) * 7919 % n

    # --- orders ---

    def orders(self, writer: _CopyWriter) -> None:
        rng, r, stamp, end = self.rng, self.rng.random, self.stamp, self.end
        o_base, l_base = self.next_id[Order], self.next_id[OrderLine]
        self.o_base, self.l_base = o_base, l_base
        days = _days(self.start_dt - timedelta(days=ORDER_LEAD_DAYS), self.end_dt)
        counts, _load = _plan(days, self.n_orders, _order_weight)
        hour_cum = _hour_mix(ORDER_HOURS)
        self.o_placed = array("q")
        self.o_delivered = array("q")  # 0: not delivered by the end (or cancelled)
        self.o_customer = array("l")  # customer index
        self.o_line0 = array("q")
        self.o_nlines = array("b")
        self.l_product = array("H")
        self.l_qty = array("B")
        self.l_paid = array("q")  # cents
        p_id, p_variant, p_sku, p_name, p_price = self.p_id, self.p_variant, self.p_sku, self.p_name, self.p_price
        popular = self.p_popular
        o_lines: list[str] = []
        l_lines: list[str] = []
        i = j = 0
        for day, count in zip(days, counts, strict=True):
            peak = (day.date.month, day.date.day) in ((11, 11), (6, 18), (12, 12))
            for placed in _times_in(rng, day, count, hour_cum):
                customer = self.pick_customer()
                u = r()
                nlines = 1 if u < 0.55 else 2 if u < 0.85 else 3
                total = 0
                for line_no in range(1, nlines + 1):
                    p = _pick(r, popular)
                    u = r()
                    qty = 1 if u < 0.75 else 2 if u < 0.93 else 3
                    price = p_price[p]
                    discount = (0.8 if peak else 0.9) if r() < 0.4 else 1.0
                    paid = int(price * qty * discount)
                    total += paid
                    self.l_product.append(p)
                    self.l_qty.append(qty)
                    self.l_paid.append(paid)
                    l_lines.append(
                        f"{l_base + j}\t{o_base + i}\t{line_no}\t{p_id[p]}\t{p_variant[p]}\t{p_sku[p]}\t{p_name[p]}\t"
                        f"{qty}\t{price // 100}.{price % 100:02d}\t{paid // 100}.{paid % 100:02d}"
                    )
                    j += 1
                delivered = placed + int(min(6 * DAY, max(12 * HOUR, 40 * HOUR * math.exp(0.4 * self.normal()))))
                if r() < 0.02:
                    status, delivered_at, updated, delivered = "cancelled", NULL, stamp(placed + 2 * HOUR), 0
                elif delivered <= end:
                    status, delivered_at, updated = "delivered", stamp(delivered), stamp(delivered)
                else:
                    status = "shipped" if placed + 8 * HOUR <= end else "placed"
                    delivered_at, updated, delivered = NULL, stamp(min(end, placed + 8 * HOUR)), 0
                self.o_placed.append(placed)
                self.o_delivered.append(delivered)
                self.o_customer.append(customer)
                self.o_line0.append(j - nlines)
                self.o_nlines.append(nlines)
                o_lines.append(
                    f"{o_base + i}\tBO{i + 1:09d}\t{self.c_base + customer}\t{status}\t{stamp(placed)}\t{delivered_at}"
                    f"\tCNY\t{total // 100}.{total % 100:02d}\t{CITIES[customer % len(CITIES)]} {customer % 999 + 1} 号"
                    f"\t{updated}"
                )
                i += 1
                if len(l_lines) >= BATCH_ROWS:
                    self._flush_orders(writer, o_lines, l_lines)
                    o_lines, l_lines = [], []
                    self.report(_("orders"), i, self.n_orders)
        self._flush_orders(writer, o_lines, l_lines)
        self.o_used = bytearray(i)
        self.report(_("orders"), i, self.n_orders)

    def _flush_orders(self, writer, o_lines, l_lines) -> None:
        self.rows[Order._meta.db_table] += len(o_lines)
        self.rows[OrderLine._meta.db_table] += len(l_lines)
        writer.put(Order._meta.db_table, COLUMNS[Order], o_lines)
        writer.put(OrderLine._meta.db_table, COLUMNS[OrderLine], l_lines)

    def find_order(self, t: int, kind: str) -> int:
        """An unused delivered order placed some days before ``t`` (for a goods case), or -1.

        Goods that come back more often are taken more readily, so return rates differ by SKU and
        category; repairs are about repairable goods.
        """
        r, placed, delivered, used = self.rng.random, self.o_placed, self.o_delivered, self.o_used
        lag = 3 * DAY + min(60 * DAY, 6 * DAY * math.exp(0.8 * self.normal()))
        start = bisect_right(placed, t - lag) - 1
        fallback = -1
        for k in range(start, max(-1, start - 3000), -1):
            d = delivered[k]
            if used[k] or not d or d >= t - HOUR:
                continue
            if fallback < 0:
                fallback = k
            p = self.l_product[self.o_line0[k]]
            # Repairs are about goods that can be repaired.
            accept = (1.0 if self.p_category[p] in REPAIRABLE else 0.03) if kind == "repair" else self.p_propensity[p]
            if r() < accept:
                return k
            if start - k > 400:
                break
        if fallback < 0:  # nothing before: look at the orders placed after the lag but before t
            for k in range(start + 1, len(placed)):
                if placed[k] >= t:
                    break
                d = delivered[k]
                if not used[k] and d and d < t - HOUR:
                    return k
        return fallback

    def any_order(self, t: int) -> int:
        """Some order placed up to a month before ``t`` (for a complaint or an inquiry), or -1."""
        k = bisect_right(self.o_placed, t - HOUR - int(self.rng.random() * 30 * DAY)) - 1
        return k if k >= 0 and self.o_placed[k] < t else -1

    # --- cases ---

    def cases(self, writer: _CopyWriter) -> None:
        days = _days(self.start_dt, self.end_dt)
        counts, loads = _plan(days, self.n, _case_weight)
        hour_cum = _hour_mix(CASE_HOURS)
        self.buffers: dict = {model: [] for model in CASE_TABLES}
        self.ids = {model: self.next_id[model] for model in CASE_TABLES}
        index = 0
        every = max(CASE_BATCH, self.n // 20 // CASE_BATCH * CASE_BATCH)  # about twenty reports
        for day, count, load in zip(days, counts, loads, strict=True):
            for t0 in _times_in(self.rng, day, count, hour_cum):
                index += 1
                self.case(index, t0, load)
                if index % CASE_BATCH == 0:
                    self._flush_cases(writer)
                    if index % every == 0 and index < self.n:
                        self.report(_("cases"), index, self.n)
        self._flush_cases(writer)
        self.report(_("cases"), index, self.n)

    def _flush_cases(self, writer: _CopyWriter) -> None:
        for model in CASE_TABLES:  # in this order: what refers to a row comes after it
            lines = self.buffers[model]
            self.rows[model._meta.db_table] += len(lines)
            writer.put(model._meta.db_table, COLUMNS[model], lines)
            self.buffers[model] = []

    def case(self, index: int, t0: int, load: float) -> None:  # noqa: C901 - one case's story, step by step
        rng, r, gauss, stamp, end = self.rng, self.rng.random, self.normal, self.stamp, self.end
        case_id = self.ids[Case]
        self.ids[Case] += 1
        kind = _pick(r, KINDS)
        channel = _pick(r, CHANNELS)
        reason = _pick(r, REASONS[kind])
        priority = _pick(r, COMPLAINT_PRIORITIES if kind == "complaint" else PRIORITIES)

        order = -1
        if kind in GOODS:
            order = self.find_order(t0, kind)
            if order < 0:  # no order to claim against (the very first hours): a question instead
                kind, reason = "inquiry", "other"
            else:
                self.o_used[order] = 1
        if order < 0 and kind in ("complaint", "inquiry") and r() < (0.6 if kind == "complaint" else 0.35):
            order = self.any_order(t0)
        customer = self.o_customer[order] if order >= 0 else self.pick_customer()
        english = self.c_en[customer]
        vip = self.c_vip[customer]
        lang = 1 if english else 0

        team = TEAM_OF_KIND[kind] if r() < 0.9 else int(r() * len(self.teams))
        agent = self.agents[_pick(r, self.team_mix[team])]
        who, label = agent.user_id, agent.label

        # --- lines and their value ---
        lines = []  # (order line index, quantity, value in cents)
        if kind in GOODS:
            first, n = self.o_line0[order], self.o_nlines[order]
            chosen = [first + int(r() * n)] if n == 1 or r() < 0.75 else [first + k for k in rng.sample(range(n), 2)]
            for j in chosen:
                q = self.l_qty[j]
                qty = q if r() < 0.7 else 1 + int(r() * q)
                lines.append((j, qty, self.l_paid[j] * qty // q))
        value = sum(v for _j, _q, v in lines)
        product = self.p_name[self.l_product[lines[0][0]]] if lines else ""

        story = _Story(t0, end)
        created_by, created_label = {
            "phone": (who, label),
            "api": (None, "system"),
        }.get(channel, (None, "customer"))
        reason_text = REASON_TEXTS[reason][lang]
        story.event(
            t0,
            "created",
            created_by,
            created_label,
            channel,
            reason_text,
            # JSON written out by hand: json.dumps was a tenth of the generator's time.
            f'{{"kind": "{kind}", "reason": "{reason}", '
            f'"lines": [{", ".join(f"[{self.l_base + j}, {q}]" for j, q, _v in lines)}], "routed": "seed_bench"}}',
            to="new",
        )

        # --- the first response ---
        median, sigma = FIRST_RESPONSE[channel]
        delay = median * math.exp(sigma * gauss()) * agent.speed * (0.7 + 0.3 * load)
        if priority in ("high", "urgent"):
            delay *= 0.5
        local_hour = (t0 + self.utc_offset) % DAY // HOUR
        if channel not in ("chat", "phone") and local_hour < 8:  # the desk opens at 08:00
            delay += (8 - local_hour) * HOUR + r() * HOUR
        t_fr = t0 + 1 + int(min(4 * DAY, delay))
        fr_target = FR_TARGET_CHAT if channel == "chat" else FR_TARGET
        fr_policy = self.policy_chat if channel == "chat" else self.policy_standard
        if kind == "complaint" and priority == "urgent":
            fr_target, fr_policy = FR_TARGET_URGENT, self.policy_urgent

        def reply_out(t) -> None:
            text = REPLIES_OUT[int(r() * 4)][lang]
            if (
                story.event(t, "reply", who, label, channel, text, '{"direction": "out"}')
                and story.first_response is None
            ):
                story.first_response = t

        def reply_in(t) -> None:
            story.event(t, "reply", None, "customer", channel, REPLIES_IN[int(r() * 4)][lang], '{"direction": "in"}')

        def later(t, median_s, sig, low, high) -> int:
            return t + int(min(high, max(low, median_s * math.exp(sig * gauss()))))

        fields: dict[str, str] = {}
        resolution = ""
        refund = None  # cents
        fr_stop = None  # when the first-response clock stopped without a reply (a cancellation)
        passed = None

        def resolve(t, kind_of_resolution, refund_cents) -> bool:
            amount = "null" if refund_cents is None else f'"{refund_cents // 100}.{refund_cents % 100:02d}"'
            data = f'{{"resolution_type": "{kind_of_resolution}", "refund_amount": {amount}, "resolution_note": ""}}'
            if not story.step(t, "resolve", "resolved", who, label, data):
                return False
            story.resolved_at = t
            story.resolutions.append(t)
            return True

        # --- the path of the kind ---
        u = r()
        if kind in GOODS and u < REJECT_SHARE[kind]:
            text, data = REJECTIONS[int(r() * len(REJECTIONS))][lang]
            if story.step(t_fr, "reject", "rejected", who, label, data, text):
                story.closed_at = t_fr
                fields["rejection_reason"] = text
                fields["policy_outcome"] = "review"
            reply_out(t_fr)
        elif u > 0.985:  # the customer withdraws before anyone answered
            t_cancel = t0 + int((t_fr - t0) * (0.2 + 0.7 * r()))
            if story.step(t_cancel, "cancel", "cancelled", None, "customer"):
                story.closed_at = fr_stop = t_cancel
        elif kind in GOODS:
            fields["policy_outcome"] = "review"
            if story.step(t_fr, "approve", "approved", who, label):
                story.approved_at = t_fr
            reply_out(t_fr)
            if kind == "refund_only":
                t_res = later(t_fr, 5 * HOUR * agent.speed, 0.9, 10 * 60, 5 * DAY)
                u = r()
                if u < 0.7:
                    resolution, refund = "refund", value
                elif u < 0.95:
                    resolution, refund = "partial_refund", max(1, int(value * (0.2 + 0.4 * r())))
                else:
                    resolution = "goodwill_coupon"
                if resolve(t_res, resolution, refund) and r() < 0.5:
                    story.cost(t_res, "handling", 300 + int(r() * 300), who)
            elif r() < 0.04:  # approved, never shipped: cancelled when the ship-by days ran out
                t_cancel = t_fr + 7 * DAY
                if story.step(t_cancel, "cancel", "cancelled", None, "system"):
                    story.closed_at = t_cancel
            else:
                t_ship = later(t_fr, 12 * HOUR, 0.9, HOUR, 6 * DAY)
                carrier = CARRIERS[int(r() * len(CARRIERS))]
                tracking = f"{carrier}{int(r() * 1e12):012d}"
                shipped = story.step(
                    t_ship,
                    "ship_return",
                    "in_transit",
                    None,
                    "customer",
                    f'{{"carrier": "{carrier}", "tracking_number": "{tracking}"}}',
                )
                if shipped:
                    fields["return_carrier"], fields["return_tracking_number"] = carrier, tracking
                t_recv = later(t_ship, 28 * HOUR, 0.45, 6 * HOUR, 8 * DAY)
                # A regular customer who changed their mind pays the way back.
                paid_back = not (reason in ("no_reason", "wrong_size") and kind == "return" and not vip)
                if shipped and story.step(t_recv, "receive", "received", None, "system") and paid_back:
                    story.cost(t_recv, "shipping_back", 800 + int(r() * 700), None)
                # The warehouse inspects on working days.
                t_insp = later(t_recv, 3 * HOUR, 0.8, 20 * 60, 3 * DAY)
                weekday = (t_insp + self.utc_offset) // DAY % 7  # 1970-01-01, day 0, was a Thursday
                if weekday in (2, 3):  # Saturday or Sunday: on Monday
                    t_insp += (4 - weekday) * DAY
                passed = r() < 0.9
                grade = _pick(r, (("A", "B", "C"), [0.6, 0.95, 1.0 + 1e-9])) if passed else ("C" if r() < 0.5 else "D")
                if story.status == "received" and story.step(
                    t_insp,
                    "inspect",
                    "inspected",
                    None,
                    "system",
                    f'{{"passed": {"true" if passed else "false"}, "grade": "{grade}", "inspection_note": ""}}',
                ):
                    fields["inspection_passed"] = "t" if passed else "f"
                    fields["inspection_grade"] = grade
                    story.cost(t_insp, "handling", 300 + int(r() * 300), None)
                    t_res = later(t_insp, 2 * HOUR * agent.speed, 0.8, 5 * 60, 3 * DAY)
                    if passed:
                        resolution = {"return": "return_and_refund", "exchange": "exchange", "repair": "repair"}[kind]
                        refund = value if kind == "return" else None
                    elif r() < 0.6:
                        resolution, refund = "partial_refund", max(1, int(value * (0.3 + 0.4 * r())))
                    else:
                        resolution = "returned_to_customer"
                    if resolve(t_res, resolution, refund):
                        if resolution in ("exchange", "repair", "returned_to_customer"):
                            story.cost(t_res, "shipping_out", 800 + int(r() * 700), who)
                            fields["replacement_carrier"] = carrier
                            fields["replacement_tracking_number"] = f"{carrier}{int(r() * 1e12):012d}"
                            fields["replacement_shipped_at"] = stamp(t_res)
                        if resolution == "repair":
                            story.cost(t_res, "repair", int(min(30000, 2000 + 4000 * math.exp(0.7 * gauss()))), who)
                    fields["_grade"] = grade
            # A few more messages while the goods travel, before the resolution.
            rounds = 0 if r() < 0.6 else 1 if r() < 0.75 else 2
            t, limit = t_fr, story.resolved_at or end
            for _round in range(rounds):
                t_in = later(t, DAY, 0.8, HOUR, 4 * DAY)
                t_out = later(t_in, 2 * HOUR * agent.speed, 1.0, 60, 2 * DAY)
                if t_out >= limit:
                    break
                reply_in(t_in)
                reply_out(t_out)
                t = t_out
        else:  # complaint or inquiry: a conversation
            story.step(t_fr, "start", "in_progress", who, label)
            reply_out(t_fr)
            u = r()
            if kind == "inquiry":
                rounds = 0 if u < 0.65 else 1 if u < 0.9 else 2
            else:
                rounds = 0 if u < 0.35 else 1 if u < 0.7 else 2 if u < 0.9 else 3
            t = t_fr
            for _round in range(rounds):
                story.step(t, "wait_for_customer", "awaiting_customer", who, label)
                t_in = later(t, 6 * HOUR, 1.0, 5 * 60, 5 * DAY)
                reply_in(t_in)
                story.step(t_in, "resume", "in_progress", None, "customer")
                t = later(t_in, 1.5 * HOUR * agent.speed * (0.7 + 0.3 * load), 1.0, 60, 3 * DAY)
                reply_out(t)
            median_res = 40 * 60 if kind == "inquiry" else 8 * HOUR
            t_res = later(t, median_res * agent.speed, 1.0, 5 * 60, 5 * DAY)
            u = r()
            if kind == "inquiry" or u < 0.6:
                resolution = "answered"
            elif u < 0.85 or order < 0:
                resolution = "goodwill_coupon"
            else:
                first, n = self.o_line0[order], self.o_nlines[order]
                paid = sum(self.l_paid[first : first + n])
                resolution, refund = "partial_refund", max(1, min(paid, int(2000 * math.exp(0.6 * gauss()))))
            if resolve(t_res, resolution, refund) and resolution == "goodwill_coupon":
                story.cost(t_res, "compensation", (1000, 2000, 3000, 5000)[int(r() * 4)], who)

        # --- refund, reopen, close ---
        if story.resolved_at is not None:
            t_res = story.resolved_at
            if refund:
                story.cost(t_res, "refund", refund, who, "Refund on resolution")
            if r() < REOPEN_SHARE[kind]:
                t_reopen = later(t_res, 1.5 * DAY, 0.7, 2 * HOUR, 6.5 * DAY)
                reply_in(t_reopen)
                if story.step(t_reopen, "reopen", "in_progress", who, label):
                    story.reopens.append(t_reopen)
                    t_out = later(t_reopen, 2 * HOUR * agent.speed, 1.0, 60, DAY)
                    reply_out(t_out)
                    data = f'{{"resolution_type": "{resolution}", "refund_amount": null, "resolution_note": ""}}'
                    t_res2 = later(t_out, 6 * HOUR, 1.0, 10 * 60, 3 * DAY)
                    if story.step(t_res2, "resolve", "resolved", who, label, data):
                        story.resolved_at = t_res2
                        story.resolutions.append(t_res2)
            if story.status == "resolved":
                t_close = story.resolved_at + (
                    AUTO_CLOSE if r() < 0.7 else int(min(6.9 * DAY, 20 * HOUR * math.exp(0.8 * gauss())))
                )
                by, by_label = (None, "system") if t_close - story.resolved_at == AUTO_CLOSE else (who, label)
                if story.step(t_close, "close", "closed", by, by_label):
                    story.closed_at = t_close

        # A new case nobody has answered yet may still wait in its team's queue, unassigned.
        assigned = not (story.status == "new" and story.first_response is None and channel != "phone" and r() < 0.25)
        self._write_case(
            index=index,
            case_id=case_id,
            kind=kind,
            channel=channel,
            priority=priority,
            reason=reason,
            reason_text=reason_text,
            subject=SUBJECTS[kind][lang].format(product or REASON_TEXTS[reason][lang].rstrip("。.")),
            customer=customer,
            order=order,
            team=team,
            agent=agent if assigned else None,
            lines=lines,
            story=story,
            fields=fields,
            resolution=resolution,
            refund=refund,
            fr=(fr_target, fr_policy, fr_stop),
        )

    def _write_case(
        self,
        *,
        index: int,
        case_id: int,
        kind: str,
        channel: str,
        priority: str,
        reason: str,
        reason_text: str,
        subject: str,
        customer: int,
        order: int,
        team: int,
        agent: _Agent | None,
        lines: list[tuple[int, int, int]],
        story: _Story,
        fields: dict[str, str],
        resolution: str,
        refund: int | None,
        fr: tuple[int, int | None, int | None],
    ) -> None:
        r, stamp, buffers, ids = self.rng.random, self.stamp, self.buffers, self.ids
        t0, status = story.t0, story.status
        who = agent.user_id if agent else None

        # --- lines ---
        grade = fields.pop("_grade", "")
        inspected = bool(fields.get("inspection_grade"))
        out = buffers[CaseLine]
        for j, qty, _value in lines:
            disposition = ""
            if inspected and kind != "repair" and resolution != "returned_to_customer":
                u = r()
                if grade == "A" or (grade == "B" and u < 0.7):
                    disposition = "restock"
                elif grade == "B" or (grade == "C" and u < 0.2):
                    disposition = "refurbish"
                else:
                    disposition = "scrap" if u < 0.6 else "return_to_supplier"
            variant = self.p_variant[self.l_product[j]] if kind == "exchange" else NULL
            out.append(
                f"{ids[CaseLine]}\t{case_id}\t{self.l_base + j}\t{qty}\t{'t' if r() < 0.5 else 'f'}\t{variant}\t"
                f"{disposition}"
            )
            ids[CaseLine] += 1

        # --- events ---
        out = buffers[CaseEvent]
        event_id = ids[CaseEvent]
        story.events.sort()
        story.last = story.events[-1][0]
        for t, _seq, type_, actor, label, transition, from_, to, ev_channel, note, data in story.events:
            out.append(
                f"{event_id}\t{case_id}\t{type_}\t{NULL if actor is None else actor}\t{label}\t{transition}\t{from_}\t"
                f"{to}\t{ev_channel}\t{note}\t{data}\tt\t{stamp(t)}"
            )
            event_id += 1
        ids[CaseEvent] = event_id

        # --- SLA clocks: first response, and resolution (again after a reopen) ---
        fr_target, fr_policy, fr_stop = fr
        out = buffers[SlaClock]
        fr_done = story.first_response if story.first_response is not None else fr_stop
        if fr_done is None and story.closed_at is not None:
            fr_done = story.closed_at
        running = {}
        running["first_response"] = self._clock(out, case_id, "first_response", fr_policy, fr_target, t0, fr_done, None)
        res_policy = self.policy_urgent if fr_policy == self.policy_urgent else self.policy_standard
        episodes = [t0, *story.reopens]
        for k, started in enumerate(episodes):
            stop = story.resolutions[k] if k < len(story.resolutions) else None
            if stop is None and story.closed_at is not None:
                stop = story.closed_at
            paused = story.paused_at if stop is None and status == "awaiting_customer" else None
            running["resolution"] = self._clock(
                out, case_id, "resolution", res_policy, RESOLUTION_TARGET, started, stop, paused
            )

        # --- costs ---
        out = buffers[CostLine]
        for t, cost_kind, cents, actor, note in story.costs:
            amount = f"{cents // 100}.{cents % 100:02d}"
            out.append(
                f"{ids[CostLine]}\t{case_id}\t{cost_kind}\t{amount}\tCNY\t{note}\t"
                f"{NULL if actor is None else actor}\t{stamp(t + 60)}"
            )
            if cost_kind == "refund" and order >= 0:
                settled = min(t + DAY, self.end)
                how = resolution if resolution in REFUNDING_RESOLUTIONS else "refund"
                buffers[Refund].append(
                    f"{ids[Refund]}\t{case_id}\t{self.o_base + order}\t{amount}\tCNY\t{how}\t\t"
                    f"{'succeeded' if settled > t else 'requested'}\tseed-{ids[Refund]}\t"
                    f"{NULL if actor is None else actor}\t{NULL}\t{NULL}\t{ids[CostLine]}\t{stamp(t + 60)}\t"
                    f"{stamp(settled + 60) if settled > t else NULL}\t"
                )
                ids[Refund] += 1
            ids[CostLine] += 1

        # --- the survey after each resolution ---
        mood = (agent.charm if agent else 0.0) - (0.4 if kind == "complaint" else 0.0)
        if story.first_response is not None and story.first_response - t0 > fr_target:
            mood -= 0.6
        if resolution in ("partial_refund", "returned_to_customer"):
            mood -= 0.7
        elif resolution == "goodwill_coupon":
            mood += 0.2
        for k, resolved in enumerate(story.resolutions):
            reopened = story.reopens[k] if k < len(story.reopens) else None
            late = resolved - episodes[k] > RESOLUTION_TARGET
            self._survey(
                case=(case_id, customer, channel, kind, team, who),
                resolved=resolved,
                reopened=reopened,
                mood=mood - (0.5 if late else 0.0) - (0.4 if k else 0.0),
            )

        # --- the case ---
        fr_due, res_due = running["first_response"], running["resolution"]
        values = CASE_DEFAULTS.copy()
        values |= {
            "id": str(case_id),
            "number": f"B{index:08d}",
            "kind": kind,
            "status": status,
            "channel": channel,
            "priority": priority,
            "reason_code": reason,
            "reason_text": reason_text,
            "subject": subject,
            "customer_id": str(self.c_base + customer),
            "team_id": str(self.teams[team][0]),
            "created_at": stamp(t0),
            "updated_at": stamp(story.last),
            "reopened_count": str(len(story.reopens)),
            "version": str(1 + story.transitions),
            **fields,
        }
        if order >= 0:
            values["order_id"] = str(self.o_base + order)
        if who is not None:
            values["assignee_id"] = str(who)
        if fr_due is not None:
            values["first_response_due_at"] = stamp(fr_due)
        if res_due is not None:
            values["resolution_due_at"] = stamp(res_due)
        if fr_due is not None or res_due is not None:
            values["sla_due_at"] = stamp(min(t for t in (fr_due, res_due) if t is not None))
        for name, t in (
            ("first_responded_at", story.first_response),
            ("approved_at", story.approved_at),
            ("resolved_at", story.resolved_at),
            ("closed_at", story.closed_at),
        ):
            if t is not None:
                values[name] = stamp(t)
        if story.resolved_at is not None:
            values["resolution_type"] = resolution
            if refund is not None:
                values["refund_amount"] = f"{refund // 100}.{refund % 100:02d}"
        buffers[Case].append("\t".join(CASE_ROW(values)))

    def _clock(self, out, case_id, kind, policy, target, started, stop, paused) -> int | None:
        """One clock row, as ``cases.sla.clocks`` leaves it; returns its due time while it runs (the case's
        due columns show only running clocks)."""
        stamp = self.stamp
        due, warn = started + target, started + target * 4 // 5
        resumed = paused_at = due_at = warn_at = stopped = NULL
        used = 0
        if stop is not None and stop <= self.end:
            state, until, used, due_at, stopped = "stopped", stop, stop - started, stamp(due), stamp(stop)
        elif paused is not None:
            state, until, used, paused_at = "paused", paused, paused - started, stamp(paused)
        else:
            state, until, resumed, due_at = "running", self.end + 1, stamp(started), stamp(due)
            if warn >= until:
                warn_at = stamp(warn)
        warned = stamp(warn) if warn < until else NULL
        breached = stamp(due) if due < until else NULL
        out.append(
            f"{self.ids[SlaClock]}\t{case_id}\t{kind}\t{state}\t{NULL if policy is None else policy}\t{NULL}\t"
            f"{target}\t{target * 4 // 5}\t{used}\t{stamp(started)}\t{resumed}\t{paused_at}\t{due_at}\t{warn_at}\t"
            f"{warned}\t{breached}\t{stopped}"
        )
        self.ids[SlaClock] += 1
        return due if state == "running" else None

    def _survey(self, *, case: tuple, resolved: int, reopened: int | None, mood: float) -> None:
        """An invitation a day after the resolution (for about 70 % of them), answered about a third
        of the time; a reopen before the answer cancels it."""
        r, gauss, stamp, end, ids = self.rng.random, self.normal, self.stamp, self.end, self.ids
        sent = resolved + DAY
        if sent > end or r() >= 0.7 or (reopened is not None and reopened <= sent):
            return
        case_id, customer, channel, kind, team, agent = case
        expires = sent + SURVEY_VALID
        answered = None
        if r() < 0.35:
            t = sent + int(min(SURVEY_VALID - HOUR, 3 * HOUR * math.exp(1.2 * gauss())))
            if t <= end and (reopened is None or t < reopened):
                answered = t
        reminder = sent + 3 * DAY
        reminded = None
        if reminder <= end and (answered is None or answered > reminder) and (reopened is None or reminder < reopened):
            reminded = reminder
        if answered is not None:
            status = "answered"
        elif reopened is not None and reopened < expires:
            status = "cancelled"
        elif expires <= end:
            status = "expired"
        else:
            status = "reminded" if reminded else "sent"
        language = "en" if self.c_en[customer] else "zh-hans"
        invitation_id = ids[SurveyInvitation]
        ids[SurveyInvitation] += 1
        self.buffers[SurveyInvitation].append(
            f"{invitation_id}\t{case_id}\t{self.c_base + customer}\t{self.survey.pk}\t"
            f"{'email' if channel in ('api', 'phone') else channel}\t{language}\t{status}\t{stamp(sent)}\t"
            f"{NULL if reminded is None else stamp(reminded)}\t{stamp(expires)}\t"
            f"{NULL if answered is None else stamp(answered)}"
        )
        if answered is None:
            return
        z = 1.5 + mood + gauss()
        csat = 5 if z > 1.0 else 4 if z > 0.1 else 3 if z > -0.5 else 2 if z > -1.1 else 1
        nps = min(10, max(0, round(5.6 + 2.2 * (z + 0.6 * gauss()))))
        ces = min(7, max(1, round(3.6 - 1.0 * z + 0.8 * gauss())))
        lang = 1 if language == "en" else 0
        comment, complaint = "", "f"
        if csat <= 2 and r() < 0.7:
            comment, complaint = COMMENTS_BAD[int(r() * len(COMMENTS_BAD))][lang], "t"
        elif csat == 3 and r() < 0.4:
            comment = COMMENTS_MEH[int(r() * len(COMMENTS_MEH))][lang]
        elif csat >= 4 and r() < 0.2:
            comment = COMMENTS_GOOD[int(r() * len(COMMENTS_GOOD))][lang]
        survey = self.survey
        self.buffers[SurveyResponse].append(
            f"{ids[SurveyResponse]}\t{invitation_id}\t{case_id}\t{self.c_base + customer}\t"
            f"{NULL if agent is None else agent}\t{self.teams[team][0]}\t{channel}\t{kind}\t"
            f"{csat if survey.ask_csat else NULL}\t{nps if survey.ask_nps else NULL}\t"
            f"{ces if survey.ask_ces else NULL}\t{comment if survey.ask_comment else ''}\t{complaint}\t{language}\t"
            f"link\t{NULL}\t{stamp(answered)}"
        )
        ids[SurveyResponse] += 1


# --- the whole run ------------------------------------------------------------------------------------


def default_end() -> datetime:
    return timezone.now().replace(microsecond=0)


def end_of_day(day: date) -> datetime:
    """The end of ``day`` in the project's time zone (the next midnight): ``--end`` includes that day."""
    tz = timezone.get_default_timezone()
    following = day + timedelta(days=1)
    return datetime(following.year, following.month, following.day, tzinfo=tz)


def seed(
    *,
    cases: int,
    seed: int,
    end: datetime | None = None,
    reset: bool = False,
    rollups: bool = True,
    progress: Progress | None = None,
) -> SeedResult:
    """Fill the database with ``cases`` cases of synthetic history ending at ``end`` (default now).

    Refuses (SeedRefused) a database that is not PostgreSQL, one that holds cases already unless
    ``reset``, and a reset where the database name does not end in _bench or start with test_.
    Then ANALYZE, and the analytics rollups rebuilt when ``rollups`` and they exist.
    """
    if cases < 1:
        raise SeedRefused(_("Give at least one case."))
    began = time.monotonic()
    say = progress or (lambda _text: None)
    check_columns()
    check_database(reset=reset)
    generator = _Generator(cases=cases, seed=seed, end=end or default_end(), progress=progress)
    with transaction.atomic():
        with connection.cursor() as cur:
            if reset:
                say(_("Emptying the generated tables ..."))
                cur.execute(f"TRUNCATE {', '.join(_reset_tables())} RESTART IDENTITY CASCADE")
            cur.execute("SET LOCAL synchronous_commit = off")
            cur.execute(f"LOCK TABLE {', '.join(m._meta.db_table for m in COLUMNS)} IN EXCLUSIVE MODE")
        check_database(reset=False)  # under the lock: nobody added cases meanwhile
        generator.prepare()
        with connection.cursor() as cur:
            cur.execute("SET LOCAL maintenance_work_mem = '256MB'")
            # The set-up's deferred checks run now: a table with pending checks cannot lose its foreign keys.
            cur.execute("SET CONSTRAINTS ALL IMMEDIATE")
            restore = _drop_indexes_and_foreign_keys(cur, [m._meta.db_table for m in COLUMNS])
        connection.ensure_connection()
        writer = _CopyWriter(connection.connection)
        try:
            generator.customers(writer)
            generator.orders(writer)
            generator.cases(writer)
        finally:
            writer.close()
        with connection.cursor() as cur:
            say(_("Building the indexes and checking the foreign keys ..."))
            for statement in restore:
                cur.execute(statement)
            for model in COLUMNS:
                table = model._meta.db_table
                cur.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), COALESCE(MAX(id), 1), "
                    f"MAX(id) IS NOT NULL) FROM {table}"
                )
        say(_("Committing ..."))
    say(_("Analysing the tables ..."))
    with connection.cursor() as cur:
        cur.execute(f"ANALYZE {', '.join(sorted({m._meta.db_table for m in (*COLUMNS, Product, ProductVariant)}))}")
    if rollups:
        rebuild_all = _rollups()
        if rebuild_all is not None:
            say(_("Rebuilding the analytics rollups ..."))
            rebuild_all(progress=progress)
    return SeedResult(rows=dict(generator.rows), seconds=time.monotonic() - began)


def _rollups():
    """``analytics.rollups.rebuild_all`` once it exists, else None."""
    try:
        return importlib.import_module("analytics.rollups").rebuild_all
    except (ImportError, AttributeError):
        return None
