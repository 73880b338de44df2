"""The demo's catalogue: teams, customers in Chinese and English, products with their variants,
and orders delivered days or months ago (data only; ``devdata.demo.seeder`` writes it)."""

from __future__ import annotations

from typing import Any

from cases.models import CustomerTier, OrderStatus, ProductFlag

MARKER_CUSTOMER = "demo-c01"  # its presence means the demo data is there
FALLBACK_ORDER = "DEMO-2026-0018"  # shipped, not delivered: the policy sends any claim on it to review

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
PRODUCTS: tuple[tuple[Any, ...], ...] = (
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
