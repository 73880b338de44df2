"""Masking of customers' personal data (PIPL / GDPR), its reveal for a reason, and the announcement of who
looked at it: the mechanism every app's pages and admins share. The rule per role and page is in
``cases.masking`` (docs/privacy.md has the full table).

- the masks: ``mask_phone``, ``mask_email``, ``mask_address``, ``mask_identity``, ``mask_contact``,
  ``mask_name``;
- a reveal for a reason, kept in the session for ``REVEAL_MINUTES`` (``remember_reveal`` /
  ``revealed_until``), for one case (the case page) or one customer (the admin: ``reveal_customer``);
- ``record_access`` announces every view, reveal and export with the ``personal_data_accessed`` signal; the
  ``privacy`` app writes the audit row. The kernel imports no app.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.dispatch import Signal
from django.utils.translation import gettext as _

from core import clock
from core.client_ip import client_ip

if TYPE_CHECKING:
    from django.contrib.auth.models import User
    from django.contrib.sessions.backends.base import SessionBase
    from django.http import HttpRequest

MASK = "*"
PHONE_VISIBLE_DIGITS = 4
REVEAL_MINUTES = 15
REASON_MIN, REASON_MAX = 5, 200
_SESSION_KEY = "privacy.revealed"

# Sent when personal data is viewed, revealed or exported (``record_access``). With: actor (User or None),
# action (str, one of privacy.models.AuditAction), customer_id, case_id and case_number (or None and ""),
# reason (str), detail (dict), ip (str). The privacy app writes the audit row.
personal_data_accessed = Signal()


# --- the masks ----------------------------------------------------------------------------------------


def mask_phone(value: str) -> str:
    """Every digit but the last four becomes ``*``; separators and a leading ``+`` stay.

    ``+8613812345678`` → ``+*********5678``. Four digits or fewer are masked entirely."""
    if not value:
        return ""
    total = sum(ch.isdigit() for ch in value)
    keep_from = total - PHONE_VISIBLE_DIGITS if total > PHONE_VISIBLE_DIGITS else total
    seen = 0
    out = []
    for ch in value:
        if ch.isdigit():
            out.append(ch if seen >= keep_from else MASK)
            seen += 1
        else:
            out.append(ch)
    return "".join(out)


def mask_email(value: str) -> str:
    """The first character of the local part and the domain stay: ``wang.fang@example.cn`` →
    ``w***@example.cn``. Something that is not an address is masked whole."""
    if not value:
        return ""
    local, at, domain = value.rpartition("@")
    if not at or not local:
        return MASK * 3
    return f"{local[0]}{MASK * 3}@{domain}"


ADDRESS_VISIBLE_CHARS = 6


def mask_address(value: str) -> str:
    """The first six characters stay (in a Chinese address: province and city, as 显示省市 asks),
    the rest is ``****``: ``上海市徐汇区漕溪北路 1 号`` → ``上海市徐汇区****``."""
    if not value:
        return ""
    text = re.sub(r"\s+", " ", value.strip())
    if len(text) <= ADDRESS_VISIBLE_CHARS:
        return MASK * 4
    return text[:ADDRESS_VISIBLE_CHARS] + MASK * 4


def mask_identity(kind: str, value: str) -> str:
    """A contact identity's value by its kind (email, phone, social handle)."""
    if kind == "email":
        return mask_email(value)
    if kind == "phone":
        return mask_phone(value)
    if not value:
        return ""
    return value[:1] + MASK * 3


def mask_contact(value: str) -> str:
    """A contact of unknown kind (a sender, a recipient): an address if it has an @, else a phone."""
    if "@" in (value or ""):
        return mask_email(value)
    if value and sum(ch.isdigit() for ch in value) >= 5:
        return mask_phone(value)
    return mask_identity("social", value)


# --- who sees what ------------------------------------------------------------------------------------


def revealed_until(session: SessionBase, case_id: int | str) -> datetime | None:
    stamp = (session.get(_SESSION_KEY) or {}).get(str(case_id))
    if not stamp:
        return None
    until = datetime.fromisoformat(stamp)
    return until if until > clock.now() else None


class RevealRefused(ValueError):
    """A reveal without a usable reason; the message says what is missing."""


def checked_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if len(reason) < REASON_MIN:
        raise RevealRefused(_("Say why you need the contact data (at least %(n)s characters).") % {"n": REASON_MIN})
    if len(reason) > REASON_MAX:
        raise RevealRefused(_("The reason is too long (at most %(n)s characters).") % {"n": REASON_MAX})
    return reason


def remember_reveal(request: HttpRequest, key: str) -> datetime:
    """Keep ``key`` (a case id, or ``customer:<id>`` for the admin) revealed in this session for
    ``REVEAL_MINUTES``; expired keys are dropped. Returns the end of the reveal."""
    now = clock.now()
    until = now + timedelta(minutes=REVEAL_MINUTES)
    revealed = {k: v for k, v in (request.session.get(_SESSION_KEY) or {}).items() if datetime.fromisoformat(v) > now}
    revealed[key] = until.isoformat()
    request.session[_SESSION_KEY] = revealed
    return until


def record_access(
    *,
    action: str,
    customer_id: int | None,
    request: HttpRequest | None = None,
    actor: User | None = None,
    case_id: int | None = None,
    case_number: str = "",
    reason: str = "",
    detail: dict[str, Any] | None = None,
) -> None:
    """Announce that personal data was viewed, revealed or exported (the audit log's input)."""
    if actor is None and request is not None:
        actor = request.user if request.user.is_authenticated else None
    personal_data_accessed.send(
        sender=None,
        actor=actor,
        action=action,
        customer_id=customer_id,
        case_id=case_id,
        case_number=case_number,
        reason=reason,
        detail=detail or {},
        ip=client_ip(request),
    )


# --- the Django admin: one customer's data, revealed for a reason (the same session and audit) -------


def mask_name(value: str) -> str:
    """A person's name keeps its first character: ``张伟`` → ``张**``, ``Wang Fang`` → ``W**``."""
    value = (value or "").strip()
    return value[:1] + MASK * 2 if value else ""


def _customer_key(customer_id: int) -> str:
    return f"customer:{customer_id}"


def customer_revealed_until(*, request: HttpRequest | None, customer_id: int | None) -> datetime | None:
    """Until when the admin shows ``request.user`` this customer's personal data, or None (masked)."""
    if customer_id is None or request is None:
        return None
    return revealed_until(request.session, _customer_key(customer_id))


ADMIN_FIELDS = ["name", "email", "phone", "addresses", "identities", "senders"]


def reveal_customer(*, request: HttpRequest, customer_id: int, reason: str, where: str = "") -> datetime:
    """Show one customer's personal data in the admin (their customer, order, case, identity and
    message pages) to this user for ``REVEAL_MINUTES``, for a reason that goes to the audit log as
    on the case page (``reveal_contact``). ``where`` names the admin page it was asked from."""
    reason = checked_reason(reason)
    until = remember_reveal(request, _customer_key(customer_id))
    record_access(
        request=request,
        action="reveal_contact",
        customer_id=customer_id,
        reason=reason,
        detail={"fields": ADMIN_FIELDS, "until": until.isoformat(), "where": where or "admin"},
    )
    return until
