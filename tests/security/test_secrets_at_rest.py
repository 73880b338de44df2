"""Secrets encrypted at rest (core.crypto, core.fields): the database holds ciphertext; keys rotate
(new key first, ``rotate_secrets``, old key out); a missing or wrong key is a clear error, never a
silent empty secret; the data migration encrypts what was stored before and its reverse undoes it;
production refuses to start without a key or with a malformed one."""

from __future__ import annotations

import importlib
import os
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from django.apps import apps
from django.core.exceptions import FieldError, ImproperlyConfigured
from django.core.management import call_command
from django.db import connection
from django.test import override_settings

from channels_app.models import EmailInbox, PhoneLine
from core import crypto
from core.crypto import SecretDecryptionError
from tests.channels_app.factories import EmailInboxFactory, PhoneLineFactory, ShopWebhookFactory, SocialAccountFactory
from tests.production_env import production_env

REPO = Path(__file__).resolve().parents[2]
OLD_KEY = Fernet.generate_key().decode()
NEW_KEY = Fernet.generate_key().decode()


def raw(table: str, column: str, pk: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {table} WHERE id = %s", [pk])  # noqa: S608 (names are ours)
        return cursor.fetchone()[0]


def make_channels() -> dict:
    return {
        "inbox": EmailInboxFactory(
            code="in",
            name="In",
            address="in@example.com",
            imap_password="imap-Secret-1",
            smtp_password="smtp-Secret-2",
            webhook_secret="hook-Secret-3",
        ),
        "line": PhoneLineFactory(code="p", name="P", number="+864001", secret="line-Secret-4"),
        "social": SocialAccountFactory(code="s", name="S", secret="social-Secret-5"),
        "hook": ShopWebhookFactory(name="H", url="https://shop.example.com/h", secret="shop-Secret-6"),
    }


STORED = [
    ("channels_app_emailinbox", "imap_password", "inbox", "imap-Secret-1"),
    ("channels_app_emailinbox", "smtp_password", "inbox", "smtp-Secret-2"),
    ("channels_app_emailinbox", "webhook_secret", "inbox", "hook-Secret-3"),
    ("channels_app_phoneline", "secret", "line", "line-Secret-4"),
    ("channels_app_socialaccount", "secret", "social", "social-Secret-5"),
    ("channels_app_shopwebhook", "secret", "hook", "shop-Secret-6"),
]


@pytest.mark.django_db
def test_the_database_holds_ciphertext_and_the_code_reads_the_secret():
    rows = make_channels()
    for table, column, key, secret in STORED:
        stored = raw(table, column, rows[key].pk)
        assert stored.startswith("fernet1:") and secret not in stored, (table, column)
        fresh = type(rows[key]).objects.get(pk=rows[key].pk)
        assert getattr(fresh, column) == secret


@pytest.mark.django_db
def test_the_same_secret_is_stored_differently_each_time_and_an_empty_one_stays_empty():
    a = PhoneLine.objects.create(code="a", name="A", number="+861", secret="same")
    b = PhoneLine.objects.create(code="b", name="B", number="+862", secret="same")
    assert raw("channels_app_phoneline", "secret", a.pk) != raw("channels_app_phoneline", "secret", b.pk)
    inbox = EmailInbox.objects.create(code="e", name="E", address="e@example.com")
    assert raw("channels_app_emailinbox", "imap_password", inbox.pk) == ""
    assert EmailInbox.objects.get(pk=inbox.pk).imap_password == ""


@pytest.mark.django_db
def test_an_encrypted_field_cannot_be_searched_by_value():
    with pytest.raises(FieldError):
        list(PhoneLine.objects.filter(secret__startswith="line"))


@pytest.mark.django_db
def test_rotation_old_ciphertexts_open_before_and_rotate_secrets_moves_every_column_to_the_new_key():
    with override_settings(SECRET_ENCRYPTION_KEYS=[OLD_KEY]):
        rows = make_channels()
    with override_settings(SECRET_ENCRYPTION_KEYS=[NEW_KEY, OLD_KEY]):
        for table, column, key, secret in STORED:  # before rotation: still readable with the old key
            assert getattr(type(rows[key]).objects.get(pk=rows[key].pk), column) == secret
            token = raw(table, column, rows[key].pk).removeprefix("fernet1:").encode()
            assert Fernet(OLD_KEY).decrypt(token).decode() == secret
        call_command("rotate_secrets", stdout=open(os.devnull, "w"))  # noqa: SIM115
    with override_settings(SECRET_ENCRYPTION_KEYS=[NEW_KEY]):  # the old key dropped
        for table, column, key, secret in STORED:
            assert getattr(type(rows[key]).objects.get(pk=rows[key].pk), column) == secret
            token = raw(table, column, rows[key].pk).removeprefix("fernet1:").encode()
            assert Fernet(NEW_KEY).decrypt(token).decode() == secret


@pytest.mark.django_db
def test_a_secret_written_with_a_key_that_is_gone_is_a_clear_error_not_an_empty_value():
    with override_settings(SECRET_ENCRYPTION_KEYS=[OLD_KEY]):
        line = PhoneLine.objects.create(code="p", name="P", number="+864001", secret="line-Secret-4")
    with override_settings(SECRET_ENCRYPTION_KEYS=[NEW_KEY]):
        with pytest.raises(SecretDecryptionError, match="SECRET_ENCRYPTION_KEYS"):
            PhoneLine.objects.get(pk=line.pk)
        with pytest.raises(SecretDecryptionError, match="SECRET_ENCRYPTION_KEYS"):
            call_command("rotate_secrets", stdout=open(os.devnull, "w"))  # noqa: SIM115


def test_with_debug_off_and_no_key_using_a_secret_says_what_to_set_and_how_to_make_a_key():
    no_key = override_settings(SECRET_ENCRYPTION_KEYS=[], DEBUG=False)
    with no_key, pytest.raises(ImproperlyConfigured) as error:
        crypto.encrypt("x")
    assert "SECRET_ENCRYPTION_KEYS" in str(error.value) and "Fernet.generate_key()" in str(error.value)


def test_with_debug_on_and_no_key_a_development_key_comes_from_secret_key():
    with override_settings(SECRET_ENCRYPTION_KEYS=[], DEBUG=True, SECRET_KEY="one"):
        stored = crypto.encrypt("dev-secret")
        assert crypto.decrypt(stored) == "dev-secret"
    other_key = override_settings(SECRET_ENCRYPTION_KEYS=[], DEBUG=True, SECRET_KEY="another")
    with other_key, pytest.raises(SecretDecryptionError):
        crypto.decrypt(stored)


def test_a_malformed_key_is_refused_naming_its_position_not_its_value():
    with pytest.raises(ImproperlyConfigured) as error:
        crypto.validate_keys([NEW_KEY, "not-a-fernet-key"])
    assert "key number 2" in str(error.value) and "not-a-fernet-key" not in str(error.value)


@pytest.mark.django_db
def test_the_data_migration_encrypts_stored_plaintext_and_its_reverse_restores_it():
    migration = importlib.import_module("channels_app.migrations.0007_encrypted_secrets")
    rows = make_channels()
    with connection.cursor() as cursor:  # as they were stored before this change
        cursor.execute("UPDATE channels_app_phoneline SET secret = 'plain-line' WHERE id = %s", [rows["line"].pk])
        cursor.execute(
            "UPDATE channels_app_emailinbox SET imap_password = 'plain-imap' WHERE id = %s", [rows["inbox"].pk]
        )
    migration.encrypt_stored(apps, None)
    assert raw("channels_app_phoneline", "secret", rows["line"].pk).startswith("fernet1:")
    assert raw("channels_app_emailinbox", "imap_password", rows["inbox"].pk).startswith("fernet1:")
    assert PhoneLine.objects.get().secret == "plain-line" and EmailInbox.objects.get().imap_password == "plain-imap"
    migration.decrypt_stored(apps, None)
    assert raw("channels_app_phoneline", "secret", rows["line"].pk) == "plain-line"
    assert raw("channels_app_emailinbox", "webhook_secret", rows["inbox"].pk) == "hook-Secret-3"
    assert raw("channels_app_shopwebhook", "secret", rows["hook"].pk) == "shop-Secret-6"


def start_in_production(tmp_path: Path, **extra: str) -> subprocess.CompletedProcess:
    env = production_env(tmp_path, **{"SECRET_ENCRYPTION_KEYS": None, **extra})
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_production_without_an_encryption_key_does_not_start_and_says_how_to_make_one(tmp_path):
    result = start_in_production(tmp_path)
    assert result.returncode != 0
    message = result.stderr.strip().splitlines()[-1]
    assert "ImproperlyConfigured" in message and "SECRET_ENCRYPTION_KEYS" in message
    assert "Fernet.generate_key()" in message


def test_production_with_a_malformed_encryption_key_does_not_start(tmp_path):
    result = start_in_production(tmp_path, SECRET_ENCRYPTION_KEYS=f"{NEW_KEY},bad-key-Q7zz")
    assert result.returncode != 0
    message = result.stderr.strip().splitlines()[-1]
    assert "SECRET_ENCRYPTION_KEYS: key number 2" in message and "bad-key-Q7zz" not in result.stderr
    assert start_in_production(tmp_path, SECRET_ENCRYPTION_KEYS=f"{NEW_KEY},{OLD_KEY}").returncode == 0
