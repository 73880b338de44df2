"""Admin of the channels: every model is there and renders; managers read the logs and merge
customers, agents do not; secrets and mail servers are the administrators'."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.contrib import admin
from django.urls import reverse
from django.utils import timezone

from cases.models import Customer
from channels_app.models import (
    ChatSession,
    ChatWidget,
    ContactIdentity,
    EmailInbox,
    Message,
    PhoneLine,
    RawEmail,
    SocialAccount,
)
from tests.cases.factories import CaseFactory, CustomerFactory

pytestmark = pytest.mark.django_db

MODELS = list(apps.get_app_config("channels_app").get_models())


def test_every_channels_model_is_in_the_admin():
    missing = [
        m.__name__
        for m in MODELS
        if not admin.site.is_registered(m) and m.__name__ not in ("PortalCode", "MessageAttachment")
    ]
    # (message attachments are shown inline on their message)
    assert missing == []


@pytest.fixture
def rows():
    customer = CustomerFactory()
    case = CaseFactory(customer=customer)
    inbox = EmailInbox.objects.create(code="in", name="In", address="in@example.com")
    widget = ChatWidget.objects.create(code="w", name="W")
    SocialAccount.objects.create(code="s", name="S")
    PhoneLine.objects.create(code="p", name="P", number="+864001")
    ContactIdentity.objects.create(customer=customer, kind="email", value="x@example.com")
    ChatSession.objects.create(widget=widget, customer=customer, case=case, started_at=timezone.now())
    message = Message.objects.create(
        direction="in",
        channel="email",
        case=case,
        inbox=inbox,
        status="received",
        created_at=timezone.now(),
        html='<img src=x onerror="alert(1)">',
        text="hello",
    )
    RawEmail.objects.create(message=message, content=b"From: x\r\n\r\nhello", size=18)
    return customer


@pytest.mark.parametrize("model", [m for m in MODELS if admin.site.is_registered(m)], ids=lambda m: m.__name__)
def test_channels_admin_pages_render_for_an_admin(client, admin_user, rows, model):
    client.force_login(admin_user)
    opts = model._meta
    assert client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")).status_code == 200
    obj = model.objects.first()
    if obj is not None:
        page = client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk]))
        assert page.status_code == 200
        assert b'onerror="alert' not in page.content


def test_a_manager_reads_the_message_log_but_not_the_inbox_passwords(client, manager, rows):
    client.force_login(manager)
    assert client.get(reverse("admin:channels_app_message_changelist")).status_code == 200
    inbox = EmailInbox.objects.get()
    page = client.get(reverse("admin:channels_app_emailinbox_change", args=[inbox.pk]))
    assert page.status_code == 200
    assert b'name="imap_password"' not in page.content  # view only: no form to read or change it
    assert client.post(reverse("admin:channels_app_emailinbox_add"), {}).status_code == 403


def test_an_agent_cannot_open_the_channels_configuration(client, agent, rows):
    client.force_login(agent)
    assert client.get(reverse("admin:channels_app_emailinbox_changelist")).status_code == 403
    assert client.get(reverse("admin:channels_app_socialaccount_changelist")).status_code == 403


def merge_post(client, ids, **extra):
    return client.post(
        reverse("admin:cases_customer_changelist"),
        {"action": "merge_selected", admin.helpers.ACTION_CHECKBOX_NAME: [str(i) for i in ids], **extra},
    )


def test_a_manager_merges_customers_from_the_admin_after_choosing_whom_to_keep(client, manager):
    keep, dup = CustomerFactory(name="Keep"), CustomerFactory(name="Dup")
    case = CaseFactory(customer=dup)
    client.force_login(manager)
    confirm = merge_post(client, [keep.pk, dup.pk])
    assert confirm.status_code == 200 and b"Keep" in confirm.content
    assert Customer.objects.filter(pk=dup.pk).exists()  # nothing merged before the choice
    done = merge_post(client, [keep.pk, dup.pk], target=str(keep.pk))
    assert done.status_code == 302
    case.refresh_from_db()
    assert case.customer == keep and not Customer.objects.filter(pk=dup.pk).exists()


def test_an_agent_cannot_merge_customers(client, agent):
    a, b = CustomerFactory(), CustomerFactory()
    client.force_login(agent)
    assert b"merge_selected" not in client.get(reverse("admin:cases_customer_changelist")).content
    merge_post(client, [a.pk, b.pk], target=str(a.pk))  # forged: the action is not theirs
    assert Customer.objects.filter(pk__in=[a.pk, b.pk]).count() == 2
