"""The case, its lines, its audit trail and its costs, and the state machine (DESIGN.md §3).

The transitions below are the only way to change ``Case.status`` (the field is protected). They
only change the case's own fields; the service ``cases.services.transition_case`` calls them inside
a transaction, saves with optimistic locking, writes the ``CaseEvent`` and sends the signal.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransition, ConcurrentTransitionMixin, FSMField, transition

from cases.models.catalog import Customer, Order, OrderLine, ProductVariant, Team
from cases.models.choices import (
    CONVERSATION_KINDS,
    GOODS_KINDS,
    OPEN_STATUSES,
    SHIPPING_KINDS,
    CaseKind,
    CaseStatus,
    Channel,
    ComplaintCategory,
    ComplaintSeverity,
    CostKind,
    Disposition,
    EventType,
    InspectionGrade,
    PolicyOutcome,
    Priority,
    ReasonCode,
    ResolutionType,
)
from core import clock

# --- conditions: small named predicates the UI can show -----------------------------------------


def is_goods_kind(case: Case) -> bool:
    """The case is about goods (return, exchange, repair, refund only)."""
    return case.kind in GOODS_KINDS


def needs_return_shipment(case: Case) -> bool:
    """The goods travel back to the warehouse (return, exchange, repair)."""
    return case.kind in SHIPPING_KINDS


def is_refund_only(case: Case) -> bool:
    """Refund only: no goods come back."""
    return case.kind == CaseKind.REFUND_ONLY


def is_conversation_kind(case: Case) -> bool:
    """Complaint or inquiry: worked as a conversation."""
    return case.kind in CONVERSATION_KINDS


def reopen_window_open(case: Case) -> bool:
    """The case was resolved no more than CASE_REOPEN_WINDOW_DAYS ago."""
    if case.resolved_at is None:
        return False
    limit = case.resolved_at + timedelta(days=settings.CASE_REOPEN_WINDOW_DAYS)
    return clock.now() <= limit


CONDITION_LABELS = {
    "is_goods_kind": _("the case is about goods (return, exchange, repair, refund only)"),
    "needs_return_shipment": _("the goods travel back to the warehouse"),
    "is_refund_only": _("the case is a refund only"),
    "is_conversation_kind": _("the case is a complaint or an inquiry"),
    "reopen_window_open": _("the reopen window is still open"),
}

WORK = "cases.work_case"
DECIDE = "cases.decide_case"
REOPEN = "cases.reopen_case"


class Case(ConcurrentTransitionMixin, models.Model):
    number = models.CharField(_("case number"), max_length=32, unique=True)
    kind = models.CharField(_("kind"), max_length=16, choices=CaseKind.choices)
    status = FSMField(_("status"), max_length=20, choices=CaseStatus.choices, default=CaseStatus.NEW, protected=True)
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    priority = models.CharField(_("priority"), max_length=8, choices=Priority.choices, default=Priority.NORMAL)
    reason_code = models.CharField(_("reason"), max_length=32, choices=ReasonCode.choices, default=ReasonCode.OTHER)
    reason_text = models.TextField(_("description"), blank=True)
    subject = models.CharField(_("subject"), max_length=200, blank=True)
    # A complaint's classification (cases.workflow.complaints); empty until classified, and on other kinds.
    complaint_category = models.CharField(
        _("complaint category"), max_length=24, choices=ComplaintCategory.choices, null=True, blank=True
    )
    complaint_severity = models.CharField(
        _("complaint severity"), max_length=8, choices=ComplaintSeverity.choices, null=True, blank=True
    )

    customer = models.ForeignKey(Customer, verbose_name=_("customer"), on_delete=models.PROTECT, related_name="cases")
    order = models.ForeignKey(
        Order, verbose_name=_("order"), null=True, blank=True, on_delete=models.PROTECT, related_name="cases"
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assignee"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_cases",
    )
    team = models.ForeignKey(
        Team, verbose_name=_("team"), null=True, blank=True, on_delete=models.SET_NULL, related_name="cases"
    )
    tags = models.ManyToManyField("cases.Tag", verbose_name=_("tags"), blank=True, related_name="cases")
    related = models.ManyToManyField("self", verbose_name=_("linked cases"), blank=True, symmetrical=True)
    merged_into = models.ForeignKey(
        "self",
        verbose_name=_("merged into"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="merged_cases",
    )

    # The return policy's decision at creation, explainable in any language (cases.policy.engine).
    policy_outcome = models.CharField(
        _("policy decision"), max_length=16, choices=PolicyOutcome.choices, default=PolicyOutcome.NOT_APPLICABLE
    )
    policy_rule = models.ForeignKey(
        "cases.ReturnPolicyRule",
        verbose_name=_("deciding rule"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    policy_explanation = models.JSONField(_("policy explanation"), default=dict, blank=True)
    rejection_reason = models.TextField(_("rejection reason (customer sees it)"), blank=True)

    return_carrier = models.CharField(_("return carrier"), max_length=32, blank=True)
    return_tracking_number = models.CharField(_("return tracking number"), max_length=64, blank=True)
    inspection_passed = models.BooleanField(_("inspection passed"), null=True, blank=True)
    inspection_grade = models.CharField(
        _("inspection grade"), max_length=1, choices=InspectionGrade.choices, blank=True
    )
    inspection_note = models.TextField(_("inspection note"), blank=True)

    resolution_type = models.CharField(_("resolution"), max_length=24, choices=ResolutionType.choices, blank=True)
    refund_amount = models.DecimalField(_("refund amount"), max_digits=12, decimal_places=2, null=True, blank=True)
    currency = models.CharField(_("currency"), max_length=3, default="CNY")
    resolution_note = models.TextField(_("resolution note"), blank=True)
    replacement_carrier = models.CharField(_("replacement carrier"), max_length=32, blank=True)
    replacement_tracking_number = models.CharField(_("replacement tracking number"), max_length=64, blank=True)
    replacement_shipped_at = models.DateTimeField(_("replacement shipped at"), null=True, blank=True)

    # SLA clocks: due times live in the database (the SLA engine fills and sweeps them).
    first_response_due_at = models.DateTimeField(_("first response due"), null=True, blank=True)
    next_response_due_at = models.DateTimeField(_("next response due"), null=True, blank=True)
    resolution_due_at = models.DateTimeField(_("resolution due"), null=True, blank=True)
    sla_due_at = models.DateTimeField(
        _("next SLA deadline"),
        null=True,
        blank=True,
        help_text=_("The earliest running due time; the queues order by it."),
    )
    first_responded_at = models.DateTimeField(_("first responded at"), null=True, blank=True)

    created_at = models.DateTimeField(_("created at"), db_index=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    reopened_count = models.PositiveIntegerField(_("times reopened"), default=0)
    version = models.PositiveIntegerField(
        _("version"), default=1, help_text=_("Raised by every change; stale writes are refused.")
    )

    class Meta:
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        permissions = [
            ("work_case", _("Can work cases through their state machine")),
            ("decide_case", _("Can approve or reject cases")),
            ("reopen_case", _("Can reopen resolved cases")),
            ("approve_refund", _("Can approve resolutions above an approval limit")),
            ("view_all_teams", _("Can see the cases of every team")),
        ]
        indexes = [
            models.Index(fields=["status", "sla_due_at", "id"], name="case_queue_by_sla"),
            models.Index(fields=["sla_due_at", "id"], name="case_order_by_sla"),
            models.Index(fields=["assignee", "status"], name="case_by_assignee_status"),
            models.Index(fields=["team", "status"], name="case_by_team_status"),
            models.Index(fields=["customer", "-created_at"], name="case_by_customer_recent"),
            models.Index(fields=["-created_at", "-id"], name="case_list_recent"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(refund_amount__isnull=True) | models.Q(refund_amount__gte=0),
                name="case_refund_not_negative",
            ),
            models.CheckConstraint(
                condition=models.Q(kind=CaseKind.COMPLAINT)
                | models.Q(complaint_category__isnull=True, complaint_severity__isnull=True),
                name="case_complaint_classification_only_on_complaints",
            ),
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._loaded_version = self.version

    def __str__(self) -> str:
        return self.number

    # --- optimistic locking on every change, not only on status --------------------------------

    def save(self, *args: Any, **kwargs: Any) -> None:
        super().save(*args, **kwargs)
        self._loaded_version = self.version

    def refresh_from_db(self, *args, **kwargs):
        super().refresh_from_db(*args, **kwargs)
        self._loaded_version = self.version

    def _do_update(self, base_qs, using, pk_val, values, update_fields, forced_update, *args, **kwargs):
        """Refuse the write when the row's version moved since we read it (someone else saved)."""
        updated = super()._do_update(
            base_qs.filter(version=self._loaded_version),
            using,
            pk_val,
            values,
            update_fields,
            forced_update,
            *args,
            **kwargs,
        )
        if not updated and base_qs.filter(pk=pk_val).using(using).exists():
            raise ConcurrentTransition("The case changed since it was read.")
        return updated

    # --- the state machine (DESIGN.md §3) ------------------------------------------------------
    # Each transition receives ``at`` (the time of the change) from the service: the clock is a
    # service's business, not the model's.

    @transition(
        field=status,
        source=CaseStatus.NEW,
        target=CaseStatus.APPROVED,
        conditions=[is_goods_kind],  # type: ignore[list-item]  # django-fsm types a condition over any Model
        permission=DECIDE,
        custom={"label": _("Approve"), "public": True},
    )
    def approve(self, *, at):
        self.approved_at = at

    @transition(
        field=status,
        source=CaseStatus.NEW,
        target=CaseStatus.REJECTED,
        permission=DECIDE,
        custom={"label": _("Reject"), "public": True, "params": ["reason"]},
    )
    def reject(self, *, at, reason: str):
        self.rejection_reason = reason
        self.closed_at = at

    @transition(
        field=status,
        source=[CaseStatus.NEW, CaseStatus.APPROVED],
        target=CaseStatus.CANCELLED,
        permission=WORK,
        custom={"label": _("Cancel"), "public": True},
    )
    def cancel(self, *, at):
        self.closed_at = at

    @transition(
        field=status,
        source=CaseStatus.NEW,
        target=CaseStatus.IN_PROGRESS,
        conditions=[is_conversation_kind],  # type: ignore[list-item]
        permission=WORK,
        custom={"label": _("Start work"), "public": True},
    )
    def start(self, *, at):
        pass

    @transition(
        field=status,
        source=CaseStatus.IN_PROGRESS,
        target=CaseStatus.AWAITING_CUSTOMER,
        permission=WORK,
        custom={"label": _("Wait for customer"), "public": True},
    )
    def wait_for_customer(self, *, at):
        pass

    @transition(
        field=status,
        source=CaseStatus.AWAITING_CUSTOMER,
        target=CaseStatus.IN_PROGRESS,
        permission=WORK,
        custom={"label": _("Customer replied"), "public": True},
    )
    def resume(self, *, at):
        pass

    @transition(
        field=status,
        source=CaseStatus.APPROVED,
        target=CaseStatus.IN_TRANSIT,
        conditions=[needs_return_shipment],  # type: ignore[list-item]
        permission=WORK,
        custom={"label": _("Return shipped"), "public": True, "params": ["carrier", "tracking_number"]},
    )
    def ship_return(self, *, at, carrier: str = "", tracking_number: str = ""):
        self.return_carrier = carrier
        self.return_tracking_number = tracking_number

    @transition(
        field=status,
        source=CaseStatus.IN_TRANSIT,
        target=CaseStatus.RECEIVED,
        permission=WORK,
        custom={"label": _("Receive at warehouse"), "public": True},
    )
    def receive(self, *, at):
        pass

    @transition(
        field=status,
        source=CaseStatus.RECEIVED,
        target=CaseStatus.INSPECTED,
        permission=WORK,
        custom={"label": _("Record inspection"), "public": True, "params": ["passed", "grade", "inspection_note"]},
    )
    def inspect(self, *, at, passed: bool, grade: str = "", inspection_note: str = ""):
        self.inspection_passed = passed
        self.inspection_grade = grade
        self.inspection_note = inspection_note

    # resolve has one source per path, each with its own condition.
    @transition(
        field=status,
        source=CaseStatus.INSPECTED,
        target=CaseStatus.RESOLVED,
        conditions=[needs_return_shipment],  # type: ignore[list-item]
        permission=WORK,
        custom={
            "label": _("Resolve"),
            "public": True,
            "params": ["resolution_type", "refund_amount", "resolution_note"],
        },
    )
    @transition(
        field=status,
        source=CaseStatus.APPROVED,
        target=CaseStatus.RESOLVED,
        conditions=[is_refund_only],  # type: ignore[list-item]
        permission=WORK,
        custom={
            "label": _("Resolve"),
            "public": True,
            "params": ["resolution_type", "refund_amount", "resolution_note"],
        },
    )
    @transition(
        field=status,
        source=[CaseStatus.IN_PROGRESS, CaseStatus.AWAITING_CUSTOMER],
        target=CaseStatus.RESOLVED,
        permission=WORK,
        custom={
            "label": _("Resolve"),
            "public": True,
            "params": ["resolution_type", "refund_amount", "resolution_note"],
        },
    )
    def resolve(self, *, at, resolution_type: str, refund_amount: Decimal | None = None, resolution_note: str = ""):
        self.resolution_type = resolution_type
        self.refund_amount = refund_amount
        self.resolution_note = resolution_note
        self.resolved_at = at

    @transition(
        field=status,
        source=CaseStatus.RESOLVED,
        target=CaseStatus.IN_PROGRESS,
        conditions=[reopen_window_open],  # type: ignore[list-item]
        permission=REOPEN,
        custom={"label": _("Reopen"), "public": True},
    )
    def reopen(self, *, at):
        self.reopened_count += 1

    @transition(
        field=status,
        source=CaseStatus.RESOLVED,
        target=CaseStatus.CLOSED,
        permission=WORK,
        custom={"label": _("Close"), "public": True},
    )
    def close(self, *, at):
        self.closed_at = at

    # Not a step an agent picks (not in TRANSITION_NAMES, so ``transition_case`` refuses it): only
    # ``cases.workflow.merging.merge_cases`` runs it, closing a case merged into another open case.
    @transition(
        field=status,
        source=list(OPEN_STATUSES),
        target=CaseStatus.CANCELLED,
        permission=WORK,
        custom={"label": _("Merge into another case"), "public": True},
    )
    def merge(self, *, at):
        self.closed_at = at

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


TRANSITION_NAMES = (
    "approve",
    "reject",
    "cancel",
    "start",
    "wait_for_customer",
    "resume",
    "ship_return",
    "receive",
    "inspect",
    "resolve",
    "reopen",
    "close",
)


class CaseLine(models.Model):
    """Which order line the case is about, and how many units; what the warehouse did with them."""

    case = models.ForeignKey(Case, verbose_name=_("case"), on_delete=models.CASCADE, related_name="lines")
    order_line = models.ForeignKey(
        OrderLine, verbose_name=_("order line"), on_delete=models.PROTECT, related_name="case_lines"
    )
    quantity = models.PositiveIntegerField(_("quantity"))
    opened = models.BooleanField(_("opened by the customer"), default=False)
    requested_variant = models.ForeignKey(
        ProductVariant,
        verbose_name=_("wanted variant (exchange)"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    disposition = models.CharField(
        _("disposition"), max_length=20, choices=Disposition.choices, blank=True, db_index=True
    )

    class Meta:
        verbose_name = _("case line")
        verbose_name_plural = _("case lines")
        constraints = [
            models.CheckConstraint(condition=models.Q(quantity__gt=0), name="case_line_quantity_positive"),
            models.UniqueConstraint(fields=["case", "order_line"], name="case_line_once_per_order_line"),
        ]

    def __str__(self) -> str:
        return f"{self.case_id}: {self.order_line_id} x{self.quantity}"


class CaseEvent(models.Model):
    """One row per change that matters: the audit trail and the case's timeline."""

    case = models.ForeignKey(Case, verbose_name=_("case"), on_delete=models.CASCADE, related_name="events")
    type = models.CharField(_("type"), max_length=16, choices=EventType.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    actor_label = models.CharField(
        _("by (label)"), max_length=100, blank=True, help_text=_("'system', 'customer' or the user's name.")
    )
    transition = models.CharField(_("transition"), max_length=32, blank=True)
    from_status = models.CharField(_("from"), max_length=20, blank=True, choices=CaseStatus.choices)
    to_status = models.CharField(_("to"), max_length=20, blank=True, choices=CaseStatus.choices)
    channel = models.CharField(_("channel"), max_length=16, blank=True, choices=Channel.choices)
    note = models.TextField(_("note"), blank=True)
    data = models.JSONField(_("data"), default=dict, blank=True)
    public = models.BooleanField(_("customer can see it"), default=False)
    created_at = models.DateTimeField(_("at"))

    class Meta:
        verbose_name = _("case event")
        verbose_name_plural = _("case events")
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["case", "created_at", "id"], name="case_event_timeline"),
            models.Index(fields=["type", "created_at"], name="case_event_by_type_time"),
        ]

    def __str__(self) -> str:
        return f"{self.case_id} {self.type} {self.from_status}->{self.to_status}"


def attachment_path(instance: Attachment, filename: str) -> str:
    return f"cases/{instance.case_id}/{filename}"


class Attachment(models.Model):
    case = models.ForeignKey(Case, verbose_name=_("case"), on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(_("file"), upload_to=attachment_path)
    original_name = models.CharField(_("original name"), max_length=255)
    content_type = models.CharField(_("content type"), max_length=100)
    size = models.PositiveIntegerField(_("size (bytes)"))
    public = models.BooleanField(_("customer can see it"), default=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self) -> str:
        return self.original_name


class Tag(models.Model):
    name = models.CharField(_("name"), max_length=50, unique=True)

    class Meta:
        verbose_name = _("tag")
        verbose_name_plural = _("tags")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class CostLine(models.Model):
    """Money a case cost the shop; cost analytics sums these."""

    case = models.ForeignKey(Case, verbose_name=_("case"), on_delete=models.CASCADE, related_name="costs")
    kind = models.CharField(_("kind"), max_length=16, choices=CostKind.choices)
    amount = models.DecimalField(_("amount"), max_digits=12, decimal_places=2)
    currency = models.CharField(_("currency"), max_length=3, default="CNY")
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("cost line")
        verbose_name_plural = _("cost lines")
        indexes = [models.Index(fields=["case", "kind"], name="cost_by_case_kind")]
        constraints = [models.CheckConstraint(condition=models.Q(amount__gte=0), name="cost_line_amount_not_negative")]

    def __str__(self) -> str:
        return f"{self.kind} {self.amount} {self.currency}"


class CaseNumberCounter(models.Model):
    """The last case number handed out per year (RMA-2026-000123)."""

    year = models.PositiveIntegerField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("case number counter")
        verbose_name_plural = _("case number counters")

    def __str__(self) -> str:
        return f"{self.year}: {self.last}"
