"""The personal data in this app's models, for the registry of ``core.personal_data`` (called from
``CasesConfig.ready``). Erasure (``privacy.services.erase_customer``) keeps what the statistics
need (kinds, statuses, times, amounts, codes) and wipes what names or describes the person."""

from __future__ import annotations

from django.db.models import Q

from cases.models import (
    AgentProfile,
    ApprovalLimit,
    ApprovalRequest,
    Article,
    Attachment,
    BusinessCalendar,
    CalendarDay,
    CannedReply,
    Case,
    CaseEvent,
    CaseLine,
    CostLine,
    Customer,
    FollowUp,
    Macro,
    Notification,
    Order,
    OrderLine,
    Product,
    ProductVariant,
    Refund,
    ReturnPolicy,
    ReturnPolicyRule,
    RevisitTask,
    RoutingRule,
    SavedView,
    SlaClock,
    SlaPolicy,
    Tag,
    Team,
)
from core.personal_data import ERASED, How, not_personal, register

# CaseEvent.data keys that carry no personal data and that the KPIs and the timeline read
# ("direction" decides what a first response is). Every other key is dropped on erasure, so a key
# added later is wiped by default. Not "reason": a rejection stores the free text given there.
EVENT_DATA_KEPT = (
    "direction",
    "fields",
    "assignee",
    "team",
    "carrier",
    "kind",
    "amount",
    "currency",
    "clock",
    "due_at",
    "follow_up",
    "task",
    "message",
    "merged",
    "line",
    "sku",
    "disposition",
    "count",
    "approval",
    "approved",
    "invitation",
    "reminder",
    "linked",
    "flag",
    "chat_session",
    "merged_customer",
    "case",
    "tags",
    "automatic",
    "refund",
)

CONFIGURATION = "configuration the staff writes, about no customer"
CODE = "a code, status or choice from a fixed list"
ORDER_RECORD = (
    "the order record a shop must keep for its accounts and tax (CN E-Commerce Law art. 31: at least "
    "three years; EU member states' commercial and tax codes: up to ten years)"
)


def register_all() -> None:
    """Every field of this app's models that can hold text or data, in the registry: the customer and
    their orders, the cases, what a case keeps (events, files, money, tasks, notices), and the staff's
    configuration, which names no customer."""
    _register_customers_and_orders()
    _register_cases()
    _register_case_records()
    _declare_configuration()
    _register_desk_tools()


def _of_cases(s) -> Q:
    """The rows on the customer's cases."""
    return Q(case__in=s.pks(Case))


def _register_customers_and_orders() -> None:
    register(Customer, rows=lambda s: Q(pk=s.customer.pk), fields=["name"], how=How.MASK, value=_erased_name)
    register(Customer, fields=["email", "phone", "external_id", "dedicated_agent"], how=How.BLANK)
    not_personal(Customer, fields=["tier", "language"], reason=CODE + "; the KPIs split by tier")

    register(Order, rows=lambda s: Q(customer=s.customer), fields=["shipping_address"], how=How.BLANK)
    register(Order, fields=["number"], how=How.KEEP, reason=ORDER_RECORD)
    not_personal(Order, fields=["status", "currency"], reason=CODE)
    not_personal(OrderLine, fields=["sku", "name"], reason="what was sold: the catalogue's words")


def _register_cases() -> None:
    register(
        Case,
        rows=lambda s: Q(customer=s.customer),
        fields=[
            "subject",
            "reason_text",
            "rejection_reason",
            "inspection_note",
            "resolution_note",
            "return_tracking_number",
            "replacement_tracking_number",
        ],
        how=How.BLANK,
    )
    not_personal(
        Case,
        fields=[
            "number",
            "kind",
            "status",
            "channel",
            "priority",
            "reason_code",
            "complaint_category",
            "complaint_severity",
            "policy_outcome",
            "return_carrier",
            "inspection_grade",
            "resolution_type",
            "currency",
            "replacement_carrier",
        ],
        reason=CODE + " (the case number is ours, not the customer's)",
    )
    not_personal(
        Case,
        fields=["policy_explanation"],
        reason="the policy engine's rule, code and parameters (days, amounts): no text of the customer",
    )
    not_personal(CaseLine, fields=["disposition"], reason=CODE)


def _register_case_records() -> None:
    """The timeline, attachments, costs, the refund ledger, approvals, revisits, notifications and clocks of a case."""
    register(CaseEvent, rows=_of_cases, fields=["note"], how=How.BLANK)
    register(CaseEvent, fields=["data"], how=How.KEEP_KEYS, keys=EVENT_DATA_KEPT)
    not_personal(
        CaseEvent,
        fields=["type", "transition", "from_status", "to_status", "channel", "actor_label"],
        reason=CODE + "; the actor label is a staff user name or the word 'customer'",
    )

    register(Attachment, rows=_of_cases, fields=["file", "original_name", "content_type"], how=How.DELETE)
    register(CostLine, rows=_of_cases, fields=["note"], how=How.BLANK)
    not_personal(CostLine, fields=["kind", "currency"], reason=CODE)
    # The refund ledger's rows stay (the order record); their free texts go.
    register(Refund, rows=_of_cases, fields=["reason", "settlement_note"], how=How.BLANK)
    not_personal(Refund, fields=["currency", "resolution_type", "status"], reason=CODE)
    not_personal(Refund, fields=["key"], reason="the idempotency key, made of our own ids")
    register(ApprovalRequest, rows=_of_cases, fields=["resolution_note", "decision_note"], how=How.BLANK)
    not_personal(ApprovalRequest, fields=["resolution_type"], reason=CODE)
    register(RevisitTask, rows=_of_cases, fields=["note", "outcome"], how=How.BLANK)
    not_personal(RevisitTask, fields=["reason"], reason=CODE)
    register(Notification, rows=_of_cases, fields=["email", "body", "last_error"], how=How.BLANK)
    register(Notification, fields=["subject"], how=How.MASK, value=ERASED)
    not_personal(Notification, fields=["kind", "status"], reason=CODE + " (the status: where its email stands)")
    not_personal(SlaClock, fields=["kind", "state"], reason=CODE)
    not_personal(FollowUp, fields=["kind"], reason=CODE)


def _declare_configuration() -> None:
    """What the staff sets up: teams, tags, the catalogue, canned replies, routing, articles, limits, policies, SLAs."""
    not_personal(Team, fields=["code", "name"], reason=CONFIGURATION)
    not_personal(Tag, fields=["name"], reason=CONFIGURATION)
    not_personal(Product, fields=["sku", "name", "category", "supplier", "flags"], reason="the catalogue")
    not_personal(ProductVariant, fields=["sku", "name", "attributes"], reason="the catalogue")
    not_personal(CannedReply, fields=["title", "body_en", "body_zh"], reason=CONFIGURATION)
    not_personal(AgentProfile, fields=["skills"], reason=CONFIGURATION)
    not_personal(RoutingRule, fields=["name", "kinds", "channels", "tiers", "method", "skill"], reason=CONFIGURATION)
    not_personal(Article, fields=["category", "title_en", "title_zh", "body_en", "body_zh"], reason=CONFIGURATION)
    not_personal(ApprovalLimit, fields=["role", "resolution_type"], reason=CONFIGURATION)
    not_personal(
        ReturnPolicy, fields=["name_en", "name_zh", "code", "version", "region", "description"], reason=CONFIGURATION
    )
    not_personal(
        ReturnPolicyRule,
        fields=[
            "name_en",
            "name_zh",
            "rule_type",
            "kinds",
            "reasons",
            "categories",
            "skus",
            "product_flags",
            "tiers",
            "outcome",
        ],
        reason=CONFIGURATION,
    )
    not_personal(BusinessCalendar, fields=["code", "name", "time_zone", "hours"], reason=CONFIGURATION)
    not_personal(CalendarDay, fields=["kind", "name"], reason=CONFIGURATION)
    not_personal(
        SlaPolicy, fields=["name", "priorities", "channels", "kinds", "tiers", "severities"], reason=CONFIGURATION
    )


def _saved_searches_naming(s) -> Q:
    """The saved views whose search is the customer's name, email or phone."""
    found = Q(pk__in=[])
    for value in (s.customer.name, s.customer.email, s.customer.phone):
        if value:
            found |= Q(filters__q__iexact=value)
    return found


def _register_desk_tools() -> None:
    """The queue's saved views and macros (issue 18): a view searching for the customer by name,
    email or phone goes; the rest is the staff's configuration."""
    register(SavedView, rows=_saved_searches_naming, fields=["filters"], how=How.DELETE)
    not_personal(SavedView, fields=["name"], reason=CONFIGURATION)
    not_personal(Macro, fields=["title", "tags", "priority", "step"], reason=CONFIGURATION)


def _erased_name(customer) -> str:
    return f"{ERASED} {customer.pk}"
