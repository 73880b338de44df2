"""The refund approval matrix: how much each role may refund per resolution, and the requests above it."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from cases.models.case import Case
from cases.models.choices import REFUNDING_RESOLUTIONS, ResolutionType

ROLE_CHOICES = [("agent", _("Agent")), ("manager", _("Manager"))]
REFUND_CHOICES = [(value, label) for value, label in ResolutionType.choices if value in REFUNDING_RESOLUTIONS]


class ApprovalLimit(models.Model):
    """A role may grant this resolution up to this amount; above it, the case waits for approval.

    A role without a row for a resolution has no limit for it.
    """

    role = models.CharField(_("role"), max_length=16, choices=ROLE_CHOICES)
    resolution_type = models.CharField(_("resolution"), max_length=24, choices=REFUND_CHOICES)
    max_amount = models.DecimalField(_("up to (amount)"), max_digits=12, decimal_places=2)

    class Meta:
        verbose_name = _("approval limit")
        verbose_name_plural = _("approval limits")
        ordering = ["role", "resolution_type"]
        constraints = [
            models.UniqueConstraint(fields=["role", "resolution_type"], name="approval_limit_once"),
            models.CheckConstraint(condition=models.Q(max_amount__gte=0), name="approval_limit_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.role} {self.resolution_type} ≤ {self.max_amount}"


class ApprovalRequest(models.Model):
    """A resolution above the agent's limit, waiting for someone allowed to grant it."""

    case = models.ForeignKey(Case, verbose_name=_("case"), on_delete=models.CASCADE, related_name="approvals")
    resolution_type = models.CharField(_("resolution"), max_length=24, choices=REFUND_CHOICES)
    refund_amount = models.DecimalField(_("refund amount"), max_digits=12, decimal_places=2)
    resolution_note = models.TextField(_("resolution note"), blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("asked by"), on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(_("asked at"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    approved = models.BooleanField(_("approved"), null=True, blank=True)
    decision_note = models.TextField(_("decision note"), blank=True)

    class Meta:
        verbose_name = _("approval request")
        verbose_name_plural = _("approval requests")
        ordering = ["-requested_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["case"], condition=models.Q(decided_at__isnull=True), name="approval_one_pending_per_case"
            )
        ]
        indexes = [
            models.Index(fields=["requested_at"], name="approval_pending", condition=models.Q(decided_at__isnull=True))
        ]

    def __str__(self) -> str:
        return f"{self.case_id} {self.resolution_type} {self.refund_amount}"
