"""Demo data for a first look: teams, customers, a catalogue, orders and cases in every state.

``seed_demo`` (the management command) calls ``seed``. Cases are opened with
``services.create_case`` (so the return policy decides goods cases as it would for a customer) and
moved with ``services.transition_case`` (so every status change is a real state-machine step with
its ``CaseEvent``). Each case is driven from the state the policy left it in to the status it is
meant to show; if the policy made that status unreachable (say the installed policy rejects what
the demo expected to be approved), a stand-in case on an undelivered order, which the policy always
sends to review, takes its place.

The story happened in the past: orders were delivered days or months ago and each case was opened
a few days after its delivery. To give the timeline real dates, the services' clock
(``core.clock.now``, the one seam they read the time from) is set to the moment of each step.

Running ``seed`` again changes nothing: the demo data is recognised by ``MARKER_CUSTOMER`` and
skipped as a whole; users are only created when missing.
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from cases import services
from cases.exceptions import NeedsApproval
from cases.models import (
    GOODS_KINDS,
    REFUNDING_RESOLUTIONS,
    Case,
    CaseKind,
    CaseStatus,
    Channel,
    Customer,
    CustomerTier,
    Order,
    OrderLine,
    OrderStatus,
    Priority,
    Product,
    ProductFlag,
    ProductVariant,
    ReasonCode,
    ResolutionType,
    Team,
)
from cases.money import approvals
from cases.money import ledger as refunds
from core import clock, phones
from core.roles import ADMIN, AGENT, MANAGER, ensure_roles

MARKER_CUSTOMER = "demo-c01"
DEMO_USERS = (AGENT, MANAGER, ADMIN)
FALLBACK_ORDER = "DEMO-2026-0018"  # shipped, not delivered: the policy sends any claim on it to review

Progress = Callable[[str], None]

# --- the catalogue --------------------------------------------------------------------------------

TEAMS = (
    ("cn-aftersales-1", "售后一组"),
    ("cn-aftersales-2", "售后二组"),
    ("returns-en", "Returns EN"),
)

# key, name, email, phone, tier, language
CUSTOMERS = (
    ("c01", "张伟", "zhang.wei@example.cn", "+8613800138001", CustomerTier.VIP, "zh-hans"),
    ("c02", "王芳", "wang.fang@example.cn", "+8613912345602", CustomerTier.REGULAR, "zh-hans"),
    ("c03", "李娜", "li.na@example.cn", "+8613700137003", CustomerTier.REGULAR, "zh-hans"),
    ("c04", "刘洋", "liu.yang@example.cn", "+8615800158004", CustomerTier.REGULAR, "zh-hans"),
    ("c05", "陈静", "chen.jing@example.cn", "+8618600186005", CustomerTier.VIP, "zh-hans"),
    ("c06", "杨磊", "yang.lei@example.cn", "+8613600136006", CustomerTier.REGULAR, "zh-hans"),
    ("c07", "赵敏", "zhao.min@example.cn", "+8615000150007", CustomerTier.REGULAR, "zh-hans"),
    ("c08", "Emma Wilson", "emma.wilson@example.com", "+447400123408", CustomerTier.VIP, "en"),
    ("c09", "James Carter", "james.carter@example.com", "+14155550109", CustomerTier.REGULAR, "en"),
    ("c10", "Olivia Brown", "olivia.brown@example.com", "+447400123410", CustomerTier.REGULAR, "en"),
    ("c11", "Liam Murphy", "liam.murphy@example.com", "+353855550111", CustomerTier.REGULAR, "en"),
    ("c12", "Sophie Martin", "sophie.martin@example.com", "+33612345612", CustomerTier.REGULAR, "en"),
)

# sku, name, category, supplier, flags, unit price, variants (sku suffix, name, attributes)
PRODUCTS = (
    (
        "DEMO-TEE",
        "纯棉圆领T恤 Cotton crew T-shirt",
        "apparel",
        "杭州织造 Hangzhou Textile",
        [],
        "99.00",
        [("S", "S / 白 white", {"size": "S", "colour": "white"}), ("M", "M / 黑 black", {"size": "M"}), ("L", "L", {})],
    ),
    (
        "DEMO-RUN",
        "轻跑运动鞋 Running shoes",
        "shoes",
        "晋江鞋业 Jinjiang Footwear",
        [],
        "399.00",
        [("40", "40", {"size": "40"}), ("41", "41", {"size": "41"}), ("42", "42", {"size": "42"})],
    ),
    (
        "DEMO-BUDS",
        "无线降噪耳机 Wireless noise-cancelling earbuds",
        "electronics",
        "深圳声学 Shenzhen Acoustics",
        [],
        "699.00",
        [("WHT", "白 white", {"colour": "white"}), ("BLK", "黑 black", {"colour": "black"})],
    ),
    (
        "DEMO-KETTLE",
        "电热水壶 1.7L Electric kettle",
        "home_appliance",
        "佛山电器 Foshan Appliances",
        [],
        "159.00",
        [("STD", "1.7L", {})],
    ),
    (
        "DEMO-PHONE",
        "X1 智能手机 128GB Smartphone",
        "electronics",
        "深圳通讯 Shenzhen Mobile",
        [],
        "2999.00",
        [("128", "128GB", {"storage": "128GB"})],
    ),
    (
        "DEMO-PACK",
        "旅行双肩包 Travel backpack",
        "bags",
        "泉州箱包 Quanzhou Bags",
        [],
        "259.00",
        [("GRY", "灰 grey", {"colour": "grey"}), ("NVY", "藏青 navy", {"colour": "navy"})],
    ),
    (
        "DEMO-SUIT",
        "量身定制西装 Made-to-measure suit",
        "apparel",
        "宁波定制 Ningbo Tailors",
        [ProductFlag.CUSTOM_MADE],
        "1899.00",
        [("MTM", "定制 made to measure", {})],
    ),
    (
        "DEMO-LYCHEE",
        "新鲜妃子笑荔枝 2kg Fresh lychees",
        "fresh_food",
        "茂名果园 Maoming Orchards",
        [ProductFlag.PERISHABLE],
        "128.00",
        [("2KG", "2kg", {"weight": "2kg"})],
    ),
    (
        "DEMO-EBOOK",
        "《Python 编程》电子书 Python programming e-book",
        "digital",
        "图灵出版 Turing Press",
        [ProductFlag.DIGITAL],
        "49.00",
        [("EPUB", "EPUB", {"format": "epub"})],
    ),
    (
        "DEMO-BRUSH",
        "电动牙刷刷头4支装 Toothbrush heads, 4 pack",
        "personal_care",
        "上海日化 Shanghai Personal Care",
        [ProductFlag.HYGIENE],
        "89.00",
        [("4PK", "4支装 4 pack", {})],
    ),
)

# number suffix, customer, delivered days ago (None: not delivered), status, lines (variant sku, qty)
ORDERS = (
    ("0001", "c01", 3, OrderStatus.DELIVERED, [("DEMO-TEE-M", 3), ("DEMO-RUN-41", 2), ("DEMO-BUDS-WHT", 1)]),
    ("0002", "c02", 4, OrderStatus.DELIVERED, [("DEMO-TEE-S", 2), ("DEMO-KETTLE-STD", 2), ("DEMO-PACK-GRY", 1)]),
    ("0003", "c03", 5, OrderStatus.DELIVERED, [("DEMO-RUN-40", 2), ("DEMO-BUDS-BLK", 2), ("DEMO-BRUSH-4PK", 2)]),
    ("0004", "c04", 6, OrderStatus.DELIVERED, [("DEMO-PHONE-128", 1), ("DEMO-PACK-NVY", 2), ("DEMO-TEE-L", 2)]),
    ("0005", "c08", 2, OrderStatus.DELIVERED, [("DEMO-RUN-42", 2), ("DEMO-BUDS-WHT", 2), ("DEMO-TEE-M", 2)]),
    ("0006", "c09", 5, OrderStatus.DELIVERED, [("DEMO-KETTLE-STD", 2), ("DEMO-PACK-GRY", 2), ("DEMO-TEE-L", 2)]),
    ("0007", "c05", 12, OrderStatus.DELIVERED, [("DEMO-TEE-S", 3), ("DEMO-RUN-41", 2), ("DEMO-PHONE-128", 1)]),
    ("0008", "c06", 20, OrderStatus.DELIVERED, [("DEMO-BUDS-BLK", 2), ("DEMO-KETTLE-STD", 2), ("DEMO-TEE-M", 2)]),
    ("0009", "c07", 30, OrderStatus.DELIVERED, [("DEMO-LYCHEE-2KG", 2), ("DEMO-EBOOK-EPUB", 1)]),
    ("0010", "c10", 45, OrderStatus.DELIVERED, [("DEMO-RUN-40", 2), ("DEMO-PACK-NVY", 2), ("DEMO-KETTLE-STD", 1)]),
    ("0011", "c11", 60, OrderStatus.DELIVERED, [("DEMO-TEE-L", 3), ("DEMO-BUDS-WHT", 2)]),
    ("0012", "c12", 25, OrderStatus.DELIVERED, [("DEMO-SUIT-MTM", 1), ("DEMO-TEE-S", 2)]),
    ("0013", "c01", 90, OrderStatus.DELIVERED, [("DEMO-PHONE-128", 1), ("DEMO-KETTLE-STD", 1)]),
    ("0014", "c02", 400, OrderStatus.DELIVERED, [("DEMO-KETTLE-STD", 1), ("DEMO-BUDS-BLK", 1)]),
    ("0015", "c03", 1, OrderStatus.DELIVERED, [("DEMO-LYCHEE-2KG", 3), ("DEMO-TEE-M", 2)]),
    ("0016", "c04", 35, OrderStatus.DELIVERED, [("DEMO-SUIT-MTM", 1), ("DEMO-RUN-42", 2)]),
    ("0017", "c09", 15, OrderStatus.DELIVERED, [("DEMO-BUDS-BLK", 2), ("DEMO-PHONE-128", 1)]),
    ("0018", "c05", None, OrderStatus.SHIPPED, [("DEMO-TEE-M", 12), ("DEMO-BRUSH-4PK", 1)]),
    ("0019", "c10", 8, OrderStatus.DELIVERED, [("DEMO-EBOOK-EPUB", 1), ("DEMO-PACK-GRY", 1), ("DEMO-PHONE-128", 1)]),
    ("0020", "c06", None, OrderStatus.PLACED, [("DEMO-PHONE-128", 1)]),
)

ADDRESSES = {
    "zh-hans": "上海市浦东新区世纪大道100号 200120",
    "en": "10 Downing Lane, London SW1A 2AA, United Kingdom",
}

# --- the cases ------------------------------------------------------------------------------------

K, S, R, C = CaseKind, CaseStatus, ReasonCode, Channel


@dataclass(frozen=True)
class CaseSpec:
    """One demo case: what the customer asked, and the status it should end in."""

    kind: str
    target: str
    channel: str
    customer: str
    order: str | None = None
    line: int | None = None  # line_no in the order (goods kinds)
    reason: str = ReasonCode.OTHER
    after_days: float = 1.0  # opened this long after delivery (or before now without a delivery)
    photos: bool | None = None  # default: photos for damage, defects, wrong items
    opened: bool = False
    to_variant: str | None = None  # exchange: the variant the customer wants
    priority: str = Priority.NORMAL
    inspection_passed: bool = True
    topic: str = ""  # key into TEXTS for subject and description
    extra: dict[str, Any] = field(default_factory=dict)


CASES = (
    # return (退货退款): every status
    CaseSpec(K.RETURN, S.NEW, C.PORTAL, "c02", "0002", 2, R.DAMAGED, 1, photos=False, topic="kettle_dent"),
    CaseSpec(K.RETURN, S.APPROVED, C.EMAIL, "c08", "0005", 1, R.NO_REASON, 1, topic="changed_mind"),
    CaseSpec(K.RETURN, S.IN_TRANSIT, C.CHAT, "c01", "0001", 1, R.WRONG_SIZE, 1, topic="too_small"),
    CaseSpec(K.RETURN, S.RECEIVED, C.PHONE, "c04", "0004", 3, R.NO_REASON, 2, topic="changed_mind"),
    CaseSpec(K.RETURN, S.INSPECTED, C.SOCIAL, "c09", "0006", 2, R.NO_REASON, 1, topic="changed_mind"),
    CaseSpec(K.RETURN, S.RESOLVED, C.API, "c03", "0003", 1, R.DEFECTIVE, 2, topic="sole_peeling"),
    CaseSpec(K.RETURN, S.CLOSED, C.PORTAL, "c10", "0010", 1, R.NO_REASON, 3, topic="changed_mind"),
    CaseSpec(K.RETURN, S.REJECTED, C.EMAIL, "c12", "0012", 1, R.NO_REASON, 4, topic="suit_changed_mind"),
    CaseSpec(K.RETURN, S.CANCELLED, C.CHAT, "c06", "0008", 3, R.NO_REASON, 2, topic="changed_mind"),
    CaseSpec(K.RETURN, S.IN_PROGRESS, C.PHONE, "c11", "0011", 1, R.NOT_AS_DESCRIBED, 3, topic="colour_off"),
    CaseSpec(K.RETURN, S.AWAITING_CUSTOMER, C.SOCIAL, "c05", "0007", 2, R.DEFECTIVE, 2, topic="sole_peeling"),
    # exchange (换货)
    CaseSpec(K.EXCHANGE, S.NEW, C.PORTAL, "c03", "0003", 2, R.DAMAGED, 1, photos=False, topic="buds_cracked"),
    CaseSpec(
        K.EXCHANGE, S.APPROVED, C.CHAT, "c03", "0015", 2, R.WRONG_SIZE, 0.5, to_variant="DEMO-TEE-L", topic="too_small"
    ),
    CaseSpec(
        K.EXCHANGE, S.IN_TRANSIT, C.EMAIL, "c08", "0005", 3, R.WRONG_SIZE, 1, to_variant="DEMO-TEE-L", topic="too_small"
    ),
    CaseSpec(
        K.EXCHANGE, S.RECEIVED, C.PHONE, "c01", "0001", 2, R.WRONG_SIZE, 1, to_variant="DEMO-RUN-42", topic="too_small"
    ),
    CaseSpec(
        K.EXCHANGE,
        S.INSPECTED,
        C.SOCIAL,
        "c04",
        "0004",
        2,
        R.NO_REASON,
        2,
        to_variant="DEMO-PACK-GRY",
        topic="other_colour",
    ),
    CaseSpec(K.EXCHANGE, S.RESOLVED, C.API, "c06", "0008", 1, R.DEFECTIVE, 5, topic="buds_one_side"),
    CaseSpec(
        K.EXCHANGE, S.CLOSED, C.PORTAL, "c11", "0011", 2, R.DEFECTIVE, 4, inspection_passed=False, topic="buds_one_side"
    ),
    CaseSpec(
        K.EXCHANGE, S.REJECTED, C.EMAIL, "c04", "0016", 2, R.WRONG_SIZE, 12, to_variant="DEMO-RUN-41", topic="too_big"
    ),
    CaseSpec(
        K.EXCHANGE, S.CANCELLED, C.CHAT, "c09", "0006", 3, R.WRONG_SIZE, 1, to_variant="DEMO-TEE-M", topic="too_big"
    ),
    CaseSpec(
        K.EXCHANGE,
        S.IN_PROGRESS,
        C.PHONE,
        "c10",
        "0010",
        2,
        R.NO_REASON,
        2,
        to_variant="DEMO-PACK-GRY",
        topic="other_colour",
    ),
    CaseSpec(K.EXCHANGE, S.AWAITING_CUSTOMER, C.SOCIAL, "c01", "0013", 2, R.DEFECTIVE, 3, topic="kettle_no_heat"),
    # repair (维修)
    CaseSpec(K.REPAIR, S.NEW, C.PORTAL, "c09", "0017", 2, R.DEFECTIVE, 3, photos=False, topic="phone_screen"),
    CaseSpec(K.REPAIR, S.APPROVED, C.EMAIL, "c04", "0004", 1, R.DEFECTIVE, 3, topic="phone_battery"),
    CaseSpec(K.REPAIR, S.IN_TRANSIT, C.CHAT, "c01", "0001", 3, R.DEFECTIVE, 2, topic="buds_one_side"),
    CaseSpec(K.REPAIR, S.RECEIVED, C.PHONE, "c09", "0006", 1, R.DEFECTIVE, 2, topic="kettle_no_heat"),
    CaseSpec(K.REPAIR, S.INSPECTED, C.SOCIAL, "c01", "0013", 1, R.DEFECTIVE, 60, topic="phone_battery"),
    CaseSpec(K.REPAIR, S.RESOLVED, C.API, "c06", "0008", 2, R.DEFECTIVE, 10, topic="kettle_no_heat"),
    CaseSpec(K.REPAIR, S.CLOSED, C.PORTAL, "c10", "0010", 3, R.DEFECTIVE, 20, topic="kettle_no_heat"),
    CaseSpec(K.REPAIR, S.REJECTED, C.EMAIL, "c02", "0014", 1, R.DEFECTIVE, 380, topic="kettle_no_heat"),
    CaseSpec(K.REPAIR, S.CANCELLED, C.CHAT, "c05", "0007", 3, R.DEFECTIVE, 3, topic="phone_screen"),
    CaseSpec(K.REPAIR, S.IN_PROGRESS, C.PHONE, "c09", "0017", 1, R.DEFECTIVE, 2, topic="buds_one_side"),
    CaseSpec(K.REPAIR, S.AWAITING_CUSTOMER, C.SOCIAL, "c03", "0003", 2, R.DEFECTIVE, 2, topic="buds_one_side"),
    # refund only (仅退款)
    CaseSpec(K.REFUND_ONLY, S.NEW, C.PORTAL, "c10", "0019", 3, R.MISSING_ITEM, 1, topic="phone_missing"),
    CaseSpec(K.REFUND_ONLY, S.APPROVED, C.EMAIL, "c03", "0015", 1, R.DAMAGED, 0.3, topic="lychee_spoiled"),
    CaseSpec(K.REFUND_ONLY, S.RESOLVED, C.CHAT, "c02", "0002", 3, R.MISSING_ITEM, 1, topic="strap_missing"),
    CaseSpec(K.REFUND_ONLY, S.CLOSED, C.PHONE, "c07", "0009", 1, R.DAMAGED, 0.5, topic="lychee_spoiled"),
    CaseSpec(K.REFUND_ONLY, S.REJECTED, C.SOCIAL, "c11", "0011", 1, R.MISSING_ITEM, 20, topic="tee_missing"),
    CaseSpec(K.REFUND_ONLY, S.CANCELLED, C.API, "c09", "0006", 1, R.MISSING_ITEM, 1, topic="kettle_lid_missing"),
    CaseSpec(K.REFUND_ONLY, S.IN_PROGRESS, C.PORTAL, "c12", "0012", 2, R.MISSING_ITEM, 2, topic="tee_missing"),
    CaseSpec(K.REFUND_ONLY, S.AWAITING_CUSTOMER, C.EMAIL, "c06", "0008", 1, R.DAMAGED, 3, topic="buds_cracked"),
    # complaint (投诉)
    CaseSpec(K.COMPLAINT, S.NEW, C.SOCIAL, "c12", "0012", reason=R.LATE_DELIVERY, priority=Priority.HIGH, topic="late"),
    CaseSpec(
        K.COMPLAINT, S.IN_PROGRESS, C.PHONE, "c02", "0002", reason=R.SERVICE, priority=Priority.URGENT, topic="courier"
    ),
    CaseSpec(K.COMPLAINT, S.AWAITING_CUSTOMER, C.EMAIL, "c05", "0007", reason=R.SERVICE, topic="no_callback"),
    CaseSpec(K.COMPLAINT, S.RESOLVED, C.CHAT, "c09", "0017", reason=R.LATE_DELIVERY, after_days=1, topic="late"),
    CaseSpec(K.COMPLAINT, S.CLOSED, C.PORTAL, "c07", "0009", reason=R.SERVICE, after_days=2, topic="courier"),
    CaseSpec(K.COMPLAINT, S.REJECTED, C.API, "c11", "0011", reason=R.OTHER, after_days=5, topic="duplicate"),
    CaseSpec(K.COMPLAINT, S.CANCELLED, C.SOCIAL, "c04", "0004", reason=R.SERVICE, topic="no_callback"),
    # inquiry (咨询)
    CaseSpec(K.INQUIRY, S.NEW, C.CHAT, "c06", "0020", reason=R.OTHER, after_days=0.2, topic="when_ship"),
    CaseSpec(K.INQUIRY, S.IN_PROGRESS, C.EMAIL, "c08", None, reason=R.OTHER, after_days=1, topic="warranty_question"),
    CaseSpec(K.INQUIRY, S.AWAITING_CUSTOMER, C.PORTAL, "c03", "0015", reason=R.OTHER, topic="invoice"),
    CaseSpec(K.INQUIRY, S.RESOLVED, C.API, "c10", "0019", reason=R.OTHER, topic="ebook_download"),
    CaseSpec(K.INQUIRY, S.CLOSED, C.PHONE, "c01", None, reason=R.OTHER, after_days=9, topic="warranty_question"),
    CaseSpec(K.INQUIRY, S.REJECTED, C.SOCIAL, "c12", None, reason=R.OTHER, after_days=4, topic="spam"),
    CaseSpec(K.INQUIRY, S.CANCELLED, C.CHAT, "c05", "0018", reason=R.OTHER, after_days=1, topic="when_arrive"),
    # the statutory exclusions and the VIP window at work
    CaseSpec(K.RETURN, S.REJECTED, C.PORTAL, "c07", "0009", 1, R.NO_REASON, 1, topic="lychee_changed_mind"),
    CaseSpec(K.RETURN, S.REJECTED, C.EMAIL, "c10", "0019", 1, R.NO_REASON, 2, opened=True, topic="ebook_opened"),
    CaseSpec(K.RETURN, S.REJECTED, C.CHAT, "c03", "0003", 3, R.NO_REASON, 1, opened=True, topic="brush_opened"),
    CaseSpec(K.RETURN, S.CLOSED, C.PHONE, "c05", "0007", 1, R.NO_REASON, 10, topic="vip_late_return"),
    CaseSpec(K.RETURN, S.REJECTED, C.SOCIAL, "c06", "0008", 3, R.NO_REASON, 9, topic="late_return"),
)

# topic -> (zh subject, zh text, en subject, en text)
TEXTS = {
    "kettle_dent": (
        "水壶外壳有凹痕",
        "收到的水壶侧面有明显凹痕，包装箱也破了。",
        "Kettle arrived dented",
        "The kettle has a dent on the side and the box was torn.",
    ),
    "changed_mind": (
        "七天无理由退货",
        "不想要了，商品未使用，吊牌完好。",
        "No-reason return",
        "Changed my mind; unused, tags on.",
    ),
    "too_small": ("尺码偏小", "平时穿M，这件偏小，想换大一号。", "Too small", "I usually wear M but this runs small."),
    "too_big": ("尺码偏大", "鞋子偏大一码，走路掉跟。", "Too big", "The shoes are half a size too big."),
    "other_colour": ("想换颜色", "实物颜色和想象的不一样，想换灰色。", "Other colour", "I would prefer the grey one."),
    "sole_peeling": (
        "鞋底开胶",
        "穿了两天鞋底就开胶了，已拍照。",
        "Sole coming off",
        "The sole started peeling after two days; photos attached.",
    ),
    "suit_changed_mind": (
        "定制西装想退",
        "西装不太合适，想退货。",
        "Return a made-to-measure suit",
        "The suit is not what I expected; I would like to return it.",
    ),
    "colour_off": (
        "颜色与描述不符",
        "图片是藏青色，收到的是黑色。",
        "Colour not as described",
        "The listing shows navy, I received black.",
    ),
    "buds_cracked": (
        "耳机盒破裂",
        "耳机充电盒收到时就裂了。",
        "Earbuds case cracked",
        "The charging case arrived cracked.",
    ),
    "buds_one_side": (
        "耳机一边没声音",
        "左耳耳机没有声音，已重置过。",
        "One earbud silent",
        "The left earbud plays no sound, even after a reset.",
    ),
    "kettle_no_heat": (
        "水壶不加热",
        "插电后指示灯亮但不加热。",
        "Kettle does not heat",
        "The light is on but it never heats.",
    ),
    "phone_screen": (
        "屏幕闪烁",
        "手机屏幕偶尔闪烁，有条纹。",
        "Screen flickers",
        "The screen flickers and shows lines.",
    ),
    "phone_battery": ("电池续航短", "充满电只能用三小时。", "Battery drains fast", "A full charge lasts three hours."),
    "phone_missing": (
        "包裹里没有手机",
        "外箱完好但里面没有手机。",
        "Phone missing from parcel",
        "The box was sealed but the phone was not inside.",
    ),
    "lychee_spoiled": (
        "荔枝坏了",
        "到货时荔枝已经发黑变质。",
        "Lychees spoiled",
        "The lychees were black and spoiled on arrival.",
    ),
    "strap_missing": (
        "缺少肩带",
        "背包少了一条肩带。",
        "Strap missing",
        "One shoulder strap of the backpack is missing.",
    ),
    "tee_missing": (
        "少发一件",
        "订单两件T恤只收到一件。",
        "One T-shirt missing",
        "I ordered two T-shirts and got one.",
    ),
    "kettle_lid_missing": (
        "缺少滤网",
        "水壶滤网缺失。",
        "Kettle filter missing",
        "The limescale filter of the kettle is missing.",
    ),
    "late": (
        "快递太慢",
        "承诺三天到，结果一周才到。",
        "Late delivery",
        "Promised in three days, it took a week.",
    ),
    "courier": (
        "快递员态度差",
        "快递员没打电话就把包裹放在门口。",
        "Courier left parcel outside",
        "The courier left the parcel at the door without calling.",
    ),
    "no_callback": (
        "客服没回电",
        "说好回电，两天都没有消息。",
        "No call back",
        "I was promised a call back two days ago.",
    ),
    "duplicate": (
        "重复投诉",
        "同一问题已经提交过。",
        "Duplicate complaint",
        "Same problem as my earlier complaint.",
    ),
    "when_ship": (
        "什么时候发货",
        "下单一天了还没发货，请问什么时候发？",
        "When will it ship?",
        "Ordered yesterday, when will it ship?",
    ),
    "when_arrive": ("什么时候到", "物流一直没更新。", "When will it arrive?", "Tracking has not moved."),
    "warranty_question": (
        "保修政策咨询",
        "手机保修多久？需要发票吗？",
        "Warranty question",
        "How long is the phone warranty, and do I need the invoice?",
    ),
    "invoice": ("开发票", "请帮忙开具增值税普通发票。", "Invoice", "Could you send me a VAT invoice?"),
    "ebook_download": (
        "电子书下载链接失效",
        "下载链接打不开。",
        "E-book link broken",
        "The download link does not open.",
    ),
    "spam": ("推广信息", "低价代购，加微信。", "Promotion", "Cheap followers, click here."),
    "lychee_changed_mind": ("荔枝不想要了", "买多了，想退一盒。", "Too many lychees", "I bought too many."),
    "ebook_opened": (
        "电子书想退",
        "已经下载阅读了一部分，不想要了。",
        "Return an e-book",
        "I read a bit and do not want it.",
    ),
    "brush_opened": ("刷头不想要了", "拆开用了一支，不喜欢。", "Brush heads", "Opened and tried one, not for me."),
    "vip_late_return": (
        "VIP 退货",
        "到货第十天，想退货。",
        "VIP return",
        "Day ten after delivery, I want to return it.",
    ),
    "late_return": (
        "超期退货",
        "收货九天了，想退货。",
        "Late return",
        "Nine days after delivery, I want to return it.",
    ),
}

# Notes an agent writes on each step, in the customer's language.
STEP_NOTES = {
    "approve": ("已审核通过，请按退货说明寄回。", "Approved: please send it back as described in the instructions."),
    "reject": ("很抱歉，此申请不符合售后政策。", "Sorry, this request is outside our after-sales policy."),
    "cancel": ("客户撤回了申请。", "The customer withdrew the request."),
    "start": ("已受理，正在核实。", "We are looking into it."),
    "wait_for_customer": ("请补充订单截图和照片。", "Please send a screenshot of the order and photos."),
    "resume": ("客户已补充资料。", "The customer sent the details."),
    "ship_return": ("客户已寄回。", "The customer shipped it back."),
    "receive": ("仓库已签收。", "Received at the warehouse."),
    "inspect": ("质检完成。", "Inspection done."),
    "resolve": ("已处理完毕，感谢您的耐心。", "Done. Thank you for your patience."),
    "reopen": ("客户反馈问题仍未解决，重新处理。", "The customer says the problem is back; reopened."),
    "close": ("结案。", "Closed."),
}

REJECT_REASONS = {
    CaseKind.COMPLAINT: ("与之前的投诉重复，已合并处理。", "Duplicate of an earlier complaint; handled there."),
    CaseKind.INQUIRY: ("垃圾信息，不予处理。", "Spam; not handled."),
}
DEFAULT_REJECT_REASON = (
    "经核实不符合售后政策，如有疑问请联系客服。",
    "Outside the after-sales policy after review; contact us with any question.",
)

RESOLUTIONS = {
    CaseKind.RETURN: ResolutionType.RETURN_AND_REFUND,
    CaseKind.EXCHANGE: ResolutionType.EXCHANGE,
    CaseKind.REPAIR: ResolutionType.REPAIR,
    CaseKind.REFUND_ONLY: ResolutionType.REFUND,
    CaseKind.COMPLAINT: ResolutionType.GOODWILL_COUPON,
    CaseKind.INQUIRY: ResolutionType.ANSWERED,
}

CARRIERS = ("SF", "ZTO", "YTO", "JD", "EMS")


# --- the state machine as a graph -----------------------------------------------------------------


def _transitions() -> list:
    return list(Case._meta.get_field("status").get_all_transitions(Case))


def _allowed_for_kind(kind: str) -> list:
    """The transitions whose conditions a case of this kind can meet (reopen: soon after resolving)."""
    probe = Case(kind=kind, resolved_at=clock.now())
    return [t for t in _transitions() if all(condition(probe) for condition in t.conditions)]


def reachable_statuses(kind: str) -> set[str]:
    """Every status a case of ``kind`` can reach from ``new`` (new included)."""
    allowed = _allowed_for_kind(kind)
    seen = {CaseStatus.NEW.value}
    queue = deque(seen)
    while queue:
        status = queue.popleft()
        for t in allowed:
            if t.source == status and t.target not in seen:
                seen.add(t.target)
                queue.append(t.target)
    return seen


def path_to(*, kind: str, source: str, target: str) -> list[str] | None:
    """The shortest list of transition names from ``source`` to ``target``; None if unreachable."""
    allowed = _allowed_for_kind(kind)
    previous: dict[str, tuple[str, str] | None] = {source: None}
    queue = deque([source])
    while queue:
        status = queue.popleft()
        if status == target:
            steps = []
            while previous[status] is not None:
                status, name = previous[status]
                steps.append(name)
            return steps[::-1]
        for t in allowed:
            if t.source == status and t.target not in previous:
                previous[t.target] = (status, t.name)
                queue.append(t.target)
    return None


# --- the clock ------------------------------------------------------------------------------------


@contextmanager
def services_clock_at(moment: datetime) -> Iterator[None]:
    """Let the services read ``moment`` as the current time (``core.clock`` is their one clock)."""
    real_now = clock.now
    clock.now = lambda: moment
    try:
        yield
    finally:
        clock.now = real_now


# --- users ----------------------------------------------------------------------------------------


@dataclass
class DemoUser:
    username: str
    password: str
    created: bool
    password_set: bool


def demo_password(username: str) -> str:
    """DEMO_PASSWORD for every demo user when set, else a per-user default (demo-agent-2026)."""
    return os.environ.get("DEMO_PASSWORD") or f"demo-{username}-2026"


def ensure_users(*, reset_passwords: bool = False) -> list[DemoUser]:
    """agent and manager (staff, in their groups) and admin (superuser); passwords only set on creation."""
    groups = ensure_roles()
    names = {
        AGENT: ("Li", "Na (agent 客服)"),
        MANAGER: ("Wang", "Qiang (manager 主管)"),
        ADMIN: ("Admin", ""),
    }
    result = []
    user_model = get_user_model()
    for username in DEMO_USERS:
        user, created = user_model.objects.get_or_create(
            username=username,
            defaults={
                "email": f"{username}@example.com",
                "first_name": names[username][0],
                "last_name": names[username][1],
                "is_staff": True,
                "is_superuser": username == ADMIN,
            },
        )
        password = demo_password(username)
        if created or reset_passwords:
            user.set_password(password)
            user.save()
        user.groups.add(groups[username])
        result.append(DemoUser(username, password, created, created or reset_passwords))
    return result


# --- the data -------------------------------------------------------------------------------------


@dataclass
class SeedReport:
    created: bool
    users: list[DemoUser]
    counts: dict[str, int] = field(default_factory=dict)
    stand_ins: list[str] = field(default_factory=list)
    missed: list[tuple[str, str]] = field(default_factory=list)


def demo_data_present() -> bool:
    return Customer.objects.filter(external_id=MARKER_CUSTOMER).exists()


def seed(*, progress: Progress = lambda message: None, reset_passwords: bool = False) -> SeedReport:
    """Create the demo users and, unless already there, the demo data (all of it or nothing)."""
    progress(_("Roles and demo users"))
    users = ensure_users(reset_passwords=reset_passwords)
    if demo_data_present():
        progress(_("Demo data is already there: nothing to add."))
        return SeedReport(created=False, users=users)
    report = SeedReport(created=True, users=users)
    with transaction.atomic():
        _Seeder(report=report, progress=progress).run()
    return report


class _Seeder:
    def __init__(self, *, report: SeedReport, progress: Progress):
        self.report = report
        self.progress = progress
        self.now = timezone.now().replace(microsecond=0)
        user_model = get_user_model()
        self.agent = user_model.objects.get(username=AGENT)
        self.manager = user_model.objects.get(username=MANAGER)
        self.teams: dict[str, Team] = {}
        self.customers: dict[str, Customer] = {}
        self.variants: dict[str, ProductVariant] = {}
        self.prices: dict[str, Decimal] = {}
        self.orders: dict[str, Order] = {}
        self.counter = 0

    def run(self) -> None:
        self.progress(_("Teams"))
        self.make_teams()
        self.progress(_("Customers (Chinese and English)"))
        self.make_customers()
        self.progress(_("Products and variants"))
        self.make_products()
        self.progress(_("Orders and order lines"))
        self.make_orders()
        self.progress(_("Cases through the return policy and the state machine"))
        for spec in CASES:
            self.make_case(spec)
        self.report.counts = {
            "teams": len(self.teams),
            "customers": len(self.customers),
            "products": len({v.product_id for v in self.variants.values()}),
            "orders": len(self.orders),
            "cases": Case.objects.filter(customer__in=self.customers.values()).count(),
        }

    # -- catalogue

    def make_teams(self) -> None:
        for code, name in TEAMS:
            team, _created = Team.objects.get_or_create(code=code, defaults={"name": name, "lead": self.manager})
            team.members.add(self.agent, self.manager)
            self.teams[code] = team

    def make_customers(self) -> None:
        for key, name, email, phone, tier, language in CUSTOMERS:
            self.customers[key] = Customer.objects.create(
                external_id=f"demo-{key}",
                name=name,
                email=email,
                phone=phones.e164(phone),
                tier=tier,
                language=language,
            )

    def make_products(self) -> None:
        for sku, name, category, supplier, flags, price, variants in PRODUCTS:
            product = Product.objects.create(
                sku=sku,
                name=name,
                category=category,
                supplier=supplier,
                flags=[str(flag) for flag in flags],
                returnable=not flags,
            )
            self.prices[sku] = Decimal(price)
            for suffix, variant_name, attributes in variants:
                variant = ProductVariant.objects.create(
                    product=product, sku=f"{sku}-{suffix}", name=variant_name, attributes=attributes
                )
                self.variants[variant.sku] = variant

    def make_orders(self) -> None:
        for suffix, customer_key, delivered_days_ago, status, lines in ORDERS:
            customer = self.customers[customer_key]
            if delivered_days_ago is None:
                placed_at = self.now - timedelta(days=2 if status == OrderStatus.SHIPPED else 1, hours=3)
                delivered_at = None
            else:
                delivered_at = self.now - timedelta(days=delivered_days_ago, hours=5)
                placed_at = delivered_at - timedelta(days=2, hours=7)
            order = Order.objects.create(
                number=f"DEMO-2026-{suffix}",
                customer=customer,
                status=status,
                placed_at=placed_at,
                delivered_at=delivered_at,
                currency="CNY",
                shipping_address=ADDRESSES[customer.language],
            )
            total = Decimal("0.00")
            for line_no, (variant_sku, quantity) in enumerate(lines, start=1):
                variant = self.variants[variant_sku]
                product = variant.product
                unit_price = self.prices[product.sku]
                paid = unit_price * quantity
                OrderLine.objects.create(
                    order=order,
                    line_no=line_no,
                    product=product,
                    variant=variant,
                    sku=variant.sku,
                    name=f"{product.name} ({variant.name})",
                    quantity=quantity,
                    unit_price=unit_price,
                    paid_amount=paid,
                )
                total += paid
            order.paid_amount = total
            order.save(update_fields=["paid_amount", "updated_at"])
            self.orders[suffix] = order

    # -- cases

    def text(self, customer: Customer, pair: tuple[str, str]) -> str:
        return pair[0] if customer.language.startswith("zh") else pair[1]

    def opened_at(self, spec: CaseSpec, order: Order | None) -> datetime:
        if order is not None and order.delivered_at is not None:
            moment = order.delivered_at + timedelta(days=spec.after_days, hours=2)
        else:
            base = order.placed_at if order is not None else self.now - timedelta(days=spec.after_days + 1)
            moment = base + timedelta(days=spec.after_days)
        return min(moment, self.now - timedelta(hours=2))

    def make_case(self, spec: CaseSpec) -> None:
        customer = self.customers[spec.customer]
        order = self.orders[spec.order] if spec.order else None
        at = self.opened_at(spec, order)
        case = self.open_case(spec=spec, customer=customer, order=order, at=at)
        steps = path_to(kind=spec.kind, source=case.status, target=spec.target)
        if steps is None:
            # The installed policy decided otherwise; a stand-in on the undelivered order goes to review.
            self.report.stand_ins.append(f"{case.number} ({case.status}) -> {spec.kind}/{spec.target}")
            fallback = self.orders[FALLBACK_ORDER.rsplit("-", 1)[1]]
            case = self.open_case(
                spec=spec, customer=fallback.customer, order=fallback, at=at, fallback_line=1, reason=ReasonCode.OTHER
            )
            steps = path_to(kind=spec.kind, source=case.status, target=spec.target)
            if steps is None:
                self.report.missed.append((spec.kind, spec.target))
                return
        self.drive(case=case, spec=spec, steps=steps, start=at)

    def open_case(
        self,
        *,
        spec: CaseSpec,
        customer: Customer,
        order: Order | None,
        at: datetime,
        fallback_line: int | None = None,
        reason: str | None = None,
    ) -> Case:
        lines = []
        if spec.kind in GOODS_KINDS:
            order_line = order.lines.get(line_no=fallback_line or spec.line)
            wanted = self.variants[spec.to_variant] if spec.to_variant and not fallback_line else None
            lines.append(
                services.LineRequest(order_line=order_line, quantity=1, opened=spec.opened, requested_variant=wanted)
            )
        reason = reason or spec.reason
        photos = spec.photos
        if photos is None:
            photos = reason in (ReasonCode.DAMAGED, ReasonCode.DEFECTIVE, ReasonCode.WRONG_ITEM)
        zh_subject, zh_text, en_subject, en_text = TEXTS[spec.topic]
        zh = customer.language.startswith("zh")
        team = self.teams["cn-aftersales-1" if zh else "returns-en"]
        if zh and spec.kind in (CaseKind.REPAIR, CaseKind.COMPLAINT):
            team = self.teams["cn-aftersales-2"]
        # Phone and chat cases are logged by the agent; the other channels come from the customer.
        by_agent = spec.channel in (Channel.PHONE, Channel.CHAT)
        with services_clock_at(at), translation.override(customer.language):
            return services.create_case(
                customer=customer,
                kind=spec.kind,
                channel=spec.channel,
                actor=self.agent if by_agent else None,
                actor_label=None if by_agent else "customer",
                order=order,
                lines=lines,
                reason_code=reason,
                reason_text=zh_text if zh else en_text,
                subject=zh_subject if zh else en_subject,
                priority=spec.priority,
                has_photos=photos,
                team=team,
                assignee=self.agent if spec.target != CaseStatus.NEW else None,
            )

    def drive(self, *, case: Case, spec: CaseSpec, steps: list[str], start: datetime) -> None:
        if not steps:
            return
        gap = min((self.now - start) / (len(steps) + 1), timedelta(days=3))
        at = start
        for name in steps:
            at += gap
            self.counter += 1
            params = self.step_params(case=case, spec=spec, name=name)
            actor = self.manager if name == "reopen" else self.agent
            with services_clock_at(at), translation.override(case.customer.language):
                try:
                    services.transition_case(
                        case=case,
                        name=name,
                        actor=actor,
                        note=self.text(case.customer, STEP_NOTES[name]),
                        channel=spec.channel,
                        **params,
                    )
                except NeedsApproval:
                    # Above the agent's limit: the agent asks and the manager grants it (issue 16).
                    request = approvals.request_approval(case=case, actor=actor, **params)
                    approvals.decide_approval(request=request, actor=self.manager, approve=True)
                    case.refresh_from_db()

    def step_params(self, *, case: Case, spec: CaseSpec, name: str) -> dict[str, Any]:
        customer = case.customer
        if name == "reject":
            return {"reason": self.text(customer, REJECT_REASONS.get(spec.kind, DEFAULT_REJECT_REASON))}
        if name == "ship_return":
            carrier = CARRIERS[self.counter % len(CARRIERS)]
            return {"carrier": carrier, "tracking_number": f"{carrier}{7310000000 + case.pk * 97:010d}"}
        if name == "inspect":
            if spec.inspection_passed:
                return {"passed": True, "grade": "A", "inspection_note": self.text(customer, ("完好", "As new"))}
            return {
                "passed": False,
                "grade": "C",
                "inspection_note": self.text(customer, ("有使用痕迹，配件不全", "Signs of use, parts missing")),
            }
        if name == "resolve":
            resolution = RESOLUTIONS[spec.kind]
            if not spec.inspection_passed:
                resolution = ResolutionType.PARTIAL_REFUND
            amount = None
            if resolution in REFUNDING_RESOLUTIONS:
                amount = self.claim_value(case)
                if resolution == ResolutionType.PARTIAL_REFUND:
                    amount = (amount / 2).quantize(Decimal("0.01"))
                amount = min(amount, refunds.may_refund_up_to(case=case))
                if amount <= 0:
                    resolution, amount = ResolutionType.GOODWILL_COUPON, None
            params: dict[str, Any] = {
                "resolution_type": resolution,
                "resolution_note": self.text(customer, STEP_NOTES["resolve"]),
            }
            if amount is not None:
                params["refund_amount"] = amount
            return params
        return {}

    def claim_value(self, case: Case) -> Decimal:
        total = Decimal("0.00")
        for line in case.lines.select_related("order_line"):
            order_line = line.order_line
            total += order_line.paid_amount * line.quantity / order_line.quantity
        return total.quantize(Decimal("0.01"))


def login_hints(base_url: str) -> list[str]:
    """The lines ``seed_demo`` ends with: where to go and how to log in."""
    return [
        _("Open %(url)s") % {"url": base_url},
        _("Admin: %(url)sadmin/   API docs: %(url)sapi/v1/docs/   Health: %(url)shealthz") % {"url": base_url},
    ]


def base_url() -> str:
    host = os.environ.get("HOST") or "127.0.0.1"
    port = os.environ.get("PORT") or "8000"
    return f"http://{host}:{port}/"


def settings_allow_default_passwords() -> bool:
    """Published default passwords are fine for a local look (DEBUG), not for a real site."""
    return settings.DEBUG or bool(os.environ.get("DEMO_PASSWORD"))
