"""``manage.py export_customer <id> [--output FILE] [--zip]``: everything held about one customer.

JSON on the standard output, or into FILE; ``--zip`` (or a FILE ending in .zip) adds the attachment
files and the raw emails. The export is recorded in the audit log."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from privacy import services
from privacy.management.commands._customer import add_customer_arguments, find_actor, find_customer


class Command(BaseCommand):
    help = _("Export everything held about one customer (JSON, or a zip with the files).")

    def add_arguments(self, parser):
        add_customer_arguments(parser)
        parser.add_argument("--output", "-o", help=_("Write to this file (default: the standard output)."))
        parser.add_argument("--zip", action="store_true", help=_("A zip with the attachment files and raw emails."))

    def handle(self, *args, **options):
        customer = find_customer(options)
        actor = find_actor(options)
        output = options.get("output")
        zipped = options["zip"] or bool(output and output.endswith(".zip"))
        if zipped and not output:
            raise CommandError(_("A zip needs --output FILE."))
        if output and not Path(output).resolve().parent.is_dir():
            raise CommandError(_("The folder of %(file)s does not exist.") % {"file": output})
        err = self.stderr
        err.write(_("Exporting customer %(id)s…") % {"id": customer.pk})
        try:
            content = services.export_customer(
                customer=customer,
                actor=actor,
                zipped=zipped,
                progress=lambda name: err.write("  " + _("file %(name)s") % {"name": name}),
            )
        except services.PrivacyError as exc:
            raise CommandError(exc.message) from exc
        if output:
            Path(output).write_bytes(content)
            err.write(self.style.SUCCESS(_("Wrote %(n)s bytes to %(file)s.") % {"n": len(content), "file": output}))
        else:
            self.stdout.write(content.decode())
