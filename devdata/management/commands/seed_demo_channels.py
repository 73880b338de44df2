"""Demo channels for a first look (``make run``); the work is ``devdata.channels.seed_channels``.
Prints the secrets a developer needs to post to the webhooks."""

from __future__ import annotations

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from devdata.channels import seed_channels


class Command(BaseCommand):
    help = _("Create the demo email inbox, chat widget, social account and phone line (idempotent).")

    def handle(self, *args, **options):
        made = seed_channels()
        self.stdout.write(
            _(
                "Demo channels: inbox %(inbox)s, chat widget key %(key)s, "
                "social account %(social)s, phone line %(line)s."
            )
            % {
                "inbox": made.inbox.address,
                "key": made.widget.key,
                "social": made.social.code,
                "line": made.line.number,
            }
        )
