"""Two-factor enrolment: every write on a user's TOTP device goes through here.

A device is created unconfirmed (the page shows its key and QR code); it counts for sign-in only
once the user proved the app has it by typing a current code. A user has at most one TOTP device.
"""

from __future__ import annotations

import base64

from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.exceptions import TwoFactorError


def totp_device(*, user) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user).order_by("-confirmed", "-id").first()


@transaction.atomic
def start_totp_enrolment(*, user) -> TOTPDevice:
    """The unconfirmed device of ``user``, created (with a new random key) if there is none.
    Refused when a confirmed one exists: turn it off first."""
    device = totp_device(user=user)
    if device is not None and device.confirmed:
        raise TwoFactorError("already_enrolled")
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="authenticator", confirmed=False)
    return device


@transaction.atomic
def confirm_totp_enrolment(*, user, token: str) -> TOTPDevice:
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
def remove_totp(*, user, token: str) -> None:
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
    return device.config_url
