"""The synthetic orders: 1.3 per case over the whole period (from a month before the first case), with
the shopping festivals' peaks and discounts, loaded with COPY. Only an index of them stays in memory
(a few arrays), from which each goods case claims an order of its own."""

from __future__ import annotations

import math
from array import array
from bisect import bisect_right
from datetime import timedelta

from django.utils.translation import gettext as _

from cases.models import CaseKind, Order, OrderLine
from devdata.bench.catalogue import REPAIRABLE, Catalogue
from devdata.bench.context import BATCH_ROWS, Context
from devdata.bench.customers import Customers
from devdata.bench.loading import CopyWriter
from devdata.bench.mixes import ORDER_LEAD_DAYS, pick
from devdata.bench.tables import COLUMNS, NULL
from devdata.bench.texts import CITIES
from devdata.bench.timing import DAY, HOUR, ORDER_HOURS, days_between, hour_mix, order_weight, plan, times_in

PEAK_DAYS = ((11, 11), (6, 18), (12, 12))  # (month, day): Singles' Day, 618, 双十二


class OrderBook:
    """Per order index: placed, delivered (0: not by the end, or cancelled), customer, its lines; per
    line index: product index, quantity, paid (cents). ``base`` and ``line_base`` are the first ids."""

    def __init__(self, ctx: Context, *, catalogue: Catalogue, customers: Customers, base: int, line_base: int):
        self.ctx, self.catalogue, self.customers = ctx, catalogue, customers
        self.base, self.line_base = base, line_base
        self.placed = array("q")
        self.delivered = array("q")
        self.customer = array("l")  # customer index
        self.line0 = array("q")
        self.nlines = array("b")
        self.l_product = array("H")
        self.l_qty = array("B")
        self.l_paid = array("q")  # cents
        self.used = bytearray()  # claimed by a goods case
        self.o_lines: list[str] = []
        self.l_lines: list[str] = []

    def load(self, writer: CopyWriter) -> None:
        ctx = self.ctx
        days = days_between(ctx.start_dt - timedelta(days=ORDER_LEAD_DAYS), ctx.end_dt)
        counts, _load = plan(days, ctx.n_orders, order_weight)
        hour_cum = hour_mix(ORDER_HOURS)
        i = 0
        for day, count in zip(days, counts, strict=True):
            peak = (day.date.month, day.date.day) in PEAK_DAYS
            for placed in times_in(ctx.rng, day, count, hour_cum):
                self._order(i, placed, peak)
                i += 1
                if len(self.l_lines) >= BATCH_ROWS:
                    self._flush(writer)
                    ctx.report(_("orders"), i, ctx.n_orders)
        self._flush(writer)
        self.used = bytearray(i)
        ctx.report(_("orders"), i, ctx.n_orders)

    def _order(self, i: int, placed: int, peak: bool) -> None:
        """Order ``i``, placed at ``placed``: its lines, then its delivery (or cancellation)."""
        ctx, cat = self.ctx, self.catalogue
        r, stamp, end = ctx.rng.random, ctx.stamp, ctx.end
        customer = self.customers.pick()
        u = r()
        nlines = 1 if u < 0.55 else 2 if u < 0.85 else 3
        total = 0
        j = len(self.l_product)
        for line_no in range(1, nlines + 1):
            p = pick(r, cat.p_popular)
            u = r()
            qty = 1 if u < 0.75 else 2 if u < 0.93 else 3
            price = cat.p_price[p]
            discount = (0.8 if peak else 0.9) if r() < 0.4 else 1.0
            paid = int(price * qty * discount)
            total += paid
            self.l_product.append(p)
            self.l_qty.append(qty)
            self.l_paid.append(paid)
            self.l_lines.append(
                f"{self.line_base + j}\t{self.base + i}\t{line_no}\t{cat.p_id[p]}\t{cat.p_variant[p]}\t"
                f"{cat.p_sku[p]}\t{cat.p_name[p]}\t{qty}\t{price // 100}.{price % 100:02d}\t"
                f"{paid // 100}.{paid % 100:02d}"
            )
            j += 1
        delivered = placed + int(min(6 * DAY, max(12 * HOUR, 40 * HOUR * math.exp(0.4 * ctx.normal()))))
        if r() < 0.02:
            status, delivered_at, updated, delivered = "cancelled", NULL, stamp(placed + 2 * HOUR), 0
        elif delivered <= end:
            status, delivered_at, updated = "delivered", stamp(delivered), stamp(delivered)
        else:
            status = "shipped" if placed + 8 * HOUR <= end else "placed"
            delivered_at, updated, delivered = NULL, stamp(min(end, placed + 8 * HOUR)), 0
        self.placed.append(placed)
        self.delivered.append(delivered)
        self.customer.append(customer)
        self.line0.append(j - nlines)
        self.nlines.append(nlines)
        self.o_lines.append(
            f"{self.base + i}\tBO{i + 1:09d}\t{self.customers.base + customer}\t{status}\t{stamp(placed)}\t"
            f"{delivered_at}\tCNY\t{total // 100}.{total % 100:02d}\t"
            f"{CITIES[customer % len(CITIES)]} {customer % 999 + 1} 号\t{updated}"
        )

    def _flush(self, writer: CopyWriter) -> None:
        rows = self.ctx.rows
        rows[Order._meta.db_table] += len(self.o_lines)
        rows[OrderLine._meta.db_table] += len(self.l_lines)
        writer.put(Order._meta.db_table, COLUMNS[Order], self.o_lines)
        writer.put(OrderLine._meta.db_table, COLUMNS[OrderLine], self.l_lines)
        self.o_lines, self.l_lines = [], []

    def find_order(self, t: int, kind: str) -> int:
        """An unused delivered order placed some days before ``t`` (for a goods case), or -1.

        Goods that come back more often are taken more readily, so return rates differ by SKU and
        category; repairs are about repairable goods.
        """
        r, placed, delivered, used = self.ctx.rng.random, self.placed, self.delivered, self.used
        lag = 3 * DAY + min(60 * DAY, 6 * DAY * math.exp(0.8 * self.ctx.normal()))
        start = bisect_right(placed, t - lag) - 1
        fallback = -1
        for k in range(start, max(-1, start - 3000), -1):
            d = delivered[k]
            if used[k] or not d or d >= t - HOUR:
                continue
            if fallback < 0:
                fallback = k
            if r() < self._acceptance(k, kind):
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

    def _acceptance(self, k: int, kind: str) -> float:
        """How readily order ``k``'s first product comes back; repairs are about goods that can be repaired."""
        p = self.l_product[self.line0[k]]
        if kind == CaseKind.REPAIR:
            return 1.0 if self.catalogue.p_category[p] in REPAIRABLE else 0.03
        return self.catalogue.p_propensity[p]

    def any_order(self, t: int) -> int:
        """Some order placed up to a month before ``t`` (for a complaint or an inquiry), or -1."""
        k = bisect_right(self.placed, t - HOUR - int(self.ctx.rng.random() * 30 * DAY)) - 1
        return k if k >= 0 and self.placed[k] < t else -1
