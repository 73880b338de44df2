"""core.client_ip: the client's address is REMOTE_ADDR unless the peer is a trusted proxy; then
X-Forwarded-For is walked right to left while the hops are trusted proxies. A header from anyone
else changes nothing (a client cannot pick its own address to dodge a rate limit)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from django.test import RequestFactory

from core.client_ip import client_ip, parse_networks, resolve

PROXIES = parse_networks(["10.0.0.0/8", "2001:db8::/32", "127.0.0.1"])


@pytest.mark.parametrize(
    "remote, forwarded, expected",
    [
        # No trusted proxy in front: the header is the client's own words and is ignored.
        ("203.0.113.9", "198.51.100.1", "203.0.113.9"),
        ("203.0.113.9", "", "203.0.113.9"),
        # One trusted proxy: the entry it appended is the client.
        ("10.0.0.2", "198.51.100.1", "198.51.100.1"),
        # The client wrote its own header first: the proxy appended the real address on the right.
        ("10.0.0.2", "1.2.3.4, 198.51.100.1", "198.51.100.1"),
        # Two trusted proxies in a row: walk past both.
        ("10.0.0.2", "1.2.3.4, 198.51.100.1, 10.1.1.1", "198.51.100.1"),
        # IPv6 proxy and client, with brackets and a port.
        ("2001:db8::5", "[2001:db9::7]:443", "2001:db9::7"),
        # IPv4 with a port, IPv4-mapped IPv6 peer.
        ("::ffff:10.0.0.2", "198.51.100.1:5123", "198.51.100.1"),
        # A trusted proxy with no header: the proxy itself.
        ("10.0.0.2", "", "10.0.0.2"),
        # Every hop trusted: the leftmost one.
        ("10.0.0.2", "10.9.9.9, 10.1.1.1", "10.9.9.9"),
        # Garbage right of a trusted hop stops the walk at the last good hop.
        ("10.0.0.2", "198.51.100.1, unknown", "10.0.0.2"),
        ("10.0.0.2", "198.51.100.1, unknown, 10.1.1.1", "10.1.1.1"),
    ],
)
def test_the_client_is_the_first_untrusted_hop_from_the_right(remote, forwarded, expected):
    assert resolve(remote, forwarded, PROXIES) == expected


def test_without_trusted_proxies_the_header_is_never_believed():
    assert resolve("10.0.0.2", "198.51.100.1", ()) == "10.0.0.2"
    assert resolve("127.0.0.1", "198.51.100.1", ()) == "127.0.0.1"


def test_a_bad_proxy_entry_is_named():
    with pytest.raises(ValueError, match="'10.0.0.0/33'"):
        parse_networks(["10.0.0.0/8", "10.0.0.0/33"])


def test_client_ip_reads_the_setting(settings):
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="198.51.100.1")
    settings.TRUSTED_PROXIES = []
    assert client_ip(request) == "10.0.0.2"
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    assert client_ip(request) == "198.51.100.1"
    assert client_ip(None) == ""


def test_a_bad_trusted_proxies_variable_stops_the_start_naming_it(tmp_path):
    root = Path(__file__).resolve().parents[2]
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=root,
        env={
            "PATH": "/usr/bin:/bin",
            "HOME": str(tmp_path),
            "DATA_DIR": str(tmp_path / "data"),
            "DJANGO_SETTINGS_MODULE": "aftersales.settings",
            "DEBUG": "1",
            "TRUSTED_PROXIES": "10.0.0.0/8,proxy.example.com",
        },
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode != 0
    last = result.stderr.strip().splitlines()[-1]
    assert "ImproperlyConfigured" in last and "TRUSTED_PROXIES" in last and "proxy.example.com" in last
