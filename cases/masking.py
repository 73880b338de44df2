"""Who sees which contact data of a customer, per role and page (PIPL / GDPR); the mechanism (masks, reveal
for a reason, the access announcement) is the kernel's ``core.masking``.

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

The case page's reveal and every access go through ``core.masking.record_access``: the ``privacy`` app
writes the audit row.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from core.masking import (
    REVEAL_MINUTES,
    RevealRefused,
    checked_reason,
    mask_address,
    mask_contact,
    mask_email,
    mask_identity,
    mask_name,
    mask_phone,
    record_access,
    remember_reveal,
    reveal_customer,
    revealed_until,
)
from core.roles import INTEGRATION


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


def desk_contact(*, request, case) -> Contact:
    """The customer of ``case`` as the case page shows it to ``request.user``."""
    customer = case.customer
    until = revealed_until(request.session, case.pk)
    if until is not None:
        return Contact(customer.name, customer.email, customer.phone, True, until)
    return Contact(customer.name, mask_email(customer.email), mask_phone(customer.phone), False)


def reveal_contact(*, request, case, reason: str) -> datetime:
    """Show the customer's contact data on this case to this user for ``REVEAL_MINUTES``.

    The reason is required (PIPL art. 6: only what the purpose needs) and goes to the audit log."""
    reason = checked_reason(reason)
    until = remember_reveal(request, str(case.pk))
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


# The kernel's masks and reveal, named here too: the pages of ``cases`` read one module for what they show.
__all__ = [
    "REVEAL_MINUTES",
    "Contact",
    "RevealRefused",
    "api_sees_full_contact",
    "desk_contact",
    "mask_address",
    "mask_contact",
    "mask_email",
    "mask_identity",
    "mask_name",
    "mask_phone",
    "record_access",
    "reveal_contact",
    "reveal_customer",
]
