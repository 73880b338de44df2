"""System checks of the kernel: with DEBUG off, nothing meant for a customer (one-time codes, survey
links, replies) may go to the log, a file or memory instead of out. ``manage.py migrate``,
``check`` and the web server's start (aftersales/gunicorn_conf.py) stop on these Errors.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.apps import AppConfig
from django.conf import settings
from django.core.checks import Error, Tags, register
from django.utils.module_loading import import_string

# Email backends that deliver nothing: they print, write to files, keep in memory or drop.
UNDELIVERED_EMAIL_BACKENDS = {
    "django.core.mail.backends.console.EmailBackend": "prints every email (one-time codes included) to the log",
    "django.core.mail.backends.filebased.EmailBackend": "writes every email to files on the server",
    "django.core.mail.backends.locmem.EmailBackend": "keeps every email in memory and sends none",
    "django.core.mail.backends.dummy.EmailBackend": "drops every email",
}
SMS_OFF = {"", "off"}


@register(Tags.security)
def check_outgoing_messages_are_delivered(app_configs: Sequence[AppConfig] | None = None, **kwargs: Any) -> list[Error]:
    if settings.DEBUG:
        return []
    errors = []
    backend = getattr(settings, "EMAIL_BACKEND", "")
    if backend in UNDELIVERED_EMAIL_BACKENDS:
        errors.append(
            Error(
                f"EMAIL_BACKEND is {backend} with DEBUG off: it {UNDELIVERED_EMAIL_BACKENDS[backend]}.",
                hint="Set EMAIL_HOST (and EMAIL_PORT, EMAIL_HOST_USER, EMAIL_HOST_PASSWORD) to send by SMTP, "
                "or EMAIL_BACKEND to a backend that delivers.",
                id="core.E001",
            )
        )
    sms = (getattr(settings, "PORTAL_SMS_BACKEND", "") or "").strip()
    if sms.lower() not in SMS_OFF:
        try:
            sender = import_string(sms)
        except ImportError as exc:
            errors.append(
                Error(
                    f"PORTAL_SMS_BACKEND={sms!r} cannot be imported ({exc}).",
                    hint="A dotted path to a callable(phone, text), or 'off'.",
                    id="core.E002",
                )
            )
        else:
            if getattr(sender, "development_only", False):
                errors.append(
                    Error(
                        f"PORTAL_SMS_BACKEND is {sms} with DEBUG off: it prints every text message "
                        "(one-time codes included) to the log.",
                        hint="Set PORTAL_SMS_BACKEND to your SMS gateway's callable(phone, text) (a dotted path), "
                        "or to 'off': the portal then asks for the email address on the order.",
                        id="core.E003",
                    )
                )
    return errors
