"""Load public holidays and make-up working days into a business calendar.

``manage.py load_holidays --calendar warehouse --country CN --years 2025 2026``
``manage.py load_holidays --calendar cs-hours --file days.json``
"""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.exceptions import InvalidInput
from cases.models import BusinessCalendar
from cases.sla.holidays import china_days, country_days, file_days, load_days


class Command(BaseCommand):
    help = _(
        "Load public holidays (and China's make-up working days) into a business calendar, from the "
        "packaged data of a country or from a JSON/CSV file. Safe to run again."
    )

    def add_arguments(self, parser):
        parser.add_argument("--calendar", required=True, help=_("The calendar's code, e.g. warehouse."))
        source = parser.add_mutually_exclusive_group(required=True)
        source.add_argument("--country", help=_("CN (holidays and make-up working days), or another ISO code."))
        source.add_argument("--file", type=Path, help=_("A JSON list of {date, kind, name} or a CSV date,kind,name."))
        parser.add_argument(
            "--years", type=int, nargs="+", help=_("The years to load with --country (default: this year).")
        )
        parser.add_argument(
            "--replace", action="store_true", help=_("Remove the calendar's other days of those years.")
        )
        parser.add_argument("--create", action="store_true", help=_("Create the calendar (office hours) if missing."))

    def handle(self, *args, calendar, country, file, years, replace, create, **options):
        found = BusinessCalendar.objects.filter(code=calendar).first()
        if found is None and create:
            found = BusinessCalendar.objects.create(code=calendar, name=calendar, time_zone=settings.TIME_ZONE)
        if found is None:
            codes = ", ".join(BusinessCalendar.objects.order_by("code").values_list("code", flat=True)) or "—"
            raise CommandError(
                _("There is no calendar “%(code)s”. Existing calendars: %(codes)s. Add --create to create it.")
                % {"code": calendar, "codes": codes}
            )
        if years is None:
            years = [timezone.localdate().year] if country else None
        try:
            if file is not None:
                days = file_days(file)
            elif country.upper() == "CN":
                days = china_days(years)
            else:
                days = country_days(country, years)
            report = load_days(calendar=found, days=days, replace_years=years if replace else None)
        except InvalidInput as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            self.style.SUCCESS(
                _(
                    "Calendar %(code)s: %(created)s days added, %(updated)s updated, %(unchanged)s unchanged, "
                    "%(removed)s removed."
                )
                % {
                    "code": found.code,
                    "created": report.created,
                    "updated": report.updated,
                    "unchanged": report.unchanged,
                    "removed": report.removed,
                }
            )
        )
