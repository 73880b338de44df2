"""Secrets encrypted at rest: channel passwords, signing secrets, connector tokens.

Contract:

* Keys come from the environment, ``SECRET_ENCRYPTION_KEYS``: comma-separated Fernet keys (make
  one with ``make_key_command()``). The first one encrypts, every one decrypts (cryptography's
  ``MultiFernet``). Rotation: put a new key first, run ``manage.py rotate_secrets`` (every
  encrypted column is re-encrypted with it), then drop the old key.
* With ``DEBUG`` on and no key set (``make run``), one development key is derived from
  ``SECRET_KEY``; with ``DEBUG`` off a missing key stops the start in the settings, and a use
  without a key raises ``ImproperlyConfigured`` naming the variable.
* Stored values are versioned strings, ``fernet1:<token>``, so a later scheme can sit beside
  this one. An empty secret is stored empty (it says "not set", nothing more). A value without the
  prefix is plaintext written before encryption existed: it is read as it is and encrypted by the
  data migration or by ``rotate_secrets``.
* A ciphertext that no configured key opens raises ``SecretDecryptionError`` (never a silent
  empty value): the key that wrote it is missing from the list, or the value is damaged.

This module imports only cryptography and Django's settings, so ``aftersales.settings`` can use
``validate_keys`` before Django is set up.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from collections.abc import Iterable
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

PREFIX = "fernet1:"
SETTING = "SECRET_ENCRYPTION_KEYS"


def make_key_command() -> str:
    """The shell command that prints a new key, for the error messages and the docs."""
    return 'python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"'


class SecretDecryptionError(ImproperlyConfigured):
    """A stored secret that none of the configured keys opens."""


def validate_keys(keys: Iterable[str]) -> list[str]:
    """The keys, each checked to be a Fernet key (32 bytes, url-safe base64); a bad one raises
    ``ImproperlyConfigured`` naming its position, never its value."""
    checked = []
    for position, key in enumerate(keys, start=1):
        try:
            raw = base64.urlsafe_b64decode(key.encode())
        except (binascii.Error, ValueError):
            raw = b""
        if len(raw) != 32:
            raise ImproperlyConfigured(
                f"{SETTING}: key number {position} is not a Fernet key (32 bytes in url-safe base64). "
                f"Make one with: {make_key_command()}"
            )
        checked.append(key)
    return checked


def missing_keys_message() -> str:
    return (
        f"{SETTING} is not set and DEBUG is off: secrets are encrypted at rest with it. "
        f"Make a key with: {make_key_command()} and set {SETTING}=<the key> in the environment "
        "(comma-separated when rotating: the new key first)."
    )


def development_key(secret_key: str) -> str:
    """A key derived from SECRET_KEY, for DEBUG runs with no key set (never used with DEBUG off)."""
    digest = hashlib.sha256(b"aftersales.core.crypto.development-key:" + secret_key.encode()).digest()
    return base64.urlsafe_b64encode(digest).decode()


def configured_keys() -> tuple[str, ...]:
    keys = tuple(getattr(settings, SETTING, None) or ())
    if keys:
        return keys
    if settings.DEBUG:
        return (development_key(settings.SECRET_KEY),)
    raise ImproperlyConfigured(missing_keys_message())


@lru_cache(maxsize=8)
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([Fernet(key) for key in validate_keys(keys)])


def fernet() -> MultiFernet:
    return _fernet(configured_keys())


def is_ciphertext(stored: str | None) -> bool:
    return bool(stored and stored.startswith(PREFIX))


def encrypt(plaintext: str) -> str:
    """The stored form of ``plaintext`` (empty stays empty), encrypted with the first key."""
    if not plaintext:
        return plaintext
    return PREFIX + fernet().encrypt(plaintext.encode()).decode()


def decrypt(stored: str) -> str:
    """The plaintext of a stored value (legacy plaintext is returned as it is)."""
    if not is_ciphertext(stored):
        return stored
    try:
        return fernet().decrypt(stored[len(PREFIX) :].encode()).decode()
    except InvalidToken as exc:
        raise SecretDecryptionError(
            f"A stored secret cannot be decrypted with any key in {SETTING}: the key that encrypted it "
            "is missing (keep the old key after the new one until `manage.py rotate_secrets` has run) "
            "or the stored value is damaged."
        ) from exc
