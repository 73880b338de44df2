"""One customer however many channels they write on: contact identities, matching and merging.

Matching order (DESIGN.md §1): a known identity (email address, phone number, social handle);
then the customer's own email / phone on the ``Customer`` row (customers the shop pushed in);
then an order number mentioned in the message (the sender is then *unverified* for that
customer, and the case is flagged for an agent); else a new customer.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils.translation import gettext as _

from cases.models import Case, Customer, EventType, Order
from cases.services import record_event
from channels_app.models import ChatSession, ContactIdentity, IdentityKind, Message
from core import phones
from core.errors import Forbidden, InvalidInput

ORDER_TOKEN = re.compile(r"(?<![\w-])([A-Za-z0-9][A-Za-z0-9_-]{4,39})(?![\w-])")
CJK = re.compile(r"[\u3400-\u9fff]")
MAX_ORDER_TOKENS = 40


def normal_email(value: str) -> str:
    return (value or "").strip().lower()


def normal_phone(value: str) -> str:
    """E.164 ('+86 138-0013-8000' -> '+8613800138000', read in PHONE_DEFAULT_REGION without a
    country code); '' for a value that is not a valid number, which then matches nobody."""
    return phones.e164_or_none(value) or ""


def normal_handle(value: str) -> str:
    return (value or "").strip().lstrip("@").lower()


NORMALISERS: dict[str, Callable[[str], str]] = {
    IdentityKind.EMAIL: normal_email,
    IdentityKind.PHONE: normal_phone,
    IdentityKind.SOCIAL: normal_handle,
}


def guess_language(text: str) -> str:
    return "zh-hans" if CJK.search(text or "") else "en"


@dataclass(frozen=True)
class Match:
    customer: Customer
    identity: ContactIdentity | None  # None: a phone number that does not parse matches nobody
    how: str  # "identity", "customer", "order", "new"
    order: Order | None = None

    @property
    def verified(self) -> bool:
        return self.identity is not None and self.identity.verified


def _customer_by_contact(kind: str, value: str) -> Customer | None:
    if kind == IdentityKind.EMAIL:
        return Customer.objects.filter(email__iexact=value).order_by("id").first()  # customer_by_email_ci
    if kind == IdentityKind.PHONE:
        return Customer.objects.filter(phone=value).order_by("id").first()  # customer_by_phone, E.164
    return None


def orders_mentioned(*texts: str) -> list[Order]:
    """Orders whose number appears in the texts (exact, indexed lookups, a bounded number of tokens)."""
    tokens: list[str] = []
    for text in texts:
        for token in ORDER_TOKEN.findall(text or ""):
            if any(ch.isdigit() for ch in token) and token not in tokens:
                tokens.append(token)
    if not tokens:
        return []
    tokens = tokens[:MAX_ORDER_TOKENS]
    found = {o.number: o for o in Order.objects.filter(number__in=tokens).select_related("customer")}
    return [found[t] for t in tokens if t in found]


def _identity(customer: Customer, kind: str, value: str, provider: str, display: str, verified: bool):
    """Get or create the identity; a concurrent intake creating the same one wins and we use theirs."""
    try:
        with transaction.atomic():
            return ContactIdentity.objects.create(
                customer=customer, kind=kind, provider=provider, value=value, display=display[:254], verified=verified
            )
    except IntegrityError:
        return ContactIdentity.objects.select_related("customer").get(kind=kind, provider=provider, value=value)


def match_sender(*, kind: str, value: str, provider: str = "", name: str = "", texts: tuple[str, ...] = ()) -> Match:
    """Find (or create) the customer behind a sender. Call inside the intake's transaction."""
    display = value
    value = NORMALISERS[kind](value)
    if kind == IdentityKind.PHONE and not value and (display or "").strip():
        # A number that does not parse is not guessed at: it matches no identity, no customer and
        # no order, and it is not stored as an identity that a later caller could match.
        name = (name or display.strip())[:200]
        return Match(Customer.objects.create(name=name, language=guess_language(" ".join(texts) + name)), None, "new")
    if not value:
        raise InvalidInput(_("The message names no sender we can answer."))
    provider = provider if kind == IdentityKind.SOCIAL else ""
    known = ContactIdentity.objects.select_related("customer").filter(kind=kind, provider=provider, value=value).first()
    if known is not None:
        return Match(known.customer, known, "identity")
    customer = _customer_by_contact(kind, value)
    if customer is not None:
        return Match(customer, _identity(customer, kind, value, provider, display, True), "customer")
    orders = orders_mentioned(*texts)
    if orders:
        order = orders[0]
        identity = _identity(order.customer, kind, value, provider, display, False)
        return Match(identity.customer, identity, "order" if not identity.verified else "identity", order)
    fields = {"name": (name or display or value)[:200], "language": guess_language(" ".join(texts) + name)}
    if kind == IdentityKind.EMAIL:
        fields["email"] = value
    elif kind == IdentityKind.PHONE:
        fields["phone"] = value
    customer = Customer.objects.create(**fields)
    identity = _identity(customer, kind, value, provider, display, True)
    if identity.customer_id != customer.pk:
        # A concurrent message from the same new sender created the customer first: use theirs
        # and drop ours (nothing refers to it yet).
        customer.delete()
        return Match(identity.customer, identity, "identity")
    return Match(customer, identity, "new")


def is_participant(*, case: Case, match: Match, sender_key: str, verified: bool = True) -> bool:
    """The sender may write on the case: it is the case's customer by a verified identity, or they
    have written on this very case before (a sender matched by order number who opened it)."""
    if match.customer.pk == case.customer_id and match.verified and verified:
        return True
    return Message.objects.filter(case=case, direction="in", data__sender_key=sender_key).exists()


def merge_customers(*, source: Customer, target: Customer, actor: User) -> Customer:
    """Merge ``source`` into ``target``: its identities, orders, cases, chats and messages move over,
    every moved case notes it in its timeline, and ``source`` is deleted. One transaction."""
    if not actor.has_perm("cases.change_customer") or not actor.has_perm("channels_app.change_contactidentity"):
        raise Forbidden(_("Only a manager may merge customers."))
    if source.pk == target.pk:
        raise InvalidInput(_("Choose two different customers to merge."))
    with transaction.atomic():
        locked = {c.pk: c for c in Customer.objects.select_for_update().filter(pk__in=[source.pk, target.pk])}
        if len(locked) != 2:
            raise InvalidInput(_("One of the customers no longer exists; reload the page."))
        source, target = locked[source.pk], locked[target.pk]
        for identity in ContactIdentity.objects.filter(customer=source):
            identity.customer = target
            identity.save(update_fields=["customer"])
        for kind, value in ((IdentityKind.EMAIL, source.email), (IdentityKind.PHONE, source.phone)):
            if value and NORMALISERS[kind](value):
                _identity(target, kind, NORMALISERS[kind](value), "", value, True)
        Order.objects.filter(customer=source).update(customer=target)
        ChatSession.objects.filter(customer=source).update(customer=target)
        Message.objects.filter(customer=source).update(customer=target)
        moved = list(Case.objects.filter(customer=source).order_by("id"))
        Case.objects.filter(customer=source).update(customer=target, version=F("version") + 1)
        updates = [f for f in ("email", "phone") if not getattr(target, f) and getattr(source, f)]
        for field in updates:
            setattr(target, field, getattr(source, field))
        if source.tier == "vip" and target.tier != "vip":
            target.tier = "vip"
            updates.append("tier")
        if updates:
            target.save(update_fields=updates)
        note = _("Customer %(source)s (#%(sid)s) was merged into %(target)s (#%(tid)s).") % {
            "source": source.name,
            "sid": source.pk,
            "target": target.name,
            "tid": target.pk,
        }
        for case in moved:
            case.customer = target
            record_event(
                case=case,
                type=EventType.UPDATED,
                actor=actor,
                note=note,
                data={"fields": ["customer"], "merged_customer": source.pk},
            )
        source.delete()
    return target
