"""The synthetic customers: about one per three cases, 12 % writing in English and 8 % VIP, loaded with
COPY; some of them buy (and write) much more than others."""

from __future__ import annotations

from django.utils.translation import gettext as _

from cases.models import Customer
from devdata.bench.context import BATCH_ROWS, Context
from devdata.bench.loading import CopyWriter
from devdata.bench.mixes import ORDER_LEAD_DAYS
from devdata.bench.tables import COLUMNS, NULL
from devdata.bench.texts import FIRST_NAMES, GIVEN, LAST_NAMES, SURNAMES
from devdata.bench.timing import DAY


class Customers:
    """Per customer index: English or not, VIP or not; ``base`` is the id of index 0."""

    def __init__(self, ctx: Context, *, base: int):
        self.ctx = ctx
        self.n = ctx.n_customers
        self.base = base
        self.vip = bytearray(self.n)
        self.en = bytearray(self.n)

    def load(self, writer: CopyWriter) -> None:
        ctx = self.ctx
        r, stamp, table, cols = ctx.rng.random, ctx.stamp, Customer._meta.db_table, COLUMNS[Customer]
        base, n = self.base, self.n
        lines: list[str] = []
        joined = ctx.start - ORDER_LEAD_DAYS * DAY
        for i in range(n):
            english = r() < 0.12
            vip = r() < 0.08
            self.en[i], self.vip[i] = english, vip
            lines.append(
                f"{base + i}\tbench-{i + 1}\t{self._name(english)}\tbench.c{i + 1}@example.com\t+8613{i + 1:09d}\t"
                f"{'vip' if vip else 'regular'}\t{'en' if english else 'zh-hans'}\t{NULL}\t"
                f"{stamp(joined - int(r() * 720 * DAY))}"
            )
            if len(lines) >= BATCH_ROWS:
                ctx.rows[table] += len(lines)
                writer.put(table, cols, lines)
                lines = []
                ctx.report(_("customers"), i + 1, n)
        ctx.rows[table] += len(lines)
        writer.put(table, cols, lines)
        ctx.report(_("customers"), n, n)

    def _name(self, english: bool) -> str:
        r = self.ctx.rng.random
        if english:
            return f"{FIRST_NAMES[int(r() * len(FIRST_NAMES))]} {LAST_NAMES[int(r() * len(LAST_NAMES))]}"
        return (
            SURNAMES[int(r() * len(SURNAMES))]
            + GIVEN[int(r() * len(GIVEN))]
            + (GIVEN[int(r() * len(GIVEN))] if r() < 0.6 else "")
        )

    def pick(self) -> int:
        """A customer index; some customers buy (and write) much more than others."""
        n = self.n
        return int(n * self.ctx.rng.random() ** 1.3) * 7919 % n
