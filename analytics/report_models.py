"""The record of the periodic KPI report emails (``analytics.reports``): what was sent, to whom.

Imported into ``analytics.models`` (the app's models module), so the migration lives with the
others. One row per report (period and range); ``recipients`` grows as each email goes out and
``sent_at`` is set when every recipient has theirs, so a second run of the beat task sends
nothing, and a run after a mail server failure sends only the emails still missing.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class ReportPeriod(models.TextChoices):
    WEEKLY = "weekly", _("Weekly")
    MONTHLY = "monthly", _("Monthly")


class ReportDelivery(models.Model):
    """One periodic report (its period and days): the addresses it went to and when it was done."""

    period = models.CharField(_("period"), max_length=8, choices=ReportPeriod.choices)
    start = models.DateField(_("first day"))
    end = models.DateField(_("last day"))
    created_at = models.DateTimeField(_("started at"))
    sent_at = models.DateTimeField(_("sent to everyone at"), null=True, blank=True)
    recipients = models.JSONField(_("sent to"), default=list, blank=True, help_text=_("Email addresses."))
    last_error = models.CharField(_("last error"), max_length=300, blank=True)

    class Meta:
        app_label = "analytics"
        verbose_name = _("KPI report email")
        verbose_name_plural = _("KPI report emails")
        ordering = ["-start", "period"]
        constraints = [
            # The idempotency key: the same report is never started twice.
            models.UniqueConstraint(fields=["period", "start", "end"], name="report_delivery_once"),
        ]

    def __str__(self) -> str:
        return f"{self.period} {self.start}..{self.end}"
