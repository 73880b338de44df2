"""``manage.py erase_customer <id> [--yes] [--reason TEXT]``: anonymise one customer.

Names, contacts, addresses, free texts, identities, raw emails and attachment files are wiped;
cases, events, costs and scores stay, so the KPIs do not change. All or nothing."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from privacy import services
from privacy.management.commands._customer import add_customer_arguments, find_actor, find_customer


class Command(BaseCommand):
    help = _("Erase (anonymise) one customer's personal data, keeping the statistics.")

    def add_arguments(self, parser):
        add_customer_arguments(parser)
        parser.add_argument("--yes", action="store_true", help=_("Do not ask for confirmation."))
        parser.add_argument("--reason", default="", help=_("Why (the request's reference), for the audit log."))

    def handle(self, *args, **options):
        customer = find_customer(options)
        actor = find_actor(options)
        if not options["yes"]:
            question = _("Erase customer %(id)s (%(name)s)? This cannot be undone. [y/N] ") % {
                "id": customer.pk,
                "name": customer.name,
            }
            if input(question).strip().lower() not in ("y", "yes"):
                raise CommandError(_("Nothing erased."))
        self.stdout.write(_("Erasing customer %(id)s…") % {"id": customer.pk})
        try:
            result = services.erase_customer(
                customer=customer,
                actor=actor,
                reason=options["reason"],
                progress=lambda text: self.stdout.write(f"  {text}"),
            )
        except services.PrivacyError as exc:
            raise CommandError(exc.message) from exc
        summary = ", ".join(f"{k} {v}" for k, v in result.counts.items())
        self.stdout.write(
            self.style.SUCCESS(
                _("Customer %(id)s erased (%(summary)s).") % {"id": result.customer_id, "summary": summary}
            )
        )
