"""Signed JSON POSTs out of the product (the shop's webhooks, social replies): http(s) only, never
redirected (urllib would re-send a POST as a GET without its body), with the site's timeout."""

from __future__ import annotations

import http.client
import urllib.error
import urllib.parse
import urllib.request

from django.conf import settings
from django.utils.translation import gettext as _

from . import signing

EXCERPT = 2048


class DeliveryError(Exception):
    """The call did not get a 2xx: ``status`` is the HTTP status (None when no answer came)."""

    def __init__(self, message: str, *, status: int | None = None):
        super().__init__(message)
        self.message, self.status = message, status


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


_opener = urllib.request.build_opener(_NoRedirect)


def post_signed(*, url: str, secret: str, body: bytes, headers: dict[str, str] | None = None) -> tuple[int, bytes]:
    """POST ``body`` as JSON signed with ``secret``; (status, the first bytes of the answer) on a 2xx,
    else DeliveryError with the status and what went wrong."""
    if urllib.parse.urlsplit(url).scheme not in ("http", "https"):
        raise DeliveryError(_("Only http and https URLs can receive webhooks."))
    all_headers = {
        "Content-Type": "application/json",
        "User-Agent": "aftersales/1",
        **(headers or {}),
        **signing.signed_headers(secret=secret, body=body),
    }
    request = urllib.request.Request(url, data=body, headers=all_headers, method="POST")  # noqa: S310 - scheme checked
    try:
        with _opener.open(request, timeout=settings.CHANNELS_HTTP_TIMEOUT) as response:
            answer, code = response.read(EXCERPT), response.status
    except urllib.error.HTTPError as exc:
        try:
            excerpt = exc.read(EXCERPT).decode("utf-8", "replace").strip()
        except (OSError, http.client.HTTPException):
            excerpt = ""
        finally:
            exc.close()
        raise DeliveryError(f"HTTP {exc.code} {exc.reason}: {excerpt}".strip().rstrip(":"), status=exc.code)
    except urllib.error.URLError as exc:  # connection refused, DNS, TLS: the cause is in ``reason``
        reason = exc.reason
        kind = type(reason).__name__ if isinstance(reason, BaseException) else "URLError"
        raise DeliveryError(f"{kind}: {reason}")
    except (OSError, http.client.HTTPException, ValueError) as exc:  # timeout, reset, bad status line, bad URL
        raise DeliveryError(f"{type(exc).__name__}: {exc}")
    if not 200 <= code < 300:
        raise DeliveryError(f"HTTP {code}", status=code)
    return code, answer
