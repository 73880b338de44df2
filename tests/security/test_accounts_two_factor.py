"""Optional TOTP two-factor sign-in for staff (django-otp). A staff member enrols on the
workbench's page by typing the key shown into an authenticator app; from then on the workbench's
and the admin's logins need the app's current code. The codes here are computed by the test itself
from the key the page shows (RFC 6238, as any authenticator app does), not by the server's code."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import struct
import time

import pytest
from axes.models import AccessAttempt
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"
PAGE = "/desk/account/two-factor/"
REFUSED = "Your username, password or authentication code did not match"


def totp(key_b32: str, *, steps_ahead: int = 0) -> str:
    """The 6-digit code an authenticator app shows for this key now (or ``steps_ahead`` 30 s on)."""
    key = base64.b32decode(key_b32 + "=" * (-len(key_b32) % 8))
    counter = int(time.time()) // 30 + steps_ahead
    digest = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    number = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return f"{number % 1_000_000:06d}"


def wrong(code: str) -> str:
    return f"{(int(code) + 500_000) % 1_000_000:06d}"


def enrol(client: Client) -> str:
    """Open the page, read the key, confirm with the app's code; returns the key."""
    page = client.get(PAGE)
    key = re.search(r'<code id="totp-key">([A-Z2-7]+)</code>', page.content.decode()).group(1)
    assert client.post(PAGE, {"action": "confirm", "token": totp(key)}).status_code == 302
    return key


def a_minute_later(user) -> None:
    """django-otp refuses a code of a time step already used (no replay); the tests that need a
    second code move the device's last used step back, as if a minute had passed."""
    TOTPDevice.objects.filter(user=user).update(last_t=-1)


def login(where: str, password: str = PASSWORD, code: str | None = None, username: str = "agent-a"):
    client = Client()
    data = {"username": username, "password": password}
    if code is not None:
        data["otp_token"] = code
    url = "/desk/login/" if where == "desk" else "/admin/login/"
    return client, client.post(url, data, REMOTE_ADDR="203.0.113.20")


def test_a_staff_member_enrols_with_the_key_the_page_shows(client, agent):
    client.force_login(agent)
    page = client.get(PAGE)
    html = page.content.decode()
    assert page.status_code == 200 and "Two-factor sign-in is off" in html
    assert "<svg" in html  # the QR code
    key = re.search(r'<code id="totp-key">([A-Z2-7]+)</code>', html).group(1)
    assert len(key) >= 32  # 160 bits, base32
    device = TOTPDevice.objects.get(user=agent)
    assert device.confirmed is False and "issuer=After-sales" in device.config_url

    refused = client.post(PAGE, {"action": "confirm", "token": wrong(totp(key))})
    assert refused.status_code == 400 and "That code is not right" in refused.content.decode()
    assert not TOTPDevice.objects.get(user=agent).confirmed

    done = client.post(PAGE, {"action": "confirm", "token": totp(key)})
    assert done.status_code == 302
    assert TOTPDevice.objects.get(user=agent).confirmed
    assert "Two-factor sign-in is on" in client.get(PAGE).content.decode()
    assert client.session.get("otp_device_id")  # this session counts as verified


def test_reloading_the_page_keeps_the_same_pending_key(client, agent):
    client.force_login(agent)
    first = re.search(r'id="totp-key">(\w+)<', client.get(PAGE).content.decode()).group(1)
    second = re.search(r'id="totp-key">(\w+)<', client.get(PAGE).content.decode()).group(1)
    assert first == second and TOTPDevice.objects.filter(user=agent).count() == 1


@pytest.mark.parametrize("where", ["desk", "admin"])
def test_after_enrolment_the_login_needs_the_code(client, agent, admin_user, where):
    user = agent if where == "desk" else admin_user
    username = user.username
    form = Client().get("/desk/login/" if where == "desk" else "/admin/login/").content.decode()
    assert 'name="otp_token"' in form and 'autocomplete="one-time-code"' in form  # the page has the field
    client.force_login(user)
    key = enrol(client)
    a_minute_later(user)

    _, no_code = login(where, code=None, username=username)
    _, bad_code = login(where, code=wrong(totp(key)), username=username)
    time.sleep(1.1)  # after a wrong code django-otp takes no code for a while (1 s, doubling)
    signed, good = login(where, code=totp(key), username=username)

    for response in (no_code, bad_code):
        assert response.status_code == 200 and REFUSED in response.content.decode()
    assert good.status_code == 302
    assert signed.session["_auth_user_id"] == str(user.pk)
    assert signed.session["otp_device_id"] == TOTPDevice.objects.get(user=user).persistent_id


def test_a_wrong_password_and_a_wrong_code_read_the_same(client, agent):
    client.force_login(agent)
    key = enrol(client)

    _, bad_password = login("desk", password="not-the-password", code=totp(key))
    _, bad_code = login("desk", code=wrong(totp(key)))

    assert REFUSED in bad_password.content.decode() and REFUSED in bad_code.content.decode()


def test_after_a_wrong_code_even_the_right_one_waits(client, agent):
    client.force_login(agent)
    key = enrol(client)
    a_minute_later(agent)

    login("desk", code=wrong(totp(key)))
    _, at_once = login("desk", code=totp(key))
    time.sleep(1.1)
    _, after_the_wait = login("desk", code=totp(key))

    assert at_once.status_code == 200 and REFUSED in at_once.content.decode()
    assert after_the_wait.status_code == 302


def test_a_code_cannot_be_used_twice(client, agent):
    client.force_login(agent)
    key = enrol(client)
    a_minute_later(agent)
    code = totp(key, steps_ahead=1)

    _, first = login("desk", code=code)
    _, replay = login("desk", code=code)

    assert first.status_code == 302
    assert replay.status_code == 200 and REFUSED in replay.content.decode()


def test_wrong_codes_count_towards_the_lock_out(client, agent):
    client.force_login(agent)
    key = enrol(client)
    a_minute_later(agent)

    for _ in range(5):
        _, response = login("desk", code=wrong(totp(key)))
    _, right = login("desk", code=totp(key))

    assert response.status_code == 429
    assert right.status_code == 429  # locked: the right password and code are refused too
    assert AccessAttempt.objects.get(username="agent-a").failures_since_start >= 5
    assert "otp_token" in AccessAttempt.objects.get(username="agent-a").post_data  # masked, see lockout tests


def test_without_two_factor_the_password_alone_signs_in(agent):
    signed, response = login("desk")
    assert response.status_code == 302 and signed.session["_auth_user_id"] == str(agent.pk)
    assert "otp_device_id" not in signed.session


def test_turning_it_off_needs_a_current_code(client, agent):
    client.force_login(agent)
    key = enrol(client)
    a_minute_later(agent)

    refused = client.post(PAGE, {"action": "remove", "token": wrong(totp(key))})
    assert refused.status_code == 400 and TOTPDevice.objects.filter(user=agent, confirmed=True).exists()

    assert client.post(PAGE, {"action": "remove", "token": totp(key)}).status_code == 302
    assert not TOTPDevice.objects.filter(user=agent).exists()
    _, response = login("desk")
    assert response.status_code == 302  # the password alone again


def test_bad_input_on_the_page_is_a_400_that_changes_nothing(client, agent):
    client.force_login(agent)
    client.get(PAGE)

    for data in (
        {"action": "confirm"},
        {"action": "explode", "token": "123456"},
        {"action": "confirm", "token": "x" * 50},
    ):
        response = client.post(PAGE, data)
        assert response.status_code == 400, data
        assert "Enter the 6-digit code" in response.content.decode()
    assert not TOTPDevice.objects.get(user=agent).confirmed


def test_only_signed_in_staff_have_the_page(client, outsider):
    assert Client().get(PAGE)["Location"].startswith("/desk/login/")
    client.force_login(outsider)  # signed in, not staff
    assert client.get(PAGE).status_code == 403
    assert not TOTPDevice.objects.exists()
