"""SLA and follow-ups as data (DESIGN.md §4): calendars, policies, clocks, follow-ups, revisits.

The clocks live in these rows, never only in a broker: ``SlaClock.due_at`` and ``warn_at`` are
indexed for the sweep (``cases.sla.sweep``), which marks warnings and breaches once. Business time
is computed only by ``cases.sla.business_time``.
"""

from __future__ import annotations

import re
import zoneinfo
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from solo.models import SingletonModel

from cases.models.case import Case
from cases.models.catalog import CustomerTier, Team
from cases.models.choices import (
    CaseKind,
    Channel,
    ComplaintSeverity,
    Priority,
    choices_problem,
)

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_HHMM = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$|^24:00$")


def office_hours() -> dict:
    """Monday to Friday, 09:00-18:00 (the default of a new calendar)."""
    return {day: ([["09:00", "18:00"]] if day not in ("sat", "sun") else []) for day in WEEKDAYS}


class BusinessCalendar(models.Model):
    """Working hours per weekday, days off and public holidays, in one time zone."""

    code = models.SlugField(_("code"), max_length=50, unique=True)
    name = models.CharField(_("name"), max_length=100)
    time_zone = models.CharField(_("time zone"), max_length=64, default=settings.TIME_ZONE)
    hours = models.JSONField(
        _("working hours"),
        default=office_hours,
        help_text=_(
            'Per weekday a list of [start, end] times, for example {"mon": [["09:00", "12:00"], '
            '["13:00", "18:00"]], "sat": []}. A make-up working day has Monday\'s hours.'
        ),
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("business calendar")
        verbose_name_plural = _("business calendars")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        try:
            zoneinfo.ZoneInfo(self.time_zone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            raise ValidationError(
                {
                    "time_zone": _("“%(value)s” is not a time zone (for example Asia/Shanghai).")
                    % {"value": self.time_zone}
                }
            ) from None
        problem = hours_problem(self.hours)
        if problem:
            raise ValidationError({"hours": problem})


def hours_problem(hours: Any) -> StrOrPromise | None:
    """What is wrong with a calendar's ``hours`` value, in words, or None when it is valid."""
    if not isinstance(hours, dict) or set(hours) - set(WEEKDAYS):
        return _("Give an object with the weekdays mon … sun as keys.")
    for day, intervals in hours.items():
        if not isinstance(intervals, list):
            return _("%(day)s: give a list of [start, end] pairs.") % {"day": day}
        last_end = ""
        for pair in intervals:
            if not (
                isinstance(pair, list) and len(pair) == 2 and all(isinstance(t, str) and _HHMM.match(t) for t in pair)
            ):
                return _('%(day)s: each interval is ["HH:MM", "HH:MM"].') % {"day": day}
            if not pair[0] < pair[1] or pair[0] < last_end:
                return _("%(day)s: intervals must run forward and not overlap.") % {"day": day}
            last_end = pair[1]
    return None


class CalendarDayKind(models.TextChoices):
    HOLIDAY = "holiday", _("Day off (public holiday)")
    WORKDAY = "workday", _("Make-up working day")


class CalendarDay(models.Model):
    """A date that differs from the weekly pattern: a public holiday, or a make-up working day (调休)."""

    calendar = models.ForeignKey(
        BusinessCalendar, verbose_name=_("calendar"), on_delete=models.CASCADE, related_name="days"
    )
    date = models.DateField(_("date"))
    kind = models.CharField(_("kind"), max_length=8, choices=CalendarDayKind.choices)
    name = models.CharField(_("name"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("calendar day")
        verbose_name_plural = _("calendar days")
        ordering = ["date"]
        constraints = [models.UniqueConstraint(fields=["calendar", "date"], name="calendar_day_once")]

    def __str__(self) -> str:
        return f"{self.date} {self.kind}"


class SlaPolicy(models.Model):
    """Targets for the reply and resolution clocks, chosen by priority, channel, kind, tier and severity.

    The first active policy (by position) whose non-empty lists all contain the case's value
    applies. Targets are minutes of business time on the policy's calendar (none: round the clock).

    ``severities`` matches a complaint's severity (urgent / normal), not mapped onto the priority:
    the priority is the queue's working order, which agents set and a breach raises
    (``escalate_priority``), so a normal complaint escalated to urgent would otherwise take the
    urgent complaint's 1-hour target, and classifying a complaint would overwrite the agent's
    priority. A case without a severity (not a complaint, or not yet classified) matches only
    policies whose ``severities`` is empty.
    """

    name = models.CharField(_("name"), max_length=100)
    position = models.PositiveIntegerField(_("position"), default=100)
    active = models.BooleanField(_("active"), default=True)
    priorities = models.JSONField(_("priorities"), default=list, blank=True, help_text=_("Empty: any."))
    channels = models.JSONField(_("channels"), default=list, blank=True, help_text=_("Empty: any."))
    kinds = models.JSONField(_("case kinds"), default=list, blank=True, help_text=_("Empty: any."))
    tiers = models.JSONField(_("customer tiers"), default=list, blank=True, help_text=_("Empty: any."))
    severities = models.JSONField(
        _("complaint severities"), default=list, blank=True, help_text=_("Empty: any (complaints or not).")
    )
    calendar = models.ForeignKey(
        BusinessCalendar,
        verbose_name=_("business calendar"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Empty: the clock runs round the clock."),
    )
    first_response_minutes = models.PositiveIntegerField(_("first response within (minutes)"), null=True, blank=True)
    next_response_minutes = models.PositiveIntegerField(_("next response within (minutes)"), null=True, blank=True)
    resolution_minutes = models.PositiveIntegerField(_("resolution within (minutes)"), null=True, blank=True)
    warn_percent = models.PositiveSmallIntegerField(
        _("warn at (percent of the target used)"), default=80, help_text=_("Between 1 and 99.")
    )
    escalate_priority = models.BooleanField(_("on breach: raise the priority"), default=True)
    escalate_to_lead = models.BooleanField(_("on breach: reassign to the team lead"), default=True)
    notify = models.BooleanField(_("notify the agent and the team lead"), default=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("SLA policy")
        verbose_name_plural = _("SLA policies")
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        errors = {}
        for field, choices in (
            ("priorities", Priority.choices),
            ("channels", Channel.choices),
            ("kinds", CaseKind.choices),
            ("tiers", CustomerTier.choices),
            ("severities", ComplaintSeverity.choices),
        ):
            errors.update(choices_problem(getattr(self, field), choices, field) or {})
        if not 1 <= (self.warn_percent or 0) <= 99:
            errors["warn_percent"] = _("Give a share between 1 and 99 percent.")
        if errors:
            raise ValidationError(errors)

    def matches(self, *, priority: str, channel: str, kind: str, tier: str, severity: str = "") -> bool:
        return all(
            not allowed or value in allowed
            for allowed, value in (
                (self.priorities, priority),
                (self.channels, channel),
                (self.kinds, kind),
                (self.tiers, tier),
                (self.severities, severity),
            )
        )


class ServiceSettings(SingletonModel):
    """The numbers of the follow-ups and warehouse clocks, one row a manager edits in admin."""

    warehouse_calendar = models.ForeignKey(
        BusinessCalendar,
        verbose_name=_("warehouse calendar"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("Working time of the inspection and refund clocks. Empty: round the clock."),
    )
    ship_by_days = models.PositiveSmallIntegerField(
        _("customer ships an approved return within (days)"), default=7, help_text=_("Then the return is cancelled.")
    )
    ship_reminder_days = models.PositiveSmallIntegerField(_("remind the customer to ship after (days)"), default=3)
    inspect_within_minutes = models.PositiveIntegerField(
        _("inspect within (minutes of warehouse time) after receipt"), default=16 * 60
    )
    refund_within_minutes = models.PositiveIntegerField(
        _("refund within (minutes of warehouse time) after a passed inspection"), default=8 * 60
    )
    warehouse_warn_percent = models.PositiveSmallIntegerField(_("warn the warehouse at (percent used)"), default=75)
    auto_close_days = models.PositiveSmallIntegerField(_("close resolved cases after (days without reopen)"), default=7)
    stalled_shipment_days = models.PositiveSmallIntegerField(
        _("chase a return shipment without movement for (days)"), default=5
    )
    survey_delay_minutes = models.PositiveIntegerField(_("send the survey after resolution (minutes)"), default=60)
    survey_reminder_days = models.PositiveSmallIntegerField(_("remind about the survey after (days)"), default=3)
    revisit_sample_percent = models.PositiveSmallIntegerField(
        _("revisit a sample of resolved cases (percent)"), default=5, help_text=_("0 to 100.")
    )
    revisit_due_days = models.PositiveSmallIntegerField(_("a revisit is due within (days)"), default=2)

    class Meta:
        verbose_name = _("service settings")

    def __str__(self) -> str:
        return str(_("service settings"))

    def clean(self) -> None:
        errors = {}
        if self.ship_reminder_days >= self.ship_by_days:
            errors["ship_reminder_days"] = _("The reminder must come before the return is cancelled.")
        if self.revisit_sample_percent > 100:
            errors["revisit_sample_percent"] = _("Give a share between 0 and 100 percent.")
        if not 1 <= self.warehouse_warn_percent <= 99:
            errors["warehouse_warn_percent"] = _("Give a share between 1 and 99 percent.")
        if not self.ship_by_days or not self.auto_close_days:
            errors["ship_by_days" if not self.ship_by_days else "auto_close_days"] = _("Give at least one day.")
        if errors:
            raise ValidationError(errors)


class ClockKind(models.TextChoices):
    FIRST_RESPONSE = "first_response", _("First response")
    NEXT_RESPONSE = "next_response", _("Next response")
    RESOLUTION = "resolution", _("Resolution")
    SHIP_BY = "ship_by", _("Customer ships the return")
    INSPECT = "inspect", _("Warehouse inspection")
    REFUND = "refund", _("Refund after inspection")


class ClockState(models.TextChoices):
    RUNNING = "running", _("Running")
    PAUSED = "paused", _("Paused (waiting on the customer)")
    STOPPED = "stopped", _("Stopped")


ACTIVE_CLOCK_STATES = (ClockState.RUNNING, ClockState.PAUSED)


class SlaClock(models.Model):
    """One running promise on a case: a target of business seconds from ``started_at``.

    ``used_seconds`` is the business time consumed before ``resumed_at`` (pauses excluded);
    ``due_at`` / ``warn_at`` are when the target / the warning share is used up while running.
    """

    case = models.ForeignKey(Case, verbose_name=_("case"), on_delete=models.CASCADE, related_name="clocks")
    kind = models.CharField(_("kind"), max_length=16, choices=ClockKind.choices)
    state = models.CharField(_("state"), max_length=8, choices=ClockState.choices, default=ClockState.RUNNING)
    policy = models.ForeignKey(
        SlaPolicy, verbose_name=_("SLA policy"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    calendar = models.ForeignKey(
        BusinessCalendar,
        verbose_name=_("business calendar"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    target_seconds = models.PositiveIntegerField(_("target (business seconds)"))
    warn_seconds = models.PositiveIntegerField(_("warn after (business seconds)"))
    used_seconds = models.PositiveIntegerField(_("used before the last resume (business seconds)"), default=0)
    started_at = models.DateTimeField(_("started at"))
    resumed_at = models.DateTimeField(_("running since"), null=True, blank=True)
    paused_at = models.DateTimeField(_("paused at"), null=True, blank=True)
    due_at = models.DateTimeField(_("due at"), null=True, blank=True)
    warn_at = models.DateTimeField(_("warn at"), null=True, blank=True)
    warned_at = models.DateTimeField(_("warned at"), null=True, blank=True)
    breached_at = models.DateTimeField(_("breached at"), null=True, blank=True)
    stopped_at = models.DateTimeField(_("stopped at"), null=True, blank=True)

    class Meta:
        verbose_name = _("SLA clock")
        verbose_name_plural = _("SLA clocks")
        indexes = [
            # The sweep: running clocks not yet breached / warned, by due time. Partial, so the
            # index holds only the clocks that can still fire and an empty sweep stays cheap.
            models.Index(
                fields=["due_at"],
                name="sla_clock_sweep_breach",
                condition=models.Q(state="running", breached_at__isnull=True),
            ),
            models.Index(
                fields=["warn_at"],
                name="sla_clock_sweep_warn",
                condition=models.Q(state="running", warned_at__isnull=True),
            ),
            models.Index(fields=["case", "kind"], name="sla_clock_by_case"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["case", "kind"],
                condition=models.Q(state__in=["running", "paused"]),
                name="sla_clock_one_active_per_kind",
            )
        ]

    def __str__(self) -> str:
        return f"{self.case_id} {self.kind} {self.state}"


class FollowUpKind(models.TextChoices):
    SURVEY = "survey", _("Survey invitation")
    SURVEY_REMINDER = "survey_reminder", _("Survey reminder")
    AUTO_CLOSE = "auto_close", _("Close after resolution")
    SHIPMENT_CHASE = "shipment_chase", _("Chase a stalled shipment")


class FollowUp(models.Model):
    """Something to do for a case at a time: done once by the sweep, or cancelled when moot."""

    case = models.ForeignKey(Case, verbose_name=_("case"), on_delete=models.CASCADE, related_name="follow_ups")
    kind = models.CharField(_("kind"), max_length=16, choices=FollowUpKind.choices)
    due_at = models.DateTimeField(_("due at"))
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        verbose_name = _("follow-up")
        verbose_name_plural = _("follow-ups")
        indexes = [
            models.Index(
                fields=["due_at"],
                name="follow_up_sweep",
                condition=models.Q(done_at__isnull=True, cancelled_at__isnull=True),
            ),
            models.Index(fields=["case", "kind"], name="follow_up_by_case"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["case", "kind"],
                condition=models.Q(done_at__isnull=True, cancelled_at__isnull=True),
                name="follow_up_one_pending_per_kind",
            )
        ]

    def __str__(self) -> str:
        return f"{self.case_id} {self.kind} {self.due_at:%Y-%m-%d %H:%M}"


class RevisitReason(models.TextChoices):
    SAMPLE = "sample", _("Sample of resolved cases")
    LOW_SCORE = "low_score", _("Low satisfaction score")
    COMPLAINT = "complaint", _("Resolved complaint")


class RevisitTask(models.Model):
    """A call-back (回访) to a customer after a case: who, by when, and what came of it."""

    case = models.ForeignKey(Case, verbose_name=_("case"), on_delete=models.CASCADE, related_name="revisits")
    reason = models.CharField(_("reason"), max_length=16, choices=RevisitReason.choices)
    note = models.TextField(_("note"), blank=True)
    team = models.ForeignKey(
        Team, verbose_name=_("team"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assignee"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="revisit_tasks",
    )
    due_at = models.DateTimeField(_("due at"))
    created_at = models.DateTimeField(_("created at"))
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    outcome = models.TextField(_("outcome"), blank=True)

    class Meta:
        verbose_name = _("revisit task")
        verbose_name_plural = _("revisit tasks")
        ordering = ["due_at", "id"]
        indexes = [models.Index(fields=["assignee", "done_at", "due_at"], name="revisit_by_assignee_open")]
        constraints = [
            models.UniqueConstraint(
                fields=["case", "reason"], condition=models.Q(done_at__isnull=True), name="revisit_one_open_per_reason"
            )
        ]

    def __str__(self) -> str:
        return f"{self.case_id} {self.reason}"
