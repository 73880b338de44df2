"""The return policy as data a manager edits (the engine is ``cases.policy.engine``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from cases.models.catalog import CustomerTier, ProductFlag
from cases.models.choices import CaseKind, ReasonCode

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


class BilingualName(models.Model):
    name_en = models.CharField(_("name (English)"), max_length=200)
    name_zh = models.CharField(_("name (Chinese)"), max_length=200)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        """The name in the active language."""
        return self.name_zh if (get_language() or "").startswith("zh") else self.name_en


class ReturnPolicy(BilingualName):
    """A versioned set of rules, applied to orders placed between its effective dates."""

    code = models.SlugField(_("code"), max_length=50)
    version = models.CharField(_("version"), max_length=20)
    region = models.CharField(
        _("region"), max_length=8, blank=True, help_text=_("CN, EU, or blank for the shop's own.")
    )
    is_statutory = models.BooleanField(
        _("statutory"),
        default=False,
        help_text=_("A legal minimum shipped as a template; the shop's own rules may be more generous."),
    )
    effective_from = models.DateField(_("applies to orders placed from"))
    effective_until = models.DateField(_("applies to orders placed until"), null=True, blank=True)
    active = models.BooleanField(_("active"), default=True)
    description = models.TextField(_("description"), blank=True)

    class Meta:
        verbose_name = _("return policy")
        verbose_name_plural = _("return policies")
        ordering = ["code", "-effective_from"]
        constraints = [models.UniqueConstraint(fields=["code", "version"], name="return_policy_unique_version")]

    def clean(self) -> None:
        if self.effective_until and self.effective_from and self.effective_until < self.effective_from:
            raise ValidationError({"effective_until": _("The end date must not be before the start date.")})


class RuleType(models.TextChoices):
    EXCLUSION = "exclusion", _("Excluded items")
    WINDOW = "window", _("Time window from delivery")
    WARRANTY = "warranty", _("Warranty (months from delivery)")
    PHOTOS = "photos", _("Photo evidence required")
    REVIEW = "review", _("Send to review")


class RuleOutcome(models.TextChoices):
    REJECT = "reject", _("Reject")
    REVIEW = "review", _("Needs review")


class ReturnPolicyRule(BilingualName):
    """One rule. Empty match lists mean "any"; a rule applies when every non-empty list matches."""

    policy = models.ForeignKey(ReturnPolicy, verbose_name=_("policy"), on_delete=models.CASCADE, related_name="rules")
    position = models.PositiveIntegerField(_("position"), default=0)
    rule_type = models.CharField(_("type"), max_length=16, choices=RuleType.choices)
    kinds = models.JSONField(_("case kinds"), default=list, blank=True)
    reasons = models.JSONField(_("reasons"), default=list, blank=True)
    categories = models.JSONField(_("product categories"), default=list, blank=True)
    skus = models.JSONField(_("SKUs"), default=list, blank=True)
    product_flags = models.JSONField(_("product flags"), default=list, blank=True)
    tiers = models.JSONField(_("customer tiers"), default=list, blank=True)
    only_if_opened = models.BooleanField(_("only when the item was opened"), default=False)
    days = models.PositiveIntegerField(_("days"), null=True, blank=True)
    months = models.PositiveIntegerField(_("months"), null=True, blank=True)
    vip_extra_days = models.PositiveIntegerField(_("extra days for VIP customers"), default=0)
    amount_over = models.DecimalField(_("line value over"), max_digits=12, decimal_places=2, null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=8, choices=RuleOutcome.choices, default=RuleOutcome.REJECT)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("return policy rule")
        verbose_name_plural = _("return policy rules")
        ordering = ["policy", "position", "id"]

    def clean(self) -> None:
        """Refuse a rule the engine could not apply: unknown values in the match lists, a window
        without days, a warranty without months."""
        errors: dict[str, StrOrPromise] = {}
        for name, choices in (
            ("kinds", CaseKind),
            ("reasons", ReasonCode),
            ("tiers", CustomerTier),
            ("product_flags", ProductFlag),
        ):
            values = getattr(self, name)
            if not isinstance(values, list):
                errors[name] = _('Give a list, for example [] or ["%(example)s"].') % {"example": choices.values[0]}
                continue
            unknown = [str(value) for value in values if value not in choices.values]
            if unknown:
                errors[name] = _("Unknown values: %(unknown)s. Allowed: %(allowed)s.") % {
                    "unknown": ", ".join(unknown),
                    "allowed": ", ".join(choices.values),
                }
        for name in ("categories", "skus"):
            if not isinstance(getattr(self, name), list):
                errors[name] = _('Give a list, for example [] or ["apparel"].')
        if self.rule_type == RuleType.WINDOW and not self.days:
            errors["days"] = _("A time window needs its number of days.")
        if self.rule_type == RuleType.WARRANTY and not self.months:
            errors["months"] = _("A warranty needs its number of months.")
        if errors:
            raise ValidationError(errors)
