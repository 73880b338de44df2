"""factory_boy factories for the channels_app: the configured channels (inboxes, chat widgets,
social accounts, phone lines) and the shop's webhooks. Secrets and keys keep the models' own
random defaults; pass one when the test is about it."""

from __future__ import annotations

import factory

from channels_app.models import ChatWidget, EmailInbox, PhoneLine, ShopWebhook, SocialAccount


class EmailInboxFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = EmailInbox

    code = factory.Sequence(lambda n: f"inbox-{n}")
    name = factory.Sequence(lambda n: f"Service mail {n}")
    address = factory.Sequence(lambda n: f"service{n}@shop.example.com")


class ChatWidgetFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ChatWidget

    code = factory.Sequence(lambda n: f"chat-{n}")
    name = factory.Sequence(lambda n: f"Shop chat {n}")


class SocialAccountFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SocialAccount

    code = factory.Sequence(lambda n: f"social-{n}")
    name = factory.Sequence(lambda n: f"Social {n}")


class PhoneLineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PhoneLine

    code = factory.Sequence(lambda n: f"phone-{n}")
    name = factory.Sequence(lambda n: f"Hotline {n}")
    number = factory.Sequence(lambda n: f"+86400{n:07d}")


class ShopWebhookFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ShopWebhook

    name = factory.Sequence(lambda n: f"Shop hook {n}")
    url = factory.Sequence(lambda n: f"https://shop.example.com/hooks/{n}")
