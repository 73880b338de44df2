"""HMAC-SHA256 over timestamp and body, for every webhook in and out.

The signature is ``sha256=<hex>`` of ``HMAC(secret, "<timestamp>." + body)``; the timestamp is Unix
seconds in its own header. A request whose timestamp is more than ``max_age`` seconds away from
now is refused, so a captured request cannot be replayed later; within that window the
endpoints are idempotent by the provider's message id, so a replay changes nothing either.
"""

from __future__ import annotations

import hashlib
import hmac

from django.utils.translation import gettext as _

from core import clock
from core.errors import DomainError

TIMESTAMP_HEADER = "X-Aftersales-Timestamp"
SIGNATURE_HEADER = "X-Aftersales-Signature"
MAX_AGE_SECONDS = 300


class SignatureError(DomainError):
    """The request is not signed by the secret we share, or is too old. ``message`` says which."""

    http_status = 401
    code = "bad_signature"


def sign(*, secret: str, timestamp: int | str, body: bytes) -> str:
    mac = hmac.new(secret.encode(), str(timestamp).encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def signed_headers(*, secret: str, body: bytes, timestamp: int | None = None) -> dict[str, str]:
    ts = int(clock.now().timestamp()) if timestamp is None else timestamp
    return {TIMESTAMP_HEADER: str(ts), SIGNATURE_HEADER: sign(secret=secret, timestamp=ts, body=body)}


def verify(*, secret: str, timestamp: str | None, signature: str | None, body: bytes, max_age: int = MAX_AGE_SECONDS):
    """Raise SignatureError unless the signature matches and the timestamp is fresh."""
    if not timestamp or not signature:
        raise SignatureError(
            _("The request is not signed: send the %(ts)s and %(sig)s headers.")
            % {"ts": TIMESTAMP_HEADER, "sig": SIGNATURE_HEADER}
        )
    try:
        ts = int(timestamp)
    except ValueError:
        raise SignatureError(_("The timestamp header is not a whole number of seconds."))
    if abs(clock.now().timestamp() - ts) > max_age:
        raise SignatureError(
            _("The request is older than %(n)s seconds (or its clock is wrong); sign it again and resend it.")
            % {"n": max_age}
        )
    if not hmac.compare_digest(sign(secret=secret, timestamp=ts, body=body), signature.strip()):
        raise SignatureError(_("The signature does not match the body: check the shared secret."))
