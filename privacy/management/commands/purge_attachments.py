"""``manage.py purge_attachments [--days N] [--dry-run]``: the retention purge beat runs daily."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from privacy import services


class Command(BaseCommand):
    help = _("Delete the attachments of cases that ended more than ATTACHMENT_RETENTION_DAYS ago.")

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, help=_("Override ATTACHMENT_RETENTION_DAYS."))
        parser.add_argument("--dry-run", action="store_true", help=_("Only count what would be deleted."))

    def handle(self, *args, **options):
        try:
            result = services.purge_attachments(days=options["days"], dry_run=options["dry_run"])
        except services.PrivacyError as exc:
            raise CommandError(exc.message) from exc
        if result.cutoff is None:
            self.stdout.write(_("The retention is 0 days: attachments are kept forever; nothing deleted."))
            return
        values = {"n": result.attachments, "cases": result.cases, "date": f"{result.cutoff:%Y-%m-%d}"}
        if options["dry_run"]:
            self.stdout.write(
                _("Would delete %(n)s attachments of %(cases)s cases that ended before %(date)s.") % values
            )
        else:
            self.stdout.write(_("Deleted %(n)s attachments of %(cases)s cases that ended before %(date)s.") % values)
