"""Who a chat visitor is, from what they typed when the chat started, and the identity their
messages are sent under (``channels_app.identity``). Nothing typed proves anything: see the
package docstring (``channels_app.chat``)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import override

from cases.models import Customer, Order
from channels_app import identity
from channels_app.models import ChatSession, ContactIdentity, Direction, IdentityKind, Message

ANONYMOUS_PROVIDER = "chat"  # the identity of a visitor who gave no email: one per session


@dataclass(frozen=True)
class Visitor:
    """Who the visitor is taken for: the customer their messages go to and the identity they are sent under."""

    customer: Customer
    kind: str
    provider: str
    value: str
    order: Order | None  # the order whose email the visitor gave (a claim, not a proof)
    note: str  # for the agent: how the visitor identified themselves


def _anonymous_value(token: str) -> str:
    return "session-" + hashlib.sha256(token.encode()).hexdigest()[:32]


def identify_visitor(*, token: str, email: str, order_number: str, name: str) -> Visitor:
    """The visitor of a new chat, from what they typed (a claim, never a proof), with the agent's note."""
    order = None
    if order_number:
        candidate = Order.objects.select_related("customer").filter(number=order_number).first()
        owner = candidate.customer if candidate is not None else None
        if owner is not None and email and identity.normal_email(owner.email) == identity.normal_email(email):
            order = candidate
    with override(settings.LANGUAGE_CODE):  # the agent's note, in the site's language like intake's
        if order is not None:
            note = _(
                "Live chat: the visitor gave order %(order)s and the email on it, %(email)s. Anyone who knows "
                "both could; they are not verified until they enter the one-time code or an agent links the chat."
            )
        elif email and order_number:
            note = _(
                "Live chat: the visitor gave order %(order)s with the email %(email)s, which is not the "
                "email on that order; they were not matched to its customer."
            )
        elif email:
            note = _("Live chat: the visitor gave the email %(email)s; it is not verified.")
        else:
            note = _("Live chat: the visitor gave order %(order)s and no email; they were not matched to anyone.")
    note = note % {"order": order_number, "email": email}
    if email:
        # texts=(): an order number typed here must never attach the visitor to its customer.
        match = identity.match_sender(kind=IdentityKind.EMAIL, value=email, name=name)
        customer = order.customer if order is not None else match.customer
        return Visitor(customer, IdentityKind.EMAIL, "", email, order, note)
    value = _anonymous_value(token)
    match = identity.match_sender(
        kind=IdentityKind.SOCIAL, provider=ANONYMOUS_PROVIDER, value=value, name=name or _("Chat visitor")
    )
    return Visitor(match.customer, IdentityKind.SOCIAL, ANONYMOUS_PROVIDER, value, None, note)


def sending_identity(session: ChatSession) -> tuple[str, str, str]:
    """(kind, provider, value) the session's messages are sent under: as the first one was; before
    any message, the customer's own identity (the session keeps no copy of what was typed)."""
    data = (
        Message.objects.filter(chat_session=session, direction=Direction.IN)
        .order_by("id")
        .values_list("data", flat=True)
        .first()
    )
    if data and data.get("chat_identity"):
        kind, provider, value = data["chat_identity"]
        return kind, provider, value
    anonymous = _anonymous_value(session.token)
    if ContactIdentity.objects.filter(kind=IdentityKind.SOCIAL, provider=ANONYMOUS_PROVIDER, value=anonymous).exists():
        return IdentityKind.SOCIAL, ANONYMOUS_PROVIDER, anonymous
    customer = session.customer
    emails = ContactIdentity.objects.filter(customer=customer, kind=IdentityKind.EMAIL)
    own = identity.normal_email(customer.email)
    if own and emails.filter(value=own).exists():
        return IdentityKind.EMAIL, "", own
    first = emails.order_by("-verified", "id").values_list("value", flat=True).first()
    return IdentityKind.EMAIL, "", first or own
