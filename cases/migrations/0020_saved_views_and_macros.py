# Saved views of the desk queue and macros (issue 18, "faster hands").

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0019_attachment_checked_types"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="Macro",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("title", models.CharField(max_length=100, verbose_name="title")),
                (
                    "tags",
                    models.CharField(
                        blank=True,
                        help_text="Comma-separated; the case keeps its other tags.",
                        max_length=200,
                        verbose_name="tags to add",
                    ),
                ),
                (
                    "priority",
                    models.CharField(
                        blank=True,
                        choices=[("low", "Low"), ("normal", "Normal"), ("high", "High"), ("urgent", "Urgent")],
                        max_length=10,
                        verbose_name="priority",
                    ),
                ),
                (
                    "step",
                    models.CharField(
                        blank=True,
                        help_text="A step of the case, for example wait_for_customer.",
                        max_length=40,
                        verbose_name="step",
                    ),
                ),
                ("position", models.PositiveIntegerField(default=100, verbose_name="position")),
                ("active", models.BooleanField(default=True, verbose_name="active")),
                (
                    "reply",
                    models.ForeignKey(
                        blank=True,
                        help_text="Sent to the customer in their language, on the channel they last wrote on.",
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        to="cases.cannedreply",
                        verbose_name="reply",
                    ),
                ),
            ],
            options={
                "verbose_name": "macro",
                "verbose_name_plural": "macros",
                "ordering": ["position", "title"],
            },
        ),
        migrations.CreateModel(
            name="SavedView",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("name", models.CharField(max_length=60, verbose_name="name")),
                ("filters", models.JSONField(blank=True, default=dict, verbose_name="filters")),
                ("shared", models.BooleanField(default=False, verbose_name="shared with everyone at the desk")),
                ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="created at")),
                (
                    "owner",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="saved_views",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="owner",
                    ),
                ),
            ],
            options={
                "verbose_name": "saved view",
                "verbose_name_plural": "saved views",
                "ordering": ["name", "id"],
                "permissions": [("share_savedview", "Can share a saved view with everyone at the desk")],
                "indexes": [
                    models.Index(
                        condition=models.Q(("shared", True)), fields=["name"], name="saved_view_shared_by_name"
                    )
                ],
                "constraints": [
                    models.UniqueConstraint(fields=("owner", "name"), name="saved_view_name_unique_per_owner")
                ],
            },
        ),
    ]
