"""Where the product may send HTTP requests of its own (shop webhooks, social replies): the check
of an outgoing URL, at save time and at send time, and a POST that goes only where it was checked.

A URL must be ``https`` and its host must resolve to public addresses only. Refused: loopback,
private ranges (10/8, 172.16/12, 192.168/16, 100.64/10, IPv6 unique-local fc00::/7), link-local
(169.254/16 with the cloud metadata address 169.254.169.254, fe80::/10), ``0.0.0.0`` and ``::``,
multicast, reserved and documentation ranges, and IPv6 forms that carry such an IPv4 address
(IPv4-mapped ``::ffff:127.0.0.1``, 6to4, Teredo). ``OUTGOING_ALLOW_PRIVATE_NETWORKS`` (an
in-house shop on the company network) allows plain ``http`` and loopback and private addresses;
link-local, unspecified and multicast addresses stay refused even then.

At send time the host is resolved once, every address is checked, and the connection is made
to a checked address (TLS still verifies the certificate against the host name), so a DNS answer
that changes between the check and the connection cannot redirect the request. Redirects are
never followed: a 3xx is a failed attempt that says where it pointed.
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
import urllib.parse
from dataclasses import dataclass
from typing import Any, cast

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

EXCERPT = 2048
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class UnsafeURL(ValueError):
    """The URL may not be called; ``message`` says why, for the person who entered it."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class OutgoingError(Exception):
    """A request that got no 2xx: ``status`` is the HTTP status (None when no answer came)."""

    def __init__(self, message: str, *, status: int | None = None):
        super().__init__(message)
        self.message, self.status = message, status


def private_networks_allowed() -> bool:
    return bool(getattr(settings, "OUTGOING_ALLOW_PRIVATE_NETWORKS", False))


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip.teredo is not None:
        return ip.teredo[1]
    if ip in ipaddress.IPv6Network("::/96") and int(ip) > 1:  # IPv4-compatible (deprecated) ::a.b.c.d
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def address_refusal(ip: IPAddress | str) -> str | None:
    """Why a request may not go to ``ip`` (a sentence), or None when it may."""
    ip = ipaddress.ip_address(ip.split("%", 1)[0] if isinstance(ip, str) else ip)
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = _embedded_ipv4(ip)
        if embedded is not None:
            return address_refusal(embedded)
    if ip.is_unspecified:
        return _("%(ip)s is not an address anyone can be reached at.") % {"ip": ip}
    if ip.is_link_local:
        return _("%(ip)s is a link-local address (such as a cloud's metadata service).") % {"ip": ip}
    if ip.is_multicast:
        return _("%(ip)s is a multicast address.") % {"ip": ip}
    if private_networks_allowed():
        return None
    if ip.is_loopback:
        return _("%(ip)s is a loopback address (this machine).") % {"ip": ip}
    if ip.is_private or ip.is_reserved or not ip.is_global:
        return _("%(ip)s is a private or reserved address.") % {"ip": ip}
    return None


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str
    port: int
    path: str  # path and query, as sent in the request line


def parse(url: str) -> Target:
    """The parts of an outgoing URL, or UnsafeURL for a scheme or a form that may not be used."""
    try:
        parts = urllib.parse.urlsplit((url or "").strip())
        port = parts.port
    except ValueError:
        raise UnsafeURL(_("“%(url)s” is not a valid URL.") % {"url": url}) from None
    scheme = parts.scheme.lower()
    allowed = ("https", "http") if private_networks_allowed() else ("https",)
    if scheme not in allowed:
        raise UnsafeURL(
            _("The URL must start with https:// (plain http only with OUTGOING_ALLOW_PRIVATE_NETWORKS on).")
            if scheme == "http"
            else _("The URL must start with https://.")
        )
    if not parts.hostname:
        raise UnsafeURL(_("The URL names no host."))
    if parts.username is not None or parts.password is not None:
        raise UnsafeURL(_("Put no user name or password in the URL; requests are signed instead."))
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    return Target(scheme, parts.hostname, port or (443 if scheme == "https" else 80), path)


def resolve(target: Target) -> list[str]:
    """Every address the host resolves to, each checked; UnsafeURL when one of them is refused
    (a name with one private address among public ones is refused too), OutgoingError when the
    name does not resolve."""
    try:
        infos = socket.getaddrinfo(target.host, target.port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise OutgoingError(
            _("The host %(host)s could not be resolved (%(error)s).") % {"host": target.host, "error": exc}
        ) from None
    addresses: list[str] = []
    for _family, _type, _proto, _name, sockaddr in infos:
        address = cast(str, sockaddr[0])  # an IPv4 or IPv6 family's address is a str
        refusal = address_refusal(address)
        if refusal:
            raise UnsafeURL(
                _("The host %(host)s resolves to a refused address: %(reason)s")
                % {"host": target.host, "reason": refusal}
            )
        if address not in addresses:
            addresses.append(address)
    if not addresses:
        raise OutgoingError(_("The host %(host)s has no address.") % {"host": target.host})
    return addresses


def check_url(url: str, *, resolve_host: bool = True) -> None:
    """Save-time check: UnsafeURL when the URL may not be used. A host that does not resolve yet
    is let through (the send-time check resolves it again); one that resolves to a refused
    address is not."""
    target = parse(url)
    if not resolve_host:
        return
    try:
        resolve(target)
    except OutgoingError:
        return


def validate_outgoing_url(value: str) -> None:
    """A model / form field validator around ``check_url``."""
    try:
        check_url(value)
    except UnsafeURL as exc:
        raise ValidationError(exc.message, code="unsafe_url") from None


def _connection(target: Target, address: str, timeout: float) -> http.client.HTTPConnection:
    connection: http.client.HTTPConnection
    if target.scheme == "https":
        connection = http.client.HTTPSConnection(
            target.host, target.port, timeout=timeout, context=ssl.create_default_context()
        )
    else:
        connection = http.client.HTTPConnection(target.host, target.port, timeout=timeout)

    def pinned(
        _address: object,
        timeout: Any = socket._GLOBAL_DEFAULT_TIMEOUT,  # type: ignore[attr-defined]  # noqa: SLF001
        source_address: tuple[str, int] | None = None,
    ) -> socket.socket:
        # Connect to the address that was checked, never to a second DNS answer for the host.
        return socket.create_connection((address, target.port), timeout, source_address)

    connection._create_connection = pinned  # type: ignore[attr-defined]  # noqa: SLF001 - http.client's own hook for this
    return connection


def post(*, url: str, body: bytes, headers: dict[str, str], timeout: float) -> tuple[int, bytes]:
    """POST ``body`` to ``url`` after the send-time check; (status, the first bytes of the answer)
    on a 2xx, else OutgoingError (a refused URL, a 3xx, any other status, a transport error)."""
    try:
        target = parse(url)
        addresses = resolve(target)
    except UnsafeURL as exc:
        raise OutgoingError(_("Not sent: %(reason)s") % {"reason": exc.message}) from None
    last_error: OutgoingError | None = None
    for address in addresses:
        connection = _connection(target, address, timeout)
        try:
            connection.request("POST", target.path, body=body, headers=headers)
            response = connection.getresponse()
            code, reason = response.status, response.reason
            answer = response.read(EXCERPT)
            location = response.getheader("Location", "")
        except ConnectionRefusedError as exc:
            last_error = OutgoingError(f"{type(exc).__name__}: {exc}")
            continue  # the next checked address of the host, if it has another
        except (OSError, http.client.HTTPException, ValueError) as exc:  # timeout, TLS, reset, bad status line
            raise OutgoingError(f"{type(exc).__name__}: {exc}") from None
        finally:
            connection.close()
        if 300 <= code < 400:
            raise OutgoingError(
                _("HTTP %(code)s: redirects are not followed (it pointed to %(location)s).")
                % {"code": code, "location": location[:200] or "-"},
                status=code,
            )
        if not 200 <= code < 300:
            excerpt = answer.decode("utf-8", "replace").strip()
            raise OutgoingError(f"HTTP {code} {reason}: {excerpt}".strip().rstrip(":"), status=code)
        return code, answer
    raise last_error or OutgoingError(_("The host %(host)s has no address.") % {"host": target.host})
