"""The client's address behind trusted proxies: the one IP resolver of the project (DESIGN.md §2).

``REMOTE_ADDR`` is the peer that opened the connection. Behind a reverse proxy (the TLS proxy the
docs recommend, a load balancer) that peer is the proxy for everyone, and the client's address is
in ``X-Forwarded-For``, which each proxy extends on the right. Anybody can send that header, so it
is believed only as far as the proxies listed in ``TRUSTED_PROXIES`` (addresses or CIDR networks)
wrote it: starting from ``REMOTE_ADDR``, while the current hop is a trusted proxy, step one entry to
the left; the first address that is not a trusted proxy is the client. With ``TRUSTED_PROXIES``
empty (the default) the header is ignored and the client is ``REMOTE_ADDR``.

Rate limits, the audit log and django-axes (``AXES_CLIENT_IP_CALLABLE``) all call ``client_ip``.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from functools import lru_cache
from typing import TYPE_CHECKING

from django.conf import settings

if TYPE_CHECKING:
    from django.http import HttpRequest
    from rest_framework.request import Request

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_networks(entries: Iterable[str]) -> tuple[Network, ...]:
    """``entries`` as networks (a bare address is a /32 or /128); a bad entry raises ValueError
    naming it."""
    networks = []
    for entry in entries:
        text = str(entry).strip()
        if not text:
            continue
        try:
            networks.append(ipaddress.ip_network(text, strict=False))
        except ValueError:
            raise ValueError(f"{text!r} is not an IP address or CIDR network (e.g. 10.0.0.0/8)") from None
    return tuple(networks)


@lru_cache(maxsize=16)
def _networks(entries: tuple[str, ...]) -> tuple[Network, ...]:
    return parse_networks(entries)


def trusted_proxies() -> tuple[Network, ...]:
    return _networks(tuple(getattr(settings, "TRUSTED_PROXIES", ()) or ()))


def parse_address(text: str) -> Address | None:
    """One hop of X-Forwarded-For or REMOTE_ADDR: an address, optionally with a port
    (``192.0.2.1:4711``, ``[2001:db8::1]:443``); IPv4-mapped IPv6 counts as the IPv4 address."""
    text = text.strip()
    if text.startswith("[") and "]" in text:
        text = text[1 : text.index("]")]
    elif text.count(":") == 1:
        text = text.split(":", 1)[0]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def resolve(remote_addr: str, forwarded_for: str, trusted: Iterable[Network]) -> str:
    """The client's address from the peer ``remote_addr`` and the X-Forwarded-For value, walking
    from the right while the hop is one of the ``trusted`` proxies. A malformed entry stops the
    walk at the last good hop (a trusted proxy would not write one)."""
    trusted = tuple(trusted)
    peer = parse_address(remote_addr or "")
    if peer is None:
        return (remote_addr or "").strip()

    def is_trusted(address: Address) -> bool:
        return any(address.version == net.version and address in net for net in trusted)

    client = peer
    if not is_trusted(peer):
        return str(peer)
    for hop in reversed((forwarded_for or "").split(",")):
        if not hop.strip():
            continue
        address = parse_address(hop)
        if address is None:
            break
        client = address
        if not is_trusted(address):
            break
    return str(client)


def client_ip(request: HttpRequest | Request | None) -> str:
    """The client's address of ``request`` (an HttpRequest, a DRF Request, or None: "")."""
    if request is None:
        return ""
    meta = request.META
    return resolve(meta.get("REMOTE_ADDR", ""), meta.get("HTTP_X_FORWARDED_FOR", ""), trusted_proxies())
