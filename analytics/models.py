"""The analytics tables: per-case facts, daily rollups, targets and scorecard weights (issue 8).

``CaseFact`` holds one narrow row per case with everything the KPIs of DESIGN.md §5 read (first
reply, resolution, reopen, SLA outcome, costs, units), derived from the raw rows by
``analytics.facts`` and kept current from case events by Celery (``analytics.rollups``).
``DailyStat`` / ``DailyProductStat`` / ``DailyOrderStat`` hold the additive measures per local day,
for the whole shop and per value of one split dimension; the KPI module reads them for past days
and blends in today's figures live from ``CaseFact``.

Days are local dates in ``settings.TIME_ZONE`` (the shop's reporting time zone).
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from solo.models import SingletonModel

from analytics.kpi_names import KPI_LABELS
from analytics.report_models import ReportDelivery, ReportPeriod  # noqa: F401  (the emailed reports' log)

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

MONEY: dict[str, Any] = {"max_digits": 14, "decimal_places": 2, "default": Decimal("0.00")}


class CaseFact(models.Model):
    """One row per case: the case's KPI inputs, recomputed from its raw rows."""

    case = models.OneToOneField(
        "cases.Case", verbose_name=_("case"), primary_key=True, on_delete=models.CASCADE, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"))
    created_day = models.DateField(_("created on"))
    channel = models.CharField(_("channel"), max_length=16)
    kind = models.CharField(_("kind"), max_length=16)
    reason = models.CharField(_("reason"), max_length=32)
    complaint_category = models.CharField(
        _("complaint category"),
        max_length=24,
        blank=True,
        default="",
        help_text=_("Empty: not a classified complaint."),
    )
    tier = models.CharField(_("customer tier"), max_length=16)
    team_id = models.BigIntegerField(_("team"), null=True)
    agent_id = models.BigIntegerField(_("agent"), null=True)
    product_id = models.BigIntegerField(_("product"), null=True, help_text=_("The product of the case's first line."))
    status = models.CharField(_("status"), max_length=20)
    is_open = models.BooleanField(_("open"))
    is_resolved = models.BooleanField(_("resolved or closed"))
    first_reply_at = models.DateTimeField(_("first agent reply at"), null=True)
    first_reply_day = models.DateField(_("first agent reply on"), null=True)
    first_reply_seconds = models.BigIntegerField(_("first response time (s)"), null=True)
    agent_replies = models.PositiveIntegerField(_("public agent replies"), default=0)
    resolved_at = models.DateTimeField(_("resolved at"), null=True)
    resolved_day = models.DateField(_("resolved on"), null=True)
    resolution_seconds = models.BigIntegerField(_("resolution time (s)"), null=True)
    reopened = models.PositiveIntegerField(_("times reopened"), default=0)
    fr_due_day = models.DateField(_("first response due on"), null=True)
    fr_met = models.BooleanField(_("first response in time"), null=True)
    res_due_day = models.DateField(_("resolution due on"), null=True)
    res_met = models.BooleanField(_("resolution in time"), null=True)
    cost_refund = models.DecimalField(_("refunds"), **MONEY)
    cost_compensation = models.DecimalField(_("compensation"), **MONEY)
    cost_shipping_out = models.DecimalField(_("shipping out"), **MONEY)
    cost_shipping_back = models.DecimalField(_("shipping back"), **MONEY)
    cost_repair = models.DecimalField(_("repair"), **MONEY)
    cost_handling = models.DecimalField(_("handling"), **MONEY)
    units_returned = models.PositiveIntegerField(_("units returned"), default=0)
    refreshed_at = models.DateTimeField(_("refreshed at"))

    class Meta:
        verbose_name = _("case fact")
        verbose_name_plural = _("case facts")
        indexes = [
            # One index per day column: each KPI selects by the day its event happened.
            models.Index(fields=["created_day"], name="fact_by_created_day"),
            models.Index(
                fields=["first_reply_day", "first_reply_seconds"],
                name="fact_by_first_reply_day",
                condition=models.Q(first_reply_day__isnull=False),
            ),
            models.Index(
                fields=["resolved_day", "resolution_seconds"],
                name="fact_by_resolved_day",
                condition=models.Q(resolved_day__isnull=False),
            ),
            models.Index(fields=["fr_due_day"], name="fact_by_fr_due_day", condition=models.Q(fr_met__isnull=False)),
            models.Index(fields=["res_due_day"], name="fact_by_res_due_day", condition=models.Q(res_met__isnull=False)),
            # The backlog: open cases only.
            models.Index(fields=["status", "created_at"], name="fact_backlog", condition=models.Q(is_open=True)),
        ]

    def __str__(self) -> str:
        return f"fact {self.case_id}"


class DirtyCase(models.Model):
    """A case whose fact must be recomputed: written in the transaction of the case's change."""

    case_id = models.BigIntegerField(_("case"), primary_key=True)
    marked_at = models.DateTimeField(_("marked at"))

    class Meta:
        verbose_name = _("case waiting for the rollup")
        verbose_name_plural = _("cases waiting for the rollup")

    def __str__(self) -> str:
        return str(self.case_id)


class DirtyDay(models.Model):
    """A past local day whose daily rollup rows must be recomputed."""

    day = models.DateField(_("day"), primary_key=True)

    class Meta:
        verbose_name = _("day waiting for the rollup")
        verbose_name_plural = _("days waiting for the rollup")

    def __str__(self) -> str:
        return self.day.isoformat()


class RollupState(SingletonModel):
    """How far the rollups are: the last day sealed into the daily tables, the last refresh."""

    sealed_through = models.DateField(_("daily rollups complete through"), null=True, blank=True)
    orders_seen_until = models.DateTimeField(_("orders read up to"), null=True, blank=True)
    refreshed_at = models.DateTimeField(_("last refresh"), null=True, blank=True)
    generation = models.PositiveBigIntegerField(
        _("generation"), default=0, help_text=_("Counts the refreshes that changed the rollups (the cache key).")
    )

    class Meta:
        verbose_name = _("rollup state")

    def __str__(self) -> str:
        return str(_("rollup state"))


class Dimension(models.TextChoices):
    ALL = "all", _("All")
    CHANNEL = "channel", _("Channel")
    KIND = "kind", _("Kind")
    REASON = "reason", _("Reason")
    TEAM = "team", _("Team")
    AGENT = "agent", _("Agent")
    PRODUCT = "product", _("Product")
    TIER = "tier", _("Customer tier")
    COMPLAINT_CATEGORY = "complaint_category", _("Complaint category")


class DailyStat(models.Model):
    """Additive case measures of one local day, for the shop (dim "all") or one value of a dimension.

    Each measure sits on the day of its own event: ``created*`` on the day the case was created,
    ``fr_*`` on the day of the first agent reply, ``resolved*`` on the day of resolution,
    ``*_due``/``*_met`` on the day the SLA target fell due, survey measures on the day of the answer
    (invitations: the day sent).
    """

    day = models.DateField(_("day"))
    dim = models.CharField(_("dimension"), max_length=24, choices=Dimension.choices)
    value = models.CharField(_("value"), max_length=64, blank=True)
    created = models.PositiveIntegerField(default=0)
    created_resolved = models.PositiveIntegerField(default=0)
    complaints = models.PositiveIntegerField(default=0)
    units_returned = models.PositiveIntegerField(default=0)
    cost_refund = models.DecimalField(**MONEY)
    cost_compensation = models.DecimalField(**MONEY)
    cost_shipping_out = models.DecimalField(**MONEY)
    cost_shipping_back = models.DecimalField(**MONEY)
    cost_repair = models.DecimalField(**MONEY)
    cost_handling = models.DecimalField(**MONEY)
    fr_count = models.PositiveIntegerField(default=0)
    fr_seconds = models.BigIntegerField(default=0)
    resolved = models.PositiveIntegerField(default=0)
    resolution_seconds = models.BigIntegerField(default=0)
    fcr = models.PositiveIntegerField(default=0)
    reopened = models.PositiveIntegerField(default=0)
    fr_due = models.PositiveIntegerField(default=0)
    fr_met = models.PositiveIntegerField(default=0)
    res_due = models.PositiveIntegerField(default=0)
    res_met = models.PositiveIntegerField(default=0)
    answers = models.PositiveIntegerField(default=0)
    csat_n = models.PositiveIntegerField(default=0)
    csat_sum = models.PositiveIntegerField(default=0)
    csat_satisfied = models.PositiveIntegerField(default=0)
    nps_n = models.PositiveIntegerField(default=0)
    nps_promoters = models.PositiveIntegerField(default=0)
    nps_detractors = models.PositiveIntegerField(default=0)
    ces_n = models.PositiveIntegerField(default=0)
    ces_sum = models.PositiveIntegerField(default=0)
    survey_complaints = models.PositiveIntegerField(default=0)
    invited = models.PositiveIntegerField(default=0)
    invited_answered = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("daily figures")
        verbose_name_plural = _("daily figures")
        constraints = [models.UniqueConstraint(fields=["dim", "value", "day"], name="daily_stat_one_row")]
        # The KPI query: one dimension, a range of days (the unique constraint's index serves it).

    def __str__(self) -> str:
        return f"{self.day} {self.dim}={self.value}"


class DailyProductStat(models.Model):
    """Units sold and returned of one product on one local day, returns split by reason.

    Sales sit on the day the order was placed, returns and inspection results on the day the
    return case was created.
    """

    day = models.DateField(_("day"))
    product_id = models.BigIntegerField(_("product"))
    reason = models.CharField(_("reason"), max_length=32, blank=True, help_text=_("Empty on the sales row."))
    units_sold = models.PositiveIntegerField(default=0)
    units_returned = models.PositiveIntegerField(default=0)
    lines_inspected = models.PositiveIntegerField(default=0)
    grade_a = models.PositiveIntegerField(default=0)
    grade_b = models.PositiveIntegerField(default=0)
    grade_c = models.PositiveIntegerField(default=0)
    grade_d = models.PositiveIntegerField(default=0)
    restock = models.PositiveIntegerField(default=0)
    refurbish = models.PositiveIntegerField(default=0)
    scrap = models.PositiveIntegerField(default=0)
    return_to_supplier = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("daily product figures")
        verbose_name_plural = _("daily product figures")
        constraints = [
            models.UniqueConstraint(fields=["day", "product_id", "reason"], name="daily_product_one_row"),
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.product_id} {self.reason}"


class DailyOrderStat(models.Model):
    """Orders placed on one local day (the complaint rate's denominator)."""

    day = models.DateField(_("day"), primary_key=True)
    orders = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("daily orders")
        verbose_name_plural = _("daily orders")

    def __str__(self) -> str:
        return f"{self.day}: {self.orders}"


class Comparison(models.TextChoices):
    AT_MOST = "le", _("at most")
    AT_LEAST = "ge", _("at least")
    BELOW = "lt", _("below")
    ABOVE = "gt", _("above")


class KpiTarget(models.Model):
    """A target a manager sets on one KPI, shown on the dashboard as met or missed."""

    kpi = models.CharField(_("KPI"), max_length=40, unique=True)
    comparison = models.CharField(_("comparison"), max_length=2, choices=Comparison.choices)
    value = models.DecimalField(
        _("target"), max_digits=14, decimal_places=4, help_text=_("Rates as fractions (0.95), times in hours.")
    )
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("KPI target")
        verbose_name_plural = _("KPI targets")
        ordering = ["kpi"]

    def __str__(self) -> str:
        return f"{self.kpi} {self.comparison} {self.value}"

    def clean(self) -> None:
        if self.kpi not in KPI_LABELS:
            raise ValidationError(
                {"kpi": _("Unknown KPI: choose one of %(names)s.") % {"names": ", ".join(KPI_LABELS)}}
            )


def _weight(label: StrOrPromise, default: int) -> models.PositiveSmallIntegerField[Any, Any]:
    return models.PositiveSmallIntegerField(
        label, default=default, validators=[MinValueValidator(0), MaxValueValidator(100)]
    )


class ScorecardSettings(SingletonModel):
    """The agent scorecard's weights (percent, summing to 100) and what scores 5 and 1."""

    weight_speed = _weight(_("response speed (%)"), 10)
    weight_attitude = _weight(_("attitude (%)"), 20)
    weight_professionalism = _weight(_("professionalism (%)"), 25)
    weight_efficiency = _weight(_("resolution efficiency (%)"), 30)
    weight_satisfaction = _weight(_("satisfaction (%)"), 15)

    class Meta:
        verbose_name = _("scorecard settings")
        permissions = [
            ("view_dashboard", _("Can see the KPI dashboard, every scorecard and the exports")),
            ("view_own_scorecard", _("Can see one's own scorecard")),
        ]

    def __str__(self) -> str:
        return str(_("scorecard settings"))

    def clean(self) -> None:
        total = sum(self.weights().values())
        if total != 100:
            raise ValidationError(_("The weights must add up to 100; these add up to %(sum)s.") % {"sum": total})

    def weights(self) -> dict[str, int]:
        return {
            "speed": self.weight_speed,
            "attitude": self.weight_attitude,
            "professionalism": self.weight_professionalism,
            "efficiency": self.weight_efficiency,
            "satisfaction": self.weight_satisfaction,
        }
