"""Two-factor enrolment: every write on a user's TOTP device goes through here.

A device is created unconfirmed (the page shows its key and QR code); it counts for sign-in only
once the user proved the app has it by typing a current code. A user has at most one TOTP device.

Every code at sign-in is checked by ``check_code``: after a wrong code, the next one for that device
from the same client address waits (1 s, doubling). The wait is per address, not per device (django-otp's
own throttle, switched off by OTP_TOTP_THROTTLE_FACTOR = 0, made every address wait), so someone
who knows a password cannot keep its owner out by typing wrong codes elsewhere; guessing from
many addresses meets django-axes' lock per username and address (a wrong code counts as a failed
login there). The enrolment page (confirm, remove) checks the code without a wait, as it always
did in effect (its refusal rolled django-otp's count back): only the signed-in user reaches it.
"""

from __future__ import annotations

import base64
import time
from typing import cast

from django.contrib.auth.models import User
from django.core.cache import cache
from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.exceptions import TwoFactorError

LONGEST_WAIT_SECONDS = 3600  # the doubling stops here (axes locks the address long before)


def _wait_key(device: TOTPDevice, address: str) -> str:
    return f"accounts:totp-wait:{device.pk}:{address}"


def check_code(*, device: TOTPDevice, token: str, address: str) -> bool:
    """Whether ``token`` is the device's current code, typed from client ``address``
    (core.client_ip). Refused without a look while that address still waits after its last wrong
    code (1 s after the first, doubling: 2**(failures - 1) s); a right code clears its wait, a
    wrong one counts. Other addresses are not affected. The count lives in the cache, outside any
    transaction, so a refusal that rolls back still counts."""
    key = _wait_key(device, address)
    failures, last_failure = cache.get(key) or (0, 0.0)
    now = time.time()
    if failures and now - last_failure < min(2 ** (failures - 1), LONGEST_WAIT_SECONDS):
        return False
    if token and device.verify_token(token):
        cache.delete(key)
        return True
    failures += 1
    cache.set(key, (failures, now), timeout=min(2 ** (failures - 1), LONGEST_WAIT_SECONDS) + 1)
    return False


def totp_device(*, user: User) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user).order_by("-confirmed", "-id").first()


@transaction.atomic
def start_totp_enrolment(*, user: User) -> TOTPDevice:
    """The unconfirmed device of ``user``, created (with a new random key) if there is none.
    Refused when a confirmed one exists: turn it off first."""
    device = totp_device(user=user)
    if device is not None and device.confirmed:
        raise TwoFactorError("already_enrolled")
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="authenticator", confirmed=False)
    return device


@transaction.atomic
def confirm_totp_enrolment(*, user: User, token: str) -> TOTPDevice:
    """Confirm the pending device with a current code from the app; a wrong code changes nothing."""
    device = TOTPDevice.objects.select_for_update().filter(user=user, confirmed=False).first()
    if device is None:
        raise TwoFactorError("no_pending_device")
    if not device.verify_token(clean_token(token)):
        raise TwoFactorError("wrong_code")
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    return device


@transaction.atomic
def remove_totp(*, user: User, token: str) -> None:
    """Turn two-factor off: needs a current code, so a session left open is not enough."""
    device = TOTPDevice.objects.select_for_update().filter(user=user, confirmed=True).first()
    if device is None:
        raise TwoFactorError("not_enrolled")
    if not device.verify_token(clean_token(token)):
        raise TwoFactorError("wrong_code")
    TOTPDevice.objects.filter(user=user).delete()


def clean_token(token: str) -> str:
    return "".join((token or "").split())


def base32_key(device: TOTPDevice) -> str:
    """The key as authenticator apps take it when typed in (base32, no padding)."""
    return base64.b32encode(device.bin_key).decode("ascii").rstrip("=")


def provisioning_uri(device: TOTPDevice) -> str:
    """The otpauth:// URI of the QR code (django-otp adds OTP_TOTP_ISSUER as the issuer)."""
    return cast(str, device.config_url)
