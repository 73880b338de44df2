"""Benchmark of the queue search in Chinese (issue 18): /desk/?q=退货 as a ratio to a no-op request.

    make bench      # on aftersales_bench, after the other benchmarks filled it
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/aftersales_search_bench .venv/bin/python manage.py \\
        seed_bench --cases 100000 --reset
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/aftersales_search_bench .venv/bin/python benchmarks/queue_search.py

In one process, through the same middleware and session (Django's test client on
``benchmarks.bench_urls``), the median of ``--runs`` requests each of: the no-op GET (the floor of a
signed-in page), the open queue, the queue searched for a two-character word through the bigram
search vectors (migration 0020), and the same search by substring as before (what migration 0003's
trigram indexes served). Then the plans of the search's two text lookups (EXPLAIN ANALYZE), and the
"Queue search in Chinese" section of docs/performance.md.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import time
from pathlib import Path
from typing import Any
from unittest import mock
from urllib.parse import quote

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "benchmarks.bench_settings")
os.environ.setdefault("DEBUG", "1")

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from cases import search as search_text  # noqa: E402
from cases.models import Case, CaseEvent, Customer, EventType  # noqa: E402
from cases.selectors import desk_queue  # noqa: E402
from core.roles import ensure_roles  # noqa: E402

WORD = "退货"


def median_ms(client: Client, path: str, runs: int) -> float:
    """Median milliseconds of GET ``path`` (after one request that warms it up)."""
    response = client.get(path)
    if response.status_code != 200:
        sys.exit(f"GET {path} answered {response.status_code}: the benchmark needs a working page.")
    timings = []
    for _ in range(runs):
        began = time.perf_counter()
        client.get(path)
        timings.append((time.perf_counter() - began) * 1000)
    return statistics.median(timings)


def search_queries(user: Any) -> int:
    """The queries of the queue's search (``desk_queue``), the number the tests pin at small sizes."""
    with CaptureQueriesContext(connection) as captured:
        desk_queue(user=user, queue="open", filters={}, search=WORD)
    return len(captured)


def plans() -> str:
    """EXPLAIN ANALYZE of the search's two text lookups, as the selector builds them."""
    messages = CaseEvent.objects.filter(
        search_text.text_matches("note", WORD), type__in=[EventType.CREATED, EventType.REPLY, EventType.NOTE]
    ).values("case_id")
    names = Customer.objects.filter(search_text.text_matches("name", WORD)).values("id")
    return "\n\n".join(qs.order_by().explain(analyze=True) for qs in (messages, names))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--runs", type=int, default=30, help="requests per endpoint (default 30)")
    args = parser.parse_args()
    name = connection.settings_dict["NAME"]
    if connection.vendor != "postgresql" or not str(name).endswith("_bench"):
        sys.exit(f"Refusing to run on {name!r}: point DATABASE_URL at a bench database (make bench does).")
    cases = Case.objects.count()
    if cases < 1000:
        sys.exit("The bench database is nearly empty: fill it with manage.py seed_bench first (make bench does).")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE cases_caseevent")
        cursor.execute("ANALYZE cases_customer")
    messages = CaseEvent.objects.exclude(note="").count()
    print(f"Measuring the queue search over {cases:,} cases, {messages:,} messages ...", flush=True)
    user, _ = get_user_model().objects.get_or_create(
        username="bench-search-agent", defaults={"is_staff": True, "is_superuser": True}
    )
    user.groups.add(ensure_roles()["agent"])
    client = Client()
    client.force_login(user)
    search = f"/desk/?queue=open&q={quote(WORD)}"
    rows: list[tuple[str, str, float]] = []
    for label, path in [
        ("no-op GET (signed in)", "/bench/noop-get/"),
        ("open queue, no search", "/desk/?queue=open"),
        (f"search {WORD}: bigram search vectors (GIN)", search),
    ]:
        rows.append((label, path, median_ms(client, path, args.runs)))
        print(f"  {label}: {rows[-1][2]:.1f} ms", flush=True)
    with mock.patch.object(search_text, "search_query", return_value=None):
        rows.append((f"search {WORD}: by substring, as before", search, median_ms(client, search, args.runs)))
    print(f"  {rows[-1][0]}: {rows[-1][2]:.1f} ms", flush=True)
    noop = rows[0][2]
    queries = search_queries(user)
    explained = plans()
    table = "\n".join(
        [
            f"Run on {timezone.localdate():%Y-%m-%d} over {cases:,} cases and {messages:,} messages "
            f"(`manage.py seed_bench --cases {cases}`), the median of {args.runs} requests each, in one "
            "process through the same middleware and session:",
            "",
            "| request | median | ratio to the no-op |",
            "| --- | --- | --- |",
            *[f"| {label} (`{path}`) | {ms:.1f} ms | {ms / noop:.1f}× |" for label, path, ms in rows],
            "",
            f"The search runs {queries} queries (`desk_queue`: the matching case ids in one UNION, the capped "
            "count, the page), as at 3 cases in tests/cases/test_search_bigrams.py.",
            "",
            "The plans of the search's two text lookups (messages, customers' names):",
            "",
            "```",
            explained,
            "```",
            "",
            "Reproduce: `make bench` (on aftersales_bench), or on a database of its own:",
            "",
            "```sh",
            "DATABASE_URL=postgres://postgres@127.0.0.1:5432/aftersales_search_bench .venv/bin/python manage.py "
            "seed_bench --cases 100000",
            "DATABASE_URL=postgres://postgres@127.0.0.1:5432/aftersales_search_bench .venv/bin/python "
            "benchmarks/queue_search.py",
            "```",
        ]
    )
    path = ROOT / "docs" / "performance.md"
    text = path.read_text(encoding="utf-8")
    marker = "## Queue search in Chinese"
    section = f"{marker}\n\n{table}\n"
    if marker in text:
        text = re.sub(rf"{marker}\n.*?(?=\n## |\Z)", lambda _m: section, text, flags=re.S)
    else:
        text = text.rstrip("\n") + "\n\n" + section
    path.write_text(text, encoding="utf-8")
    print("\n" + table + "\n\nWritten to docs/performance.md")


if __name__ == "__main__":
    main()
