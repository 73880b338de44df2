"""Synthetic history for benchmarks and dashboards: ``manage.py seed_bench --cases N --seed S``.

The work is ``devdata.bench.seed``; this command reads the arguments and prints.
"""

from __future__ import annotations

import argparse
from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from devdata import bench


def positive_int(text: str) -> int:
    try:
        value = int(text.replace(",", "").replace("_", ""))
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(_("Give a whole number of at least 1, for example 100000."))
    return value


def end_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(_("Give the end date as YYYY-MM-DD, for example 2026-06-30.")) from None


class Command(BaseCommand):
    help = _(
        "Fill a PostgreSQL database with 18 months of synthetic after-sales history for benchmarks and "
        "dashboards: products, agents and teams, customers, orders, cases with their lines, events, SLA clocks "
        "and costs, survey invitations and answers. The same --cases, --seed and --end give the same rows."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--cases", type=positive_int, default=100_000, help=_("How many cases to make (default 100,000).")
        )
        parser.add_argument("--seed", type=int, default=1, help=_("Seed of the random numbers (default 1)."))
        parser.add_argument(
            "--end",
            type=end_date,
            default=None,
            help=_("Last day of the history, YYYY-MM-DD (default: the history ends now)."),
        )
        parser.add_argument(
            "--reset",
            action="store_true",
            help=_(
                "Delete the cases, orders, customers, products, survey answers and analytics tables first. "
                "Only where the database name ends in _bench or starts with test_."
            ),
        )
        parser.add_argument(
            "--no-rollups",
            action="store_true",
            help=_("Do not rebuild the analytics rollups afterwards."),
        )

    def handle(self, *args, cases: int, seed: int, end: date | None, reset: bool, no_rollups: bool, **options):
        talk = options["verbosity"] > 0
        try:
            result = bench.seed(
                cases=cases,
                seed=seed,
                end=bench.end_of_day(end) if end else None,
                reset=reset,
                rollups=not no_rollups,
                progress=self.stdout.write if talk else None,
            )
        except bench.SeedRefused as exc:
            raise CommandError(str(exc)) from exc
        if not talk:
            return
        self.stdout.write("")
        width = max(len(table) for table in result.rows)
        for table, count in sorted(result.rows.items()):
            self.stdout.write(f"  {table:<{width}}  {count:>12,}")
        self.stdout.write(
            self.style.SUCCESS(
                _("%(rows)s rows in %(seconds)s s (%(rate)s rows/s).")
                % {
                    "rows": f"{result.total_rows:,}",
                    "seconds": f"{result.seconds:,.1f}",
                    "rate": f"{result.total_rows / max(result.seconds, 1e-9):,.0f}",
                }
            )
        )
