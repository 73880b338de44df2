"""The shares and sizes of the synthetic history: how many orders and customers per case, the mix of
kinds, channels, priorities and reasons, who works which kind, how often a case is rejected or
reopened, how soon it is answered. Weighted draws: ``pick(rng.random, cumulative({...}))``."""

from __future__ import annotations

from bisect import bisect_right

from devdata.bench.timing import DAY, HOUR

MONTHS = 18
ORDERS_PER_CASE = 1.3
CASES_PER_CUSTOMER = 3
ORDER_LEAD_DAYS = 30  # orders start a month before the first case, so the first cases have orders to refer to


def cumulative(weights: dict) -> tuple[tuple, list[float]]:
    total, acc, cum = sum(weights.values()), 0.0, []
    for w in weights.values():
        acc += w / total
        cum.append(acc)
    cum[-1] = 1.0 + 1e-9
    return tuple(weights), cum


def pick(rng_random, mix: tuple[tuple, list[float]]):
    values, cum = mix
    return values[bisect_right(cum, rng_random())]


KINDS = cumulative({"return": 40, "exchange": 15, "repair": 8, "refund_only": 12, "complaint": 10, "inquiry": 15})
CHANNELS = cumulative({"portal": 40, "email": 20, "chat": 20, "phone": 10, "social": 7, "api": 3})
PRIORITIES = cumulative({"low": 8, "normal": 78, "high": 11, "urgent": 3})
COMPLAINT_PRIORITIES = cumulative({"low": 2, "normal": 58, "high": 28, "urgent": 12})
REASONS = {
    "return": cumulative(
        {"no_reason": 35, "wrong_size": 25, "not_as_described": 15, "defective": 12, "damaged": 8, "wrong_item": 5}
    ),
    "exchange": cumulative({"wrong_size": 55, "defective": 20, "wrong_item": 10, "damaged": 10, "not_as_described": 5}),
    "repair": cumulative({"defective": 85, "damaged": 15}),
    "refund_only": cumulative({"missing_item": 50, "damaged": 20, "not_as_described": 15, "late_delivery": 15}),
    "complaint": cumulative({"service": 35, "late_delivery": 30, "defective": 15, "other": 20}),
    "inquiry": cumulative({"other": 80, "late_delivery": 20}),
}
# A complaint's category (the platform's procedure) by its reason; logistics and product quality come
# first (about 35 % and 30 %), then after-sales service (23 %), payment (7 %) and account (5 %).
COMPLAINT_CATEGORIES = {
    "late_delivery": cumulative({"logistics": 100}),
    "defective": cumulative({"product_quality": 100}),
    # A complaint about the service often began with a faulty product or a parcel.
    "service": cumulative({"after_sales_service": 65, "product_quality": 25, "logistics": 10}),
    "other": cumulative({"payment": 35, "product_quality": 30, "account": 25, "logistics": 10}),
}
# A complaint's severity: urgent when its priority is, and a fifth of the high ones (about 18 % in all).
URGENT_SHARE_OF_HIGH = 0.2
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
AUTO_CLOSE = 7 * DAY
SURVEY_VALID = 14 * DAY
