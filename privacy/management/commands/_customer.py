"""Finding the one customer a privacy command is about, with clear errors."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.management.base import CommandError
from django.utils.translation import gettext as _

from cases.models import Customer


def add_customer_arguments(parser) -> None:
    parser.add_argument("customer", nargs="?", help=_("The customer's id here."))
    parser.add_argument("--email", help=_("Find the customer by email address instead."))
    parser.add_argument("--external-id", help=_("Find the customer by the shop's customer id instead."))
    parser.add_argument("--actor", help=_("The username the audit log records as having done it."))


def find_customer(options) -> Customer:
    given = [k for k in ("customer", "email", "external_id") if options.get(k)]
    if len(given) != 1:
        raise CommandError(_("Name exactly one customer: an id, --email or --external-id."))
    if options.get("customer"):
        if not str(options["customer"]).isdigit():
            raise CommandError(_("The customer id must be a number, not “%(value)s”.") % {"value": options["customer"]})
        found = Customer.objects.filter(pk=int(options["customer"]))
    elif options.get("email"):
        found = Customer.objects.filter(email__iexact=options["email"])
    else:
        found = Customer.objects.filter(external_id=options["external_id"])
    rows = list(found[:2])
    if not rows:
        raise CommandError(_("There is no such customer."))
    if len(rows) > 1:
        raise CommandError(_("More than one customer has that email address; name the customer by id."))
    return rows[0]


def find_actor(options):
    if not options.get("actor"):
        return None
    user = get_user_model().objects.filter(username=options["actor"]).first()
    if user is None:
        raise CommandError(_("There is no user “%(name)s”.") % {"name": options["actor"]})
    return user
