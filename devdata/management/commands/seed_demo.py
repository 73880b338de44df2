"""Demo data for a first look: ``manage.py seed_demo [--reset-passwords]``. Safe to run again."""

from django.core.management import call_command, get_commands
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from devdata import demo

POLICY_COMMAND = "load_policy_templates"


class Command(BaseCommand):
    help = _(
        "Create demo users (agent, manager, admin), teams, customers in Chinese and English, products, "
        "orders and cases in every kind and status. Running it again changes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--reset-passwords",
            action="store_true",
            help=_("Set the demo users' passwords again (DEMO_PASSWORD, or demo-<user>-2026)."),
        )

    def handle(self, *args, reset_passwords: bool, **options):
        if not demo.settings_allow_default_passwords():
            raise CommandError(
                _(
                    "seed_demo would create an admin with a published password on a site running with DEBUG off. "
                    "Set DEMO_PASSWORD to a password of your own, or run with DEBUG=1 for a local look."
                )
            )
        self.step = 0
        self.progress(_("Return policies"))
        if POLICY_COMMAND in get_commands():
            call_command(POLICY_COMMAND, stdout=self.stdout, stderr=self.stderr)
        else:
            self.stdout.write(
                "  "
                + _(
                    "The command %(command)s is not installed: no return policy loaded, so every goods case "
                    "waits for an agent's review."
                )
                % {"command": POLICY_COMMAND}
            )
        self.progress(_("Public holidays of the warehouse calendar"))
        try:
            call_command("load_holidays", calendar="warehouse", country="CN", stdout=self.stdout, stderr=self.stderr)
        except CommandError as exc:  # a year the packaged data does not cover yet: the demo goes on
            self.stdout.write("  " + str(exc))
        report = demo.seed(progress=self.progress, reset_passwords=reset_passwords)
        if report.created:
            self.stdout.write(
                "  "
                + _(
                    "Created %(teams)s teams, %(customers)s customers, %(products)s products, %(orders)s orders "
                    "and %(cases)s cases."
                )
                % report.counts
            )
        for line in report.stand_ins:
            self.stdout.write(
                "  " + _("The policy decided %(case)s otherwise; a stand-in case took its place.") % {"case": line}
            )
        for kind, status in report.missed:
            self.stderr.write(
                self.style.WARNING(
                    _("No demo case could reach %(kind)s / %(status)s: check the return policy in admin.")
                    % {"kind": kind, "status": status}
                )
            )
        self.stdout.write("")
        self.stdout.write(self.style.SUCCESS(_("Demo ready.")))
        url = demo.base_url()
        for line in demo.login_hints(url):
            self.stdout.write("  " + line)
        self.stdout.write("  " + _("Demo logins:"))
        for user in report.users:
            note = (
                "" if user.password_set else " " + _("(set when the user was created; --reset-passwords sets it again)")
            )
            self.stdout.write(f"    {user.username:<8} / {user.password}{note}")

    def progress(self, message: str) -> None:
        self.step += 1
        self.stdout.write(f"[{self.step}] {message}")
