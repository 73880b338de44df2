"""No lock on a name alone: whoever knows a staff member's username (and even their password) and
hammers the sign-in from elsewhere locks only their own address; the owner, from theirs, still
gets in, and the stranger stays locked. For the password (django-axes, by username and address)
and for the two-factor code: a wrong code makes the next one from *that address* wait (1 s,
doubling), where django-otp's own throttle made every address wait, the owner's too.

Through the real sign-in pages (the workbench's and the admin's), with the client's address as
core.client_ip reads it (REMOTE_ADDR, or X-Forwarded-For behind a trusted proxy).
"""

from __future__ import annotations

import hashlib
import hmac
import struct
import time

import pytest
from django.core.cache import cache
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"
LOGINS = {"desk": "/desk/login/", "admin": "/admin/login/"}
STRANGER, OTHER_STRANGER, OWNER, PROXY = "203.0.113.66", "203.0.113.67", "198.51.100.9", "10.0.0.2"


@pytest.fixture(autouse=True)
def fresh_counts():
    cache.clear()
    yield
    cache.clear()


def code_for(device: TOTPDevice, *, steps_ahead: int = 0) -> str:
    """The code an authenticator app shows for the device's key now (RFC 6238, computed here)."""
    counter = int(time.time()) // 30 + steps_ahead
    digest = hmac.new(bytes.fromhex(device.key), struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    return f"{(struct.unpack('>I', digest[offset : offset + 4])[0] & 0x7FFFFFFF) % 1_000_000:06d}"


def wrong(code: str) -> str:
    return f"{(int(code) + 500_000) % 1_000_000:06d}"


def sign_in(where: str, address: str, *, password: str = PASSWORD, code: str | None = None, username="agent-a", **meta):
    client = Client()
    data = {"username": username, "password": password}
    if code is not None:
        data["otp_token"] = code
    response = client.post(LOGINS[where], data, REMOTE_ADDR=address, **meta)
    return response, "_auth_user_id" in client.session


@pytest.fixture
def enrolled(agent, admin_user):
    """The agent and the admin with a confirmed authenticator app each."""
    return {
        "desk": TOTPDevice.objects.create(user=agent, name="authenticator", confirmed=True),
        "admin": TOTPDevice.objects.create(user=admin_user, name="authenticator", confirmed=True),
    }


@pytest.mark.parametrize("where", ["desk", "admin"])
def test_the_owner_gets_in_while_a_stranger_stays_locked_out_of_the_password(agent, admin_user, where):
    username = "agent-a" if where == "desk" else "admin-x"
    for n in range(6):
        sign_in(where, STRANGER, password=f"wrong-{n}", username=username)

    owner, owner_in = sign_in(where, OWNER, username=username)
    stranger, stranger_in = sign_in(where, STRANGER, username=username)  # even with the right password

    assert owner.status_code == 302 and owner_in
    assert stranger.status_code == 429 and not stranger_in


@pytest.mark.parametrize("where", ["desk", "admin"])
def test_wrong_codes_from_elsewhere_do_not_make_the_owner_wait(enrolled, where):
    device = enrolled[where]
    username = device.user.username
    # A stranger who has the password (not the phone) tries codes from two addresses, below the lock.
    for address in (STRANGER, OTHER_STRANGER):
        for _ in range(4):
            sign_in(where, address, code=wrong(code_for(device)), username=username)

    owner, owner_in = sign_in(where, OWNER, code=code_for(device), username=username)

    assert owner.status_code == 302 and owner_in


def test_the_stranger_guessing_codes_stays_locked_after_the_owner_signed_in(enrolled):
    device = enrolled["desk"]
    for _ in range(5):
        sign_in("desk", STRANGER, code=wrong(code_for(device)))

    owner, owner_in = sign_in("desk", OWNER, code=code_for(device))
    TOTPDevice.objects.filter(pk=device.pk).update(last_t=-1)  # as if a minute passed: the code is fresh
    stranger, stranger_in = sign_in("desk", STRANGER, code=code_for(device))

    assert owner.status_code == 302 and owner_in
    assert stranger.status_code == 429 and not stranger_in  # the right code does not lift the lock


def test_a_wrong_code_still_makes_the_next_one_from_that_address_wait(enrolled):
    device = enrolled["desk"]
    sign_in("desk", STRANGER, code=wrong(code_for(device)))

    at_once, at_once_in = sign_in("desk", STRANGER, code=code_for(device))
    time.sleep(1.1)
    later, later_in = sign_in("desk", STRANGER, code=code_for(device))

    assert at_once.status_code == 200 and not at_once_in
    assert later.status_code == 302 and later_in


def test_behind_a_trusted_proxy_the_code_wait_is_the_guessers_not_everyones(enrolled, settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    device = enrolled["desk"]
    for _ in range(4):
        sign_in("desk", PROXY, code=wrong(code_for(device)), HTTP_X_FORWARDED_FOR=STRANGER)

    owner, owner_in = sign_in("desk", PROXY, code=code_for(device), HTTP_X_FORWARDED_FOR=OWNER)

    assert owner.status_code == 302 and owner_in
