"""Free feedback: the customers' form on the portal and the desk's handling of it (issue 7).

The keyword sorting and the row itself are ``feedback.services.submit_free_feedback``; this module
adds what the portal form needs around it (a per-IP limit, a checked contact, the category the
customer may pick) and the two writes of the desk (re-categorise, mark handled).
"""

from __future__ import annotations

import re
from datetime import datetime

from django.contrib.auth.models import User
from django.core.cache import cache
from django.db import transaction
from django.utils.translation import gettext as _

from cases.models import Channel, Customer
from core import clock, phones
from core.errors import InvalidInput
from feedback.models import FeedbackCategory, FreeFeedback
from feedback.services import submit_free_feedback

# A person on a phone sends a few; a script sends hundreds. Counted per IP address in the cache.
RATE_LIMIT = 10
RATE_WINDOW_SECONDS = 600

MAX_TEXT_SHOWN = 5000  # a refused text is shown again up to this length (the limit itself is the service's)

BY_CUSTOMER = "customer"
BY_STAFF = "staff"  # FreeFeedback.categorised_by holds 10 characters: not a username

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
PHONE = re.compile(r"^\+?[0-9][0-9 ()\-]{5,19}$")


class TooManySubmissions(InvalidInput):
    http_status = 429
    code = "too_many_attempts"


def _count_submission(ip: str) -> None:
    """Count one POST of the form from ``ip``; refuse the ones beyond the limit in the window."""
    key = f"feedback:free:ip:{ip or 'unknown'}"
    cache.add(key, 0, timeout=RATE_WINDOW_SECONDS)
    try:
        attempts = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=RATE_WINDOW_SECONDS)
        attempts = 1
    if attempts > RATE_LIMIT:
        raise TooManySubmissions(
            _("You have sent a lot of feedback in a short time. Wait a few minutes and try again.")
        )


def clean_contact(contact: str) -> str:
    """An optional email address or phone number, so that someone can get back to the customer."""
    contact = (contact or "").strip() if isinstance(contact, str) else ""
    if not contact:
        return ""
    if len(contact) > 254 or not (EMAIL.match(contact) or PHONE.match(contact)):
        raise InvalidInput(_("Give an email address or a phone number, or leave the contact empty."))
    if EMAIL.match(contact):
        return contact
    try:
        return phones.e164(contact)  # stored as E.164, like every phone number (core.phones)
    except phones.InvalidPhoneNumber as exc:
        raise InvalidInput(exc.message) from None


def submit_from_portal(
    *,
    text: str,
    ip: str,
    contact: str = "",
    category_code: str = "",
    customer: Customer | None = None,
    at: datetime | None = None,
) -> FreeFeedback:
    """Store the portal form's feedback (channel ``portal``); InvalidInput stores nothing.

    With a category the customer picked, theirs is kept (``categorised_by="customer"``) and the
    feedback goes to that category's team; without one the keywords sort it. At most
    ``RATE_LIMIT`` submissions per IP address in ``RATE_WINDOW_SECONDS``. ``customer``: the
    customer signed in on the portal (verified by a one-time code), so the feedback is theirs (in
    their export, wiped by their erasure); None for an anonymous visitor.
    """
    _count_submission(ip)
    contact = clean_contact(contact)
    category = None
    if category_code:
        category = FeedbackCategory.objects.filter(code=category_code).select_related("team").first()
        if category is None:
            raise InvalidInput(_("Choose one of the listed topics, or let us sort it."))
    with transaction.atomic():
        item = submit_free_feedback(text=text, channel=Channel.PORTAL, customer=customer, contact=contact, at=at)
        if category is not None:
            item.category, item.team, item.categorised_by, item.matched = category, category.team, BY_CUSTOMER, []
            item.save(update_fields=["category", "team", "categorised_by", "matched"])
    return item


def recategorise(*, item: FreeFeedback, category: FeedbackCategory | None, actor: User) -> FreeFeedback:
    """A person puts the feedback in ``category`` (None: uncategorised); it moves to that team."""
    item.category = category
    item.team = category.team if category is not None else None
    item.categorised_by = BY_STAFF
    item.matched = []
    item.save(update_fields=["category", "team", "categorised_by", "matched"])
    return item


def mark_handled(*, item: FreeFeedback, actor: User, at: datetime | None = None) -> FreeFeedback:
    """Mark the feedback handled (once: a second click keeps the first time)."""
    FreeFeedback.objects.filter(pk=item.pk, handled_at__isnull=True).update(handled_at=at or clock.now())
    item.refresh_from_db(fields=["handled_at"])
    return item
