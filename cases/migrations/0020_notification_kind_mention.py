from django.db import migrations, models


class Migration(migrations.Migration):
    """Notifications gain the kind "mention" (an @name in an internal note, issue 18); choices only."""

    dependencies = [
        ("cases", "0019_attachment_checked_types"),
    ]

    operations = [
        migrations.AlterField(
            model_name="notification",
            name="kind",
            field=models.CharField(
                choices=[
                    ("sla_warning", "SLA warning"),
                    ("sla_breach", "SLA breached"),
                    ("ship_reminder", "Reminder to ship the return"),
                    ("shipment_stalled", "Shipment without movement"),
                    ("revisit", "Revisit task"),
                    ("case_update", "Case update"),
                    ("mention", "Mentioned in a note"),
                ],
                max_length=20,
                verbose_name="kind",
            ),
        ),
    ]
