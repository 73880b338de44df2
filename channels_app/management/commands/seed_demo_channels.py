"""Demo channels for a first look (``make run``): an inbox fed by the webhook, a chat widget, a
social account with the console adapter and a phone line. Idempotent; prints the secrets a
developer needs to post to the webhooks."""

from __future__ import annotations

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from channels_app.models import ChatWidget, EmailInbox, PhoneLine, SocialAccount


class Command(BaseCommand):
    help = _("Create the demo email inbox, chat widget, social account and phone line (idempotent).")

    def handle(self, *args, **options):
        inbox, _created = EmailInbox.objects.get_or_create(
            code="service", defaults={"name": "售后服务 Service", "address": "service@shop.example.com"}
        )
        widget, _created = ChatWidget.objects.get_or_create(
            code="shop", defaults={"name": "Shop chat", "greeting": "您好！有什么可以帮您？ Hello! How can we help?"}
        )
        social, _created = SocialAccount.objects.get_or_create(
            code="weibo", defaults={"name": "Weibo (console)", "provider": "console"}
        )
        line, _created = PhoneLine.objects.get_or_create(
            code="hotline", defaults={"name": "400 hotline", "number": "+864008001234"}
        )
        self.stdout.write(
            _(
                "Demo channels: inbox %(inbox)s, chat widget key %(key)s, "
                "social account %(social)s, phone line %(line)s."
            )
            % {"inbox": inbox.address, "key": widget.key, "social": social.code, "line": line.number}
        )
