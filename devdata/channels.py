"""The demo channels of a first look (``manage.py seed_demo_channels``, run by ``make run``): an inbox
fed by the webhook, a chat widget, a social account with the console adapter and a phone line.
Idempotent."""

from __future__ import annotations

from dataclasses import dataclass

from channels_app.models import ChatWidget, EmailInbox, PhoneLine, SocialAccount


@dataclass(frozen=True)
class DemoChannels:
    inbox: EmailInbox
    widget: ChatWidget
    social: SocialAccount
    line: PhoneLine


def seed_channels() -> DemoChannels:
    """Create the demo inbox, chat widget, social account and phone line unless they exist."""
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
    return DemoChannels(inbox=inbox, widget=widget, social=social, line=line)
