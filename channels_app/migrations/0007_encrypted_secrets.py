"""The channels' passwords and signing secrets encrypted at rest (core.fields.EncryptedCharField):
the columns become text (a ciphertext is longer than its secret), then every stored value is
encrypted with the first key of SECRET_ENCRYPTION_KEYS. The reverse writes the plaintext back."""

from django.db import migrations

import channels_app.models.config
import core.fields

SECRETS = {
    "EmailInbox": ["imap_password", "smtp_password", "webhook_secret"],
    "SocialAccount": ["secret"],
    "PhoneLine": ["secret"],
    "ShopWebhook": ["secret"],
}


def encrypt_stored(apps, schema_editor):
    for name, fields in SECRETS.items():
        core.fields.reencrypt_rows(apps.get_model("channels_app", name), fields)


def decrypt_stored(apps, schema_editor):
    for name, fields in SECRETS.items():
        core.fields.decrypt_rows(apps.get_model("channels_app", name), fields)


class Migration(migrations.Migration):
    dependencies = [
        ("channels_app", "0005_coupon_requested_event"),
        # Merge points with the other 0006 migrations of issue 16 (to be reconciled when they land).
        ("channels_app", "0006_chat_identity_proof"),
        ("channels_app", "0006_phone_e164"),
    ]

    operations = [
        migrations.AlterField(
            model_name="emailinbox",
            name="imap_password",
            field=core.fields.EncryptedCharField(blank=True, max_length=200, verbose_name="IMAP password"),
        ),
        migrations.AlterField(
            model_name="emailinbox",
            name="smtp_password",
            field=core.fields.EncryptedCharField(blank=True, max_length=200, verbose_name="SMTP password"),
        ),
        migrations.AlterField(
            model_name="emailinbox",
            name="webhook_secret",
            field=core.fields.EncryptedCharField(
                default=channels_app.models.config.new_secret,
                help_text="Signs raw messages posted in.",
                max_length=100,
                verbose_name="inbound webhook secret",
            ),
        ),
        migrations.AlterField(
            model_name="phoneline",
            name="secret",
            field=core.fields.EncryptedCharField(
                default=channels_app.models.config.new_secret, max_length=100, verbose_name="signing secret"
            ),
        ),
        migrations.AlterField(
            model_name="shopwebhook",
            name="secret",
            field=core.fields.EncryptedCharField(
                default=channels_app.models.config.new_secret, max_length=100, verbose_name="signing secret"
            ),
        ),
        migrations.AlterField(
            model_name="socialaccount",
            name="secret",
            field=core.fields.EncryptedCharField(
                default=channels_app.models.config.new_secret, max_length=100, verbose_name="signing secret"
            ),
        ),
        migrations.RunPython(encrypt_stored, decrypt_stored),
    ]
