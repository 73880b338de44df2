"""Masking of customers' contact data (PIPL / GDPR), and the announcement of who looked at it.

The rule per role (docs/privacy.md has the full table):

==================  =========================================================================
where               what each role sees
==================  =========================================================================
desk queue          name only, for everyone (no phone, email or address in any list)
desk case page      agent, manager, admin: email and phone masked; "Show contact" with a reason
                    reveals them for REVEAL_MINUTES on that case only, and is audited
API case list and   every role: name, tier, language only (no contact data at all)
case detail
API order (GET)     integration, superuser: everything (the shop pushed it; it syncs it back);
                    agent, manager: phone, email and shipping address masked
dashboard, its      managers: no contact data at all (case numbers and KPIs only)
drill-down and CSV
Django admin        lists and change pages masked (names, phone, email, addresses, identities,
                    senders); "Show the personal data" with a reason reveals one customer's pages
                    for REVEAL_MINUTES, audited like the case page (core/admin_masking.py)
==================  =========================================================================

``cases`` imports no other app: what was viewed or revealed is announced with the
``personal_data_accessed`` signal, and the ``privacy`` app writes the audit row.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.utils.translation import gettext as _

from cases.signals import personal_data_accessed
from core import clock
from core.client_ip import client_ip
from core.roles import INTEGRATION

MASK = "*"
PHONE_VISIBLE_DIGITS = 4
REVEAL_MINUTES = 15
REASON_MIN, REASON_MAX = 5, 200
_SESSION_KEY = "privacy.revealed"


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


def api_sees_full_contact(user) -> bool:
    """In the API, the shop's integration account and superusers get the contact data unmasked:
    the shop is where it comes from. Staff get it masked; the case page reveals it."""
    if not getattr(user, "is_authenticated", False):
        return False
    if user.is_superuser:
        return True
    return user.groups.filter(name=INTEGRATION).exists()


@dataclass(frozen=True)
class Contact:
    """What the case page shows of the customer: masked unless revealed for this case."""

    name: str
    email: str
    phone: str
    revealed: bool
    revealed_until: datetime | None = None

    @property
    def has_contact(self) -> bool:
        return bool(self.email or self.phone)


def _revealed(session, case_id: int) -> datetime | None:
    stamp = (session.get(_SESSION_KEY) or {}).get(str(case_id))
    if not stamp:
        return None
    until = datetime.fromisoformat(stamp)
    return until if until > clock.now() else None


def desk_contact(*, request, case) -> Contact:
    """The customer of ``case`` as the case page shows it to ``request.user``."""
    customer = case.customer
    until = _revealed(request.session, case.pk)
    if until is not None:
        return Contact(customer.name, customer.email, customer.phone, True, until)
    return Contact(customer.name, mask_email(customer.email), mask_phone(customer.phone), False)


class RevealRefused(ValueError):
    """A reveal without a usable reason; the message says what is missing."""


def _checked_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if len(reason) < REASON_MIN:
        raise RevealRefused(_("Say why you need the contact data (at least %(n)s characters).") % {"n": REASON_MIN})
    if len(reason) > REASON_MAX:
        raise RevealRefused(_("The reason is too long (at most %(n)s characters).") % {"n": REASON_MAX})
    return reason


def _remember(request, key: str) -> datetime:
    """Keep ``key`` (a case id, or ``customer:<id>`` for the admin) revealed in this session for
    ``REVEAL_MINUTES``; expired keys are dropped. Returns the end of the reveal."""
    now = clock.now()
    until = now + timedelta(minutes=REVEAL_MINUTES)
    revealed = {k: v for k, v in (request.session.get(_SESSION_KEY) or {}).items() if datetime.fromisoformat(v) > now}
    revealed[key] = until.isoformat()
    request.session[_SESSION_KEY] = revealed
    return until


def reveal_contact(*, request, case, reason: str) -> datetime:
    """Show the customer's contact data on this case to this user for ``REVEAL_MINUTES``.

    The reason is required (PIPL art. 6: only what the purpose needs) and goes to the audit log."""
    reason = _checked_reason(reason)
    until = _remember(request, str(case.pk))
    record_access(
        request=request,
        action="reveal_contact",
        customer_id=case.customer_id,
        case_id=case.pk,
        case_number=case.number,
        reason=reason,
        detail={"fields": ["email", "phone"], "until": until.isoformat()},
    )
    return until


def record_access(
    *,
    action: str,
    customer_id: int | None,
    request=None,
    actor=None,
    case_id: int | None = None,
    case_number: str = "",
    reason: str = "",
    detail: dict | None = None,
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


def customer_revealed_until(*, request, customer_id: int | None) -> datetime | None:
    """Until when the admin shows ``request.user`` this customer's personal data, or None (masked)."""
    if customer_id is None or request is None:
        return None
    return _revealed(request.session, _customer_key(customer_id))


ADMIN_FIELDS = ["name", "email", "phone", "addresses", "identities", "senders"]


def reveal_customer(*, request, customer_id: int, reason: str, where: str = "") -> datetime:
    """Show one customer's personal data in the admin (their customer, order, case, identity and
    message pages) to this user for ``REVEAL_MINUTES``, for a reason that goes to the audit log as
    on the case page (``reveal_contact``). ``where`` names the admin page it was asked from."""
    reason = _checked_reason(reason)
    until = _remember(request, _customer_key(customer_id))
    record_access(
        request=request,
        action="reveal_contact",
        customer_id=customer_id,
        reason=reason,
        detail={"fields": ADMIN_FIELDS, "until": until.isoformat(), "where": where or "admin"},
    )
    return until
