"""The login forms of the workbench and the admin: the password as before, then, for a user who
enrolled an authenticator app, its current 6-digit code.

A wrong code counts as a failed login for django-axes (the same lock-out as wrong passwords), and
the refusal reads the same whether the password or the code was wrong, so the form does not tell
a guesser that the password was right.
"""

from __future__ import annotations

from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.signals import user_login_failed
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.services import check_code, clean_token
from core.client_ip import client_ip

INVALID_LOGIN = _(
    "Your username, password or authentication code did not match. Try again. "
    "Usernames and passwords are case-sensitive."
)


class TwoFactorLoginMixin:
    """Adds ``otp_token`` and checks it after the password, for users with a confirmed TOTP device."""

    request: HttpRequest | None  # set by AuthenticationForm, which this is mixed into

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["otp_token"] = forms.CharField(
            label=_("Authentication code"),
            required=False,
            max_length=12,
            help_text=_("Only if you set up two-factor sign-in: the 6-digit code from your authenticator app."),
        )
        self.error_messages = {**self.error_messages, "invalid_login": INVALID_LOGIN}

    def clean(self):
        cleaned = super().clean()
        user = self.get_user()
        if user is None:
            return cleaned
        device = self._checked_device(user, clean_token(cleaned.get("otp_token", "")))
        if device is False:
            # Counted by django-axes like a wrong password (it listens to this signal).
            user_login_failed.send(
                sender=__name__,
                credentials={"username": cleaned.get("username"), "password": "********"},
                request=self.request,
            )
            self.user_cache = None
            raise ValidationError(self.error_messages["invalid_login"], code="invalid_login")
        if device is not None:
            user.otp_device = device  # django-otp marks the session verified when Django logs in
        return cleaned

    def _checked_device(self, user, token: str):
        """None: the user has no two-factor; the device: the code was right; False: it was not (or
        this client address still waits after its last wrong code, ``check_code``)."""
        with transaction.atomic():
            device = TOTPDevice.objects.select_for_update().filter(user=user, confirmed=True).first()
            if device is None:
                return None
            return device if check_code(device=device, token=token, address=client_ip(self.request)) else False


class LoginForm(TwoFactorLoginMixin, AuthenticationForm):
    pass


class AdminLoginForm(TwoFactorLoginMixin, AdminAuthenticationForm):
    pass


class CodeForm(forms.Form):
    token = forms.CharField(label=_("Code from the app"), max_length=12)
