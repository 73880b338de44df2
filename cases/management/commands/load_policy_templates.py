"""Install the shipped return policy templates: ``manage.py load_policy_templates [--region CN]``."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from cases.exceptions import InvalidInput
from cases.policy.library import load_templates


class Command(BaseCommand):
    help = _(
        "Install the statutory return policy templates of a region and the shop's default policy. "
        "Safe to run again: statutory policies are kept equal to their files, the shop's policy is left "
        "as managers edited it unless --reset-shop is given."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--region",
            default=settings.POLICY_REGION,
            help=_("CN, EU or all (default: the POLICY_REGION setting, %(default)s)."),
        )
        parser.add_argument(
            "--reset-shop", action="store_true", help=_("Overwrite the shop's own policy with the shipped template.")
        )

    def handle(self, *args, region, reset_shop, **options):
        try:
            report = load_templates(region=region, reset_shop=reset_shop)
        except InvalidInput as exc:
            raise CommandError(str(exc)) from exc
        for title, labels in (
            (_("created"), report.created),
            (_("updated"), report.updated),
            (_("unchanged"), report.unchanged),
            (_("kept as edited (use --reset-shop to overwrite)"), report.kept),
        ):
            for label in labels:
                self.stdout.write(f"  {label}: {title}")
        self.stdout.write(
            self.style.SUCCESS(
                _("Return policies for region %(region)s: %(created)s created, %(updated)s updated.")
                % {"region": region.upper(), "created": len(report.created), "updated": len(report.updated)}
            )
        )
