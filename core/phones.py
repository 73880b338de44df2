"""Phone numbers, one way everywhere: parsed with ``phonenumbers`` and stored as E.164 (``+8613800138000``).

A number written without a country code is read in ``PHONE_DEFAULT_REGION`` (``CN`` by default), so
``13800138000``, ``+86 138 0013 8000``, ``0086 138 0013 8000`` and ``138-0013-8000`` are one number,
and ``+1 415 555 0100`` stays the American number it is. A number that does not parse, or that the
numbering plan of its country says cannot exist, is not guessed at:

- ``e164`` raises ``InvalidPhoneNumber`` (for a number a person typed: show them the message);
- ``e164_or_none`` gives ``None`` (intake: keep such a value out of identity matching);
- ``e164_or_raw`` gives the value unchanged (converting stored rows: leave what cannot be read).
"""

from __future__ import annotations

from typing import Any, cast

import phonenumbers
from django import forms
from django.conf import settings
from django.utils.translation import gettext as _

MAX_INPUT = 64  # longer than any written number; the parser is not fed more


class InvalidPhoneNumber(ValueError):
    """The text is not a phone number that can exist; ``message`` says so to the person who typed it."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def default_region() -> str:
    return getattr(settings, "PHONE_DEFAULT_REGION", "CN") or "CN"


def e164(value: str, *, region: str | None = None) -> str:
    """The E.164 form of ``value``; ``InvalidPhoneNumber`` for text that is not a valid number."""
    text = (value or "").strip()
    if not text:
        raise InvalidPhoneNumber(_("Give a phone number."))
    if len(text) > MAX_INPUT:
        raise InvalidPhoneNumber(_("The phone number is too long (at most %(n)s characters).") % {"n": MAX_INPUT})
    try:
        number = phonenumbers.parse(text, region or default_region())
    except phonenumbers.NumberParseException:
        raise InvalidPhoneNumber(
            _("“%(value)s” is not a phone number. Write it with its country code, e.g. +86 138 0013 8000.")
            % {"value": text}
        ) from None
    if not phonenumbers.is_valid_number(number):
        raise InvalidPhoneNumber(
            _("%(value)s is not a valid phone number. Check the digits and the country code, e.g. +86 138 0013 8000.")
            % {"value": text}
        )
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def e164_or_none(value: str, *, region: str | None = None) -> str | None:
    try:
        return e164(value, region=region)
    except InvalidPhoneNumber:
        return None


def e164_or_raw(value: str, *, region: str | None = None) -> str:
    """E.164 when ``value`` reads as a valid number, else ``value`` exactly as it was (empty stays empty)."""
    return e164_or_none(value, region=region) or value


class PhoneNumberField(forms.CharField):
    """A form field that cleans to E.164 and says why a number is refused."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", MAX_INPUT)
        super().__init__(**kwargs)

    def to_python(self, value: Any | None) -> str:
        value = super().to_python(value)
        if value in self.empty_values:
            return ""
        try:
            return e164(cast(str, value))  # not None: None is one of empty_values
        except InvalidPhoneNumber as exc:
            raise forms.ValidationError(exc.message, code="invalid_phone") from None
