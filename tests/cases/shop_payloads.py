"""What the shop sends us: the body of its order push, PUT /api/v1/orders/<number>/ (the order
API's tests and the SLA test of a pushed tier change share it)."""

from __future__ import annotations


def order_payload(**changes) -> dict:
    payload = {
        "customer": {
            "external_id": "C-1001",
            "name": "王小明",
            "email": "xiaoming@example.com",
            "phone": "+8613800000001",
            "language": "zh-hans",
            "tier": "vip",
        },
        "status": "delivered",
        "placed_at": "2026-03-01T10:00:00+08:00",
        "delivered_at": "2026-03-03T15:30:00+08:00",
        "currency": "CNY",
        "shipping_address": "上海市徐汇区 1 号",
        "lines": [
            {
                "line_no": 1,
                "sku": "TS-BLK-M",
                "name": "T-shirt black M",
                "quantity": 2,
                "unit_price": "99.00",
                "paid_amount": "180.00",
                "product": {"category": "apparel", "flags": [], "returnable": True},
            },
            {
                "line_no": 2,
                "sku": "SOCK-5",
                "name": "Socks, 5 pairs",
                "quantity": 1,
                "unit_price": "49.00",
                "paid_amount": "49.00",
                "product": {"category": "underwear", "flags": ["hygiene"]},
            },
        ],
    }
    payload.update(changes)
    return payload
