"""Secrets nobody reads back (issue 16, finding 3): the channels' passwords and signing secrets, the
shop webhooks' secrets, API tokens and TOTP keys are write-only in the admin. Pages show "set" /
"not set" and a replace field (blank keeps the value), never the value: not to a manager who may
view, not to an administrator who may change. A signing secret we generate is shown once, on the
answer to the request that generated it, because it has to be handed to the shop or the
telephony provider; it is never shown again."""

from __future__ import annotations

import pytest
from django.contrib.admin.models import LogEntry
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.authtoken.models import Token

from channels_app.models import EmailInbox, PhoneLine, ShopWebhook, SocialAccount

pytestmark = pytest.mark.django_db

IMAP_PASSWORD = "imap-pw-Xq7-never-shown"
SMTP_PASSWORD = "smtp-pw-Kp2-never-shown"
INBOX_SECRET = "inbox-hook-Zr9-never-shown"
PHONE_SECRET = "phone-line-Wm4-never-shown"
SOCIAL_SECRET = "social-acct-Jd8-never-shown"
SHOP_SECRET = "shop-hook-Bv3-never-shown"
SECRETS = (IMAP_PASSWORD, SMTP_PASSWORD, INBOX_SECRET, PHONE_SECRET, SOCIAL_SECRET, SHOP_SECRET)


@pytest.fixture
def channels():
    inbox = EmailInbox.objects.create(
        code="service",
        name="Service",
        address="service@shop.example.com",
        imap_host="imap.example.com",
        imap_user="service",
        imap_password=IMAP_PASSWORD,
        smtp_host="smtp.example.com",
        smtp_user="service",
        smtp_password=SMTP_PASSWORD,
        webhook_secret=INBOX_SECRET,
    )
    line = PhoneLine.objects.create(code="hotline", name="Hotline", number="+864008001234", secret=PHONE_SECRET)
    social = SocialAccount.objects.create(code="weibo", name="Weibo", secret=SOCIAL_SECRET)
    hook = ShopWebhook.objects.create(name="Shop", url="https://shop.example.com/hooks", secret=SHOP_SECRET)
    return {"inbox": inbox, "line": line, "social": social, "hook": hook}


def admin_urls(obj) -> list[str]:
    opts = obj._meta
    prefix = f"admin:{opts.app_label}_{opts.model_name}"
    return [
        reverse(f"{prefix}_changelist"),
        reverse(f"{prefix}_change", args=[obj.pk]),
        reverse(f"{prefix}_history", args=[obj.pk]),
        reverse(f"{prefix}_delete", args=[obj.pk]),
    ]


def leaked(page: str, secrets: tuple[str, ...] = SECRETS) -> list[str]:
    return [secret for secret in secrets if secret in page]


@pytest.mark.parametrize("who", ["manager", "admin_user"])
def test_no_admin_page_of_a_channel_shows_its_secrets_to_managers_or_administrators(client, request, channels, who):
    client.force_login(request.getfixturevalue(who))
    for obj in channels.values():
        for url in admin_urls(obj):
            response = client.get(url)
            if url.endswith("/delete/") and who == "manager":
                assert response.status_code == 403
                continue
            assert response.status_code == 200, url
            assert leaked(response.content.decode()) == [], url


def test_a_manager_sees_whether_a_secret_is_set_but_not_the_secret(client, manager, channels):
    inbox = channels["inbox"]
    EmailInbox.objects.filter(pk=inbox.pk).update(smtp_password="")
    client.force_login(manager)
    page = client.get(reverse("admin:channels_app_emailinbox_change", args=[inbox.pk])).content.decode()
    assert "not set" in page and ">set<" in page.replace(" ", "")
    assert IMAP_PASSWORD not in page and INBOX_SECRET not in page


def test_an_administrator_changing_an_inbox_sees_set_and_an_empty_replace_field(client, admin_user, channels):
    client.force_login(admin_user)
    response = client.get(reverse("admin:channels_app_emailinbox_change", args=[channels["inbox"].pk]))
    form = response.context["adminform"].form
    for name in ("imap_password", "smtp_password", "webhook_secret"):
        assert form[name].value() is True, name  # the form holds whether it is set, not the value
    assert leaked(response.content.decode()) == []


def inbox_form(inbox: EmailInbox, **changes: str) -> dict[str, str]:
    data = {
        "code": inbox.code,
        "name": inbox.name,
        "address": inbox.address,
        "from_name": "",
        "active": "on",
        "team": "",
        "imap_host": inbox.imap_host,
        "imap_port": str(inbox.imap_port),
        "imap_ssl": "on",
        "imap_user": inbox.imap_user,
        "imap_password": "",
        "imap_folder": inbox.imap_folder,
        "imap_after_read": inbox.imap_after_read,
        "imap_done_folder": inbox.imap_done_folder,
        "smtp_host": inbox.smtp_host,
        "smtp_port": str(inbox.smtp_port),
        "smtp_user": inbox.smtp_user,
        "smtp_password": "",
        "smtp_tls": "on",
        "webhook_secret": "",
    }
    data.update(changes)
    return data


def test_a_blank_replace_field_keeps_the_stored_secrets(client, admin_user, channels):
    inbox = channels["inbox"]
    client.force_login(admin_user)
    response = client.post(
        reverse("admin:channels_app_emailinbox_change", args=[inbox.pk]), inbox_form(inbox, name="Renamed")
    )
    assert response.status_code == 302
    inbox.refresh_from_db()
    assert inbox.name == "Renamed"
    assert (inbox.imap_password, inbox.smtp_password, inbox.webhook_secret) == (
        IMAP_PASSWORD,
        SMTP_PASSWORD,
        INBOX_SECRET,
    )


def test_a_filled_replace_field_writes_the_new_secret_and_the_answer_does_not_echo_it(client, admin_user, channels):
    inbox = channels["inbox"]
    client.force_login(admin_user)
    response = client.post(
        reverse("admin:channels_app_emailinbox_change", args=[inbox.pk]),
        inbox_form(inbox, imap_password="new-imap-pw-Hh5"),
        follow=True,
    )
    assert response.status_code == 200
    assert "new-imap-pw-Hh5" not in response.content.decode()
    inbox.refresh_from_db()
    assert inbox.imap_password == "new-imap-pw-Hh5"
    assert inbox.smtp_password == SMTP_PASSWORD  # the other ones untouched


def test_a_form_with_an_error_does_not_send_the_typed_secret_back(client, admin_user, channels):
    inbox = channels["inbox"]
    client.force_login(admin_user)
    response = client.post(
        reverse("admin:channels_app_emailinbox_change", args=[inbox.pk]),
        inbox_form(inbox, imap_password="typed-pw-Ll1", imap_port="not-a-port"),
    )
    assert response.status_code == 200  # the form again, with its error
    assert "typed-pw-Ll1" not in response.content.decode()
    inbox.refresh_from_db()
    assert inbox.imap_password == IMAP_PASSWORD  # nothing changed


def test_a_manager_cannot_replace_a_secret(client, manager, channels):
    inbox = channels["inbox"]
    client.force_login(manager)
    response = client.post(
        reverse("admin:channels_app_emailinbox_change", args=[inbox.pk]), inbox_form(inbox, imap_password="mine")
    )
    assert response.status_code == 403
    inbox.refresh_from_db()
    assert inbox.imap_password == IMAP_PASSWORD


def phone_form(line: PhoneLine, **changes: str) -> dict[str, str]:
    data = {"code": line.code, "name": line.name, "active": "on", "team": "", "number": line.number, "secret": ""}
    data.update(changes)
    return data


def test_generating_a_new_signing_secret_shows_it_once_and_never_again(client, admin_user, channels):
    line = channels["line"]
    client.force_login(admin_user)
    url = reverse("admin:channels_app_phoneline_change", args=[line.pk])
    response = client.post(url, phone_form(line, secret_generate="on"))
    assert response.status_code == 200
    line.refresh_from_db()
    assert line.secret != PHONE_SECRET and len(line.secret) >= 32
    page = response.content.decode()
    assert line.secret in page  # once: it has to be given to the telephony provider
    assert "no-store" in response["Cache-Control"]
    for again in admin_urls(line):
        assert line.secret not in client.get(again).content.decode()


def test_adding_a_phone_line_shows_its_generated_secret_once(client, admin_user):
    client.force_login(admin_user)
    response = client.post(
        reverse("admin:channels_app_phoneline_add"),
        {"code": "line2", "name": "Line 2", "active": "on", "team": "", "number": "+864008009999", "secret": ""},
    )
    assert response.status_code == 200
    line = PhoneLine.objects.get(code="line2")
    assert len(line.secret) >= 32 and line.secret in response.content.decode()
    assert (
        line.secret not in client.get(reverse("admin:channels_app_phoneline_change", args=[line.pk])).content.decode()
    )


def test_a_secret_typed_by_the_administrator_is_stored_and_not_shown(client, admin_user, channels):
    line = channels["line"]
    client.force_login(admin_user)
    response = client.post(
        reverse("admin:channels_app_phoneline_change", args=[line.pk]), phone_form(line, secret="typed-Secret-Aa1")
    )
    assert response.status_code == 302
    line.refresh_from_db()
    assert line.secret == "typed-Secret-Aa1"


def test_an_api_token_is_not_listed_in_the_admin(client, admin_user, integration_user):
    token = Token.objects.create(user=integration_user)
    client.force_login(admin_user)
    for url in (
        reverse("admin:index"),
        reverse("admin:authtoken_tokenproxy_changelist"),
        reverse("admin:authtoken_tokenproxy_change", args=[integration_user.pk]),
        reverse("admin:authtoken_tokenproxy_history", args=[integration_user.pk]),
        reverse("admin:authtoken_tokenproxy_delete", args=[integration_user.pk]),
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert token.key not in response.content.decode(), url


def test_an_administrator_adding_an_api_token_sees_it_once(client, admin_user, integration_user):
    client.force_login(admin_user)
    response = client.post(reverse("admin:authtoken_tokenproxy_add"), {"user": integration_user.pk})
    assert response.status_code == 200
    token = Token.objects.get(user=integration_user)
    assert token.key in response.content.decode()
    assert "no-store" in response["Cache-Control"]
    for url in (reverse("admin:index"), reverse("admin:authtoken_tokenproxy_changelist")):
        assert token.key not in client.get(url).content.decode(), url  # incl. "recent actions"
    assert LogEntry.objects.filter(object_id=token.key).count() == 0
    assert LogEntry.objects.filter(object_id=str(integration_user.pk), change_message__contains="API token").exists()


def test_deleting_an_api_token_in_the_admin_revokes_it_without_printing_it(client, admin_user, integration_user):
    token = Token.objects.create(user=integration_user)
    client.force_login(admin_user)
    response = client.post(
        reverse("admin:authtoken_tokenproxy_delete", args=[integration_user.pk]), {"post": "yes"}, follow=True
    )
    assert response.status_code == 200
    assert not Token.objects.filter(user=integration_user).exists()
    assert token.key not in response.content.decode()
    assert LogEntry.objects.filter(object_id=token.key).count() == 0


def test_a_manager_cannot_open_the_api_tokens(client, manager, integration_user):
    Token.objects.create(user=integration_user)
    client.force_login(manager)
    assert client.get(reverse("admin:authtoken_tokenproxy_changelist")).status_code == 403
    assert client.post(reverse("admin:authtoken_tokenproxy_add"), {"user": manager.pk}).status_code == 403
    assert not Token.objects.filter(user=manager).exists()


def test_a_totp_key_is_not_shown_in_the_admin(client, admin_user, agent):
    device = TOTPDevice.objects.create(user=agent, name="authenticator", confirmed=True)
    client.force_login(admin_user)
    change = reverse("admin:otp_totp_totpdevice_change", args=[device.pk])
    assert device.key not in client.get(change).content.decode()
    assert client.get(reverse("admin:otp_totp_totpdevice_config", args=[device.pk])).status_code == 403
