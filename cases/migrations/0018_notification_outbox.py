"""Notifications become rows of the kernel's outbox (core.outbox): an email status and a next attempt.

Existing rows get the status their columns already say: emailed (``sent_at`` set), nothing to email (no
address), given up (5 attempts without success, the old limit), else waiting, due at once. The unsent
index gives way to the outbox's due index.
"""

from django.db import migrations, models
from django.db.models import F, Q

MAX_ATTEMPTS = 5  # cases.notifications.MAX_ATTEMPTS when this migration was written


def backfill(apps, schema_editor):
    Notification = apps.get_model("cases", "Notification")
    unsent = Notification.objects.filter(sent_at__isnull=True)
    Notification.objects.filter(sent_at__isnull=False).update(status="sent")
    unsent.filter(email="").update(status="none")
    unsent.exclude(email="").filter(attempts__gte=MAX_ATTEMPTS).update(status="failed")
    unsent.exclude(email="").filter(attempts__lt=MAX_ATTEMPTS).update(status="pending", next_attempt_at=F("created_at"))


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0017_refund_ledger_data"),
    ]

    operations = [
        migrations.AddField(
            model_name="notification",
            name="status",
            field=models.CharField(
                choices=[
                    ("pending", "Waiting to be emailed"),
                    ("sent", "Emailed"),
                    ("failed", "Failed (gave up)"),
                    ("none", "Not emailed (no address)"),
                ],
                default="pending",
                max_length=10,
                verbose_name="email status",
            ),
        ),
        migrations.AddField(
            model_name="notification",
            name="next_attempt_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="next attempt"),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
        migrations.RemoveIndex(model_name="notification", name="notification_unsent"),
        migrations.AddIndex(
            model_name="notification",
            index=models.Index(
                condition=Q(status="pending"), fields=["next_attempt_at", "id"], name="notification_outbox_due"
            ),
        ),
    ]
