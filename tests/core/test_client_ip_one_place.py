"""The client's address is read in one place (core.client_ip): no module of the project reads
REMOTE_ADDR or X-Forwarded-For itself, and none wraps the resolver in a copy of its own."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("aftersales", "core", "cases", "channels_app", "feedback", "analytics", "privacy", "accounts")
READS_THE_ADDRESS = re.compile(r"""["'](REMOTE_ADDR|HTTP_X_FORWARDED_FOR)["']|["']X-Forwarded-For["']""", re.I)
WRAPS_THE_RESOLVER = re.compile(r"^def \w*ip\(request\)", re.M)


def _modules():
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            if "migrations" not in path.parts:
                yield path


def test_only_the_kernel_reads_the_client_address():
    readers = {
        str(path.relative_to(ROOT)) for path in _modules() if READS_THE_ADDRESS.search(path.read_text(encoding="utf-8"))
    }
    assert readers == {"core/client_ip.py"}


def test_no_app_keeps_a_copy_of_the_resolver():
    copies = {
        str(path.relative_to(ROOT))
        for path in _modules()
        if path.name != "client_ip.py" and WRAPS_THE_RESOLVER.search(path.read_text(encoding="utf-8"))
    }
    assert copies == set()
