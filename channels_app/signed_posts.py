"""Signed JSON POSTs out of the product (the shop's webhooks, social replies), through the
send-time check of ``core.outgoing``: https only (http with OUTGOING_ALLOW_PRIVATE_NETWORKS), no
loopback, private or link-local address, connected to the address that was checked, never
redirected, with the site's timeout. (Not an outbox: the rows that are retried live in
``core.outbox``; this is the one POST each attempt makes.)"""

from __future__ import annotations

from django.conf import settings

from channels_app import signing
from core import outgoing as checked

EXCERPT = checked.EXCERPT


class DeliveryError(Exception):
    """The call did not get a 2xx: ``status`` is the HTTP status (None when no answer came)."""

    def __init__(self, message: str, *, status: int | None = None):
        super().__init__(message)
        self.message, self.status = message, status


def post_signed(*, url: str, secret: str, body: bytes, headers: dict[str, str] | None = None) -> tuple[int, bytes]:
    """POST ``body`` as JSON signed with ``secret``; (status, the first bytes of the answer) on a 2xx,
    else DeliveryError with the status and what went wrong (a refused URL or a redirect included)."""
    all_headers = {
        "Content-Type": "application/json",
        "User-Agent": "aftersales/1",
        **(headers or {}),
        **signing.signed_headers(secret=secret, body=body),
    }
    try:
        return checked.post(url=url, body=body, headers=all_headers, timeout=settings.CHANNELS_HTTP_TIMEOUT)
    except checked.OutgoingError as exc:
        raise DeliveryError(exc.message, status=exc.status) from None
