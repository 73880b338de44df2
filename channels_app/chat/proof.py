"""Proving who a chat visitor is: the portal's one-time code sent to the email or phone on file
(``request_code``, ``prove``), or, on the desk side, an agent who checked and links the case's chats
to its customer with a reason (``link_chats``). Either way the chat becomes a verified channel of
the customer and its case says so."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import override

from cases.models import WORK, Case, EventType, Order
from cases.selectors import SENDER_VERIFIED
from cases.services import record_event
from channels_app import portal
from channels_app.chat.checks import MAX_ORDER_NUMBER, MAX_TEXT, ChatEnded, typed_text
from channels_app.models import ChatSession
from core import clock
from core.errors import Forbidden, InvalidInput


@dataclass(frozen=True)
class Proof:
    session: ChatSession
    verified: bool


def _order_number(session: ChatSession, order_number) -> str:
    """The order the code is asked for: the one given, else the one named at the start."""
    number = typed_text(order_number, "order_number")
    if len(number) > MAX_ORDER_NUMBER:
        message = _("The order number is too long.")
        raise InvalidInput(message, details={"order_number": [message]})
    if not number and session.claimed_order_id is not None:
        number = session.claimed_order.number  # type: ignore[union-attr]  # claimed_order_id: an order
    if not number:
        message = _("Give the number of one of your orders: the code goes to the email or phone on file for it.")
        raise InvalidInput(message, details={"order_number": [message]})
    return number


def request_code(*, session: ChatSession, ip: str, order_number="", via="email") -> None:
    """Send the portal's one-time code for this chat to the email (``via`` "email") or phone
    ("phone") on file for the customer the visitor claims, through ``portal.request_code``: the same
    code, delivery, limits (per IP and per order) and expiry as the portal. The visitor's answer is
    the same whether a code went out or not (no order, not theirs, no phone on file)."""
    if not session.unverified:
        raise InvalidInput(_("This chat is already verified."))
    if session.ended_at is not None:
        raise ChatEnded(_("This chat has ended. Start a new one to write to us."))
    via = typed_text(via, "via") or "email"
    if via not in ("email", "phone"):
        message = _("Choose email or phone for the code.")
        raise InvalidInput(message, details={"via": [message]})
    number = _order_number(session, order_number)
    customer = session.customer
    # Nothing on file: an address no customer has, so the portal counts the try and sends nothing.
    contact = (customer.email if via == "email" else customer.phone) or "nobody@invalid"
    order = Order.objects.filter(number=number, customer_id=customer.pk).first()
    if order is not None and order.pk != session.claimed_order_id:
        ChatSession.objects.filter(pk=session.pk).update(claimed_order=order)
        session.claimed_order, session.claimed_order_id = order, order.pk
    # The portal sends only when the contact is the one on that order's customer; limits count either way.
    try:
        code_id = portal.request_code(order_number=number, contact=contact, ip=ip)
    except portal.TooManyAttempts:
        raise
    except portal.PortalError:
        code_id = None  # a phone on file that does not parse: nothing sent, and the same answer
    # Bound to this chat: only the code sent for it is tried here (0: none was sent).
    ChatSession.objects.filter(pk=session.pk).update(proof_code_id=code_id or 0)
    session.proof_code_id = code_id or 0


def prove(*, session: ChatSession, code, ip: str) -> Proof:
    """The visitor enters the code: a valid one (``portal.verify_code``: unused, unexpired, at most
    CODE_ATTEMPTS tries) makes the chat a verified channel of the customer and says so on its case.
    A wrong, used or expired code is a 400 with a message and changes nothing but the code's count
    of tries; the portal's per-IP limit answers 429."""
    code = typed_text(code, "code")
    if not code:
        message = _("Enter the code we sent you.")
        raise InvalidInput(message, details={"code": [message]})
    if not session.unverified:
        return Proof(session, False)
    if session.claimed_order_id is None or session.proof_code_id is None:
        message = _("Ask for a code first.")
        raise InvalidInput(message, details={"code": [message]})
    customer, order = portal.verify_code(
        order_number=session.claimed_order.number,  # type: ignore[union-attr]  # claimed_order_id: an order
        code=code,
        ip=ip,
        code_id=session.proof_code_id or 0,
    )
    if customer.pk != session.customer_id:  # the order changed hands since: not this chat's customer
        raise InvalidInput(_("This code is not valid or has expired. Ask for a new one."))
    with override(settings.LANGUAGE_CODE):
        note = _("Live chat: the visitor entered the one-time code sent for order %(order)s; verified.") % {
            "order": order.number
        }
    return Proof(_verify(session=session, by="code", actor=None, note=note), True)


def _verify(*, session: ChatSession, by: str, actor, note: str) -> ChatSession:
    with transaction.atomic():
        locked = ChatSession.objects.select_for_update(of=("self",)).select_related("case").get(pk=session.pk)
        if locked.unverified:
            locked.verified_at, locked.verified_by = clock.now(), by
            locked.save(update_fields=["verified_at", "verified_by"])
            if locked.case is not None:
                record_event(
                    case=locked.case,
                    type=EventType.NOTE,
                    actor=actor,
                    note=note,
                    data={SENDER_VERIFIED: True, "chat_session": locked.pk, "proof": by},
                )
    session.verified_at, session.verified_by = locked.verified_at, locked.verified_by
    return session


def link_chats(*, case: Case, actor, reason: str) -> list[ChatSession]:
    """An agent who checked who the visitor is (asked what only the customer knows) links the
    case's unverified chats to its customer: they become verified channels, with the reason in a
    case event. Who: staff who may work cases (else 403); a reason is required (else 400)."""
    if actor is None or not actor.has_perm(WORK):
        raise Forbidden(_("Only an agent may link a chat to a customer."))
    reason = typed_text(reason, "reason")
    if not reason:
        message = _("Say how you checked that the visitor is the customer.")
        raise InvalidInput(message, details={"reason": [message]})
    if len(reason) > MAX_TEXT:
        message = _("The reason is too long (at most %(n)s characters).") % {"n": MAX_TEXT}
        raise InvalidInput(message, details={"reason": [message]})
    sessions = [s for s in ChatSession.objects.filter(case=case).order_by("id") if s.unverified]
    if not sessions:
        raise InvalidInput(_("No chat on this case waits to be verified."))
    with override(settings.LANGUAGE_CODE):
        note = _("The chat was linked to the customer after checking: %(reason)s") % {"reason": reason}
    return [_verify(session=s, by="agent", actor=actor, note=note) for s in sessions]
