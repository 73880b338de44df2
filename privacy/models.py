"""The audit log of who viewed, revealed, exported or erased a customer's personal data."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditAction(models.TextChoices):
    VIEW_CASE = "view_case", _("Opened a case page")
    REVEAL_CONTACT = "reveal_contact", _("Revealed the contact data")
    VIEW_CUSTOMER = "view_customer", _("Opened the customer in the admin")
    EXPORT = "export", _("Exported the personal data")
    ERASE = "erase", _("Erased the personal data")
    PURGE_ATTACHMENTS = "purge_attachments", _("Purged old attachments")


class AuditLog(models.Model):
    """One access to personal data. Written only by ``privacy.services``; never changed.

    ``customer_ref`` keeps the customer's id even after an erasure (the row itself stays: the
    erased customer keeps its id), and ``actor_label`` the user's name if the user is deleted."""

    at = models.DateTimeField(_("at"), db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("who"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    actor_label = models.CharField(_("who (name)"), max_length=150, blank=True)
    action = models.CharField(_("action"), max_length=20, choices=AuditAction.choices)
    customer_ref = models.BigIntegerField(_("customer id"), null=True, blank=True)
    case_number = models.CharField(_("case"), max_length=32, blank=True)
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    detail = models.JSONField(_("detail"), default=dict, blank=True)
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)

    class Meta:
        verbose_name = _("personal data access")
        verbose_name_plural = _("personal data audit log")
        ordering = ["-at", "-id"]
        indexes = [
            # "Who looked at this customer?" (the data subject's right to know, PIPL art. 44).
            models.Index(fields=["customer_ref", "-at"], name="audit_by_customer"),
            models.Index(fields=["actor", "-at"], name="audit_by_actor"),
        ]
        permissions = [
            ("export_personal_data", _("Can export a customer's personal data")),
            ("erase_personal_data", _("Can erase a customer's personal data")),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_label} {self.action} {self.customer_ref}"
