"""The registry of ``core.personal_data`` for the staff's sign-in (called from ``AccountsConfig.ready``):
user accounts, tokens, two-factor devices and lock-out records are the staff's own data, kept under
the employer's policy; erasure of a customer does not touch them."""

from __future__ import annotations

from core.personal_data import not_personal

STAFF = "the staff's account and sign-in records, not a customer's data"


def register_all() -> None:
    from axes.models import AccessAttempt, AccessFailureLog, AccessLog
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group, Permission
    from django.contrib.contenttypes.models import ContentType
    from django_otp.plugins.otp_totp.models import TOTPDevice
    from rest_framework.authtoken.models import Token

    not_personal(get_user_model(), fields=["password", "username", "first_name", "last_name", "email"], reason=STAFF)
    not_personal(Group, fields=["name"], reason="a role's name")
    not_personal(Permission, fields=["name", "codename"], reason="a permission's name")
    not_personal(ContentType, fields=["app_label", "model"], reason="a model's name")
    not_personal(Token, fields=["key"], reason=STAFF)
    not_personal(TOTPDevice, fields=["name", "key"], reason=STAFF)
    attempt = ["user_agent", "ip_address", "username", "http_accept", "path_info"]
    not_personal(AccessFailureLog, fields=attempt, reason=STAFF)
    not_personal(AccessAttempt, fields=[*attempt, "get_data", "post_data"], reason=STAFF)
    not_personal(AccessLog, fields=[*attempt, "session_hash"], reason=STAFF)
