"""Opening a case from the desk for a customer who phoned, walked in or wrote on a marketplace: the customer
found or created, the case opened through ``create_case`` and the customer's words as the first message
on its timeline, in one transaction.

Where the customer reached the shop (``source``) maps onto the product's channels: a phone call and a
walk-in are spoken conversations with an agent (channel ``phone``), a marketplace message is a message on
a third-party platform (channel ``social``), email and chat keep theirs; the exact source is kept on the
``created`` event (``data["source"]``) and the first message.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cases.exceptions import InvalidInput, TransitionForbidden
from cases.models import (
    CONVERSATION_KINDS,
    WORK,
    Case,
    Channel,
    Customer,
    EventType,
)
from cases.workflow.creation import create_case
from cases.workflow.events import record_event
from core import phones

# source -> (channel, label)
SOURCES: dict[str, tuple[str, object]] = {
    "phone": (Channel.PHONE, gettext_lazy("Phone call")),
    "walk_in": (Channel.PHONE, gettext_lazy("Walk-in")),
    "marketplace": (Channel.SOCIAL, gettext_lazy("Marketplace message")),
    "email": (Channel.EMAIL, gettext_lazy("Email")),
    "chat": (Channel.CHAT, gettext_lazy("Live chat")),
}
MAX_TEXT = 5000


@dataclass(frozen=True)
class NewCustomer:
    """A customer the desk creates: a name and at least one way to reach them."""

    name: str
    email: str = ""
    phone: str = ""


def _clean_new_customer(data: NewCustomer) -> NewCustomer:
    name, email, phone = data.name.strip()[:200], data.email.strip()[:254], data.phone.strip()
    if not name:
        raise InvalidInput(_("Give the new customer's name."), details={"name": [_("This field is required.")]})
    if not email and not phone:
        raise InvalidInput(_("Give the new customer's email address or phone number."))
    if email:
        try:
            validate_email(email)
        except ValidationError:
            raise InvalidInput(_("“%(email)s” is not an email address.") % {"email": email[:80]}) from None
    if phone:
        try:
            phone = phones.e164(phone)
        except phones.InvalidPhoneNumber as exc:
            raise InvalidInput(exc.message) from None
    return NewCustomer(name=name, email=email, phone=phone)


def open_desk_case(
    *,
    actor: User,
    customer: Customer | None,
    new_customer: NewCustomer | None = None,
    kind: str,
    source: str,
    subject: str,
    text: str,
) -> Case:
    """Open a conversation case (inquiry or complaint) for ``customer`` (or a new one) with the
    customer's message as its first timeline entry; returns the case.

    Goods cases (return, exchange, ...) are opened as an inquiry and converted, which picks the order
    lines. Refused with ``InvalidInput`` (nothing written): no customer, an unknown kind or source, no
    message, a message over 5,000 characters, a new customer without a name or a way to reach them.
    """
    if not actor.has_perm(WORK) or not actor.has_perm("cases.add_case"):
        raise TransitionForbidden(_("Your role does not allow opening cases."))
    if kind not in CONVERSATION_KINDS:
        raise InvalidInput(
            _("Open a complaint or an inquiry; convert it into a return or exchange once you know the order.")
        )
    if source not in SOURCES:
        raise InvalidInput(_("Unknown source “%(source)s”.") % {"source": str(source)[:40]})
    text = (text or "").strip()
    if not text:
        raise InvalidInput(_("Write the customer's message first."), details={"text": [_("This field is required.")]})
    if len(text) > MAX_TEXT:
        raise InvalidInput(_("The message is too long (at most %(n)s characters).") % {"n": MAX_TEXT})
    if customer is None and new_customer is None:
        raise InvalidInput(_("Choose the customer, or give a new customer's name and contact."))
    cleaned = _clean_new_customer(new_customer) if customer is None and new_customer is not None else None
    channel = SOURCES[source][0]
    subject = (subject or "").strip()[:200] or text.splitlines()[0][:200]
    with transaction.atomic():
        if cleaned is not None:
            customer = Customer.objects.create(name=cleaned.name, email=cleaned.email, phone=cleaned.phone)
        assert customer is not None  # noqa: S101 - one of the two is set (checked above)
        case = create_case(customer=customer, kind=kind, channel=channel, actor=actor, subject=subject)
        record_event(
            case=case,
            type=EventType.REPLY,
            actor=None,
            actor_label="customer",
            note=text,
            public=True,
            channel=channel,
            data={"direction": "in", "source": source, "entered_by": actor.get_username()},
        )
    return case
