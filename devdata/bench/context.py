"""What every part of one ``seed_bench`` run shares: the random numbers, the period, the stamps, the
rows written so far, and the progress report with its estimate of the time left."""

from __future__ import annotations

import random
import time
from collections import Counter
from collections.abc import Callable
from datetime import datetime

from dateutil.relativedelta import relativedelta
from django.utils import timezone
from django.utils.translation import gettext as _

from devdata.bench.mixes import CASES_PER_CUSTOMER, MONTHS, ORDERS_PER_CASE
from devdata.bench.timing import NORMALS, stamper

Progress = Callable[[str], None]

BATCH_ROWS = 50_000  # rows per COPY of customers and orders
CASE_BATCH = 5_000  # cases per COPY round (about 50,000 events)


class Context:
    """One run: ``cases`` cases from ``seed``, over the MONTHS months before ``end``."""

    def __init__(self, *, cases: int, seed: int, end: datetime, progress: Progress | None):
        self.n_cases = cases
        self.rng = random.Random(seed)
        self.end_dt = end
        self.start_dt = end - relativedelta(months=MONTHS)
        self.end = int(end.timestamp())
        self.start = int(self.start_dt.timestamp())
        offset = end.astimezone(timezone.get_default_timezone()).utcoffset()
        self.utc_offset = int(offset.total_seconds()) if offset is not None else 0
        self.stamp = stamper()
        self.rows: Counter = Counter()  # table name -> rows written
        self.n_customers = max(30, cases // CASES_PER_CUSTOMER)
        self.n_orders = max(60, round(cases * ORDERS_PER_CASE))
        # Rows expected, for the estimate of the time left (orders ~2.6 rows, cases ~15 rows each).
        self.reporter = Reporter(progress, rows=self.rows, expected=self.n_customers + 2.6 * self.n_orders + 15 * cases)

    def normal(self) -> float:
        """A standard normal draw: one uniform draw into a table of quantiles, much cheaper than gauss()."""
        return NORMALS[int(self.rng.random() * 8192)]

    def report(self, what: str, done: int, total: int) -> None:
        self.reporter.report(what, done, total)


class Reporter:
    """``what done/total (share%), elapsed, about ... s left``; the estimate from the rows written."""

    def __init__(self, progress: Progress | None, *, rows: Counter, expected: float):
        self.progress = progress
        self.rows = rows
        self.expected = expected
        self.began = time.monotonic()

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
