"""The tables ``seed_bench`` fills, every column of each, and a case row's defaults as COPY text.

Every column of each table is listed (Django sets no database defaults), so a model that gains a
column stops the seeding with a clear error (``check_columns``) instead of failing in the middle
of a COPY.
"""

from __future__ import annotations

from operator import itemgetter

from django.db.models import Model
from django.utils.translation import gettext as _

from cases.models import (
    Case,
    CaseEvent,
    CaseLine,
    CostLine,
    Customer,
    Order,
    OrderLine,
    Product,
    ProductVariant,
    Refund,
    SlaClock,
)
from feedback.models import SurveyInvitation, SurveyResponse

NULL = "\\N"

# In the order they are loaded: what refers to a row comes after it.
_COLUMN_NAMES = {
    Customer: "id external_id name email phone tier language dedicated_agent_id created_at",
    Order: "id number customer_id status placed_at delivered_at currency paid_amount shipping_address updated_at",
    OrderLine: "id order_id line_no product_id variant_id sku name quantity unit_price paid_amount",
    Case: (
        "id number kind status channel priority reason_code reason_text subject customer_id order_id assignee_id "
        "team_id merged_into_id policy_outcome policy_rule_id policy_explanation rejection_reason return_carrier "
        "return_tracking_number inspection_passed inspection_grade inspection_note resolution_type refund_amount "
        "currency resolution_note replacement_carrier replacement_tracking_number replacement_shipped_at "
        "first_response_due_at next_response_due_at resolution_due_at sla_due_at first_responded_at created_at "
        "updated_at approved_at resolved_at closed_at reopened_count version complaint_category complaint_severity"
    ),
    CaseLine: "id case_id order_line_id quantity opened requested_variant_id disposition",
    CaseEvent: (
        "id case_id type actor_id actor_label transition from_status to_status channel note data public created_at"
    ),
    SlaClock: (
        "id case_id kind state policy_id calendar_id target_seconds warn_seconds used_seconds started_at resumed_at "
        "paused_at due_at warn_at warned_at breached_at stopped_at"
    ),
    CostLine: "id case_id kind amount currency note created_by_id created_at",
    # The refund ledger (issue 16): every refund cost line has its refund, settled a day later.
    Refund: (
        "id case_id order_id amount currency resolution_type reason status key requested_by_id approved_by_id "
        "approval_id cost_line_id created_at settled_at settlement_note"
    ),
    SurveyInvitation: (
        "id case_id customer_id survey_id channel language status sent_at reminded_at expires_at answered_at"
    ),
    SurveyResponse: (
        "id invitation_id case_id customer_id agent_id team_id channel kind csat nps ces comment complaint language "
        "source external_id answered_at"
    ),
}
COLUMNS: dict[type[Model], tuple[str, ...]] = {model: tuple(cols.split()) for model, cols in _COLUMN_NAMES.items()}
CASE_ROW = itemgetter(*COLUMNS[Case])
# Every table a run writes: the ones loaded with COPY, and the catalogue written through the ORM.
WRITTEN: tuple[type[Model], ...] = (*COLUMNS, Product, ProductVariant)
CASE_TABLES = (Case, CaseLine, CaseEvent, SlaClock, CostLine, Refund, SurveyInvitation, SurveyResponse)
# A case's defaults as COPY text; the generator fills in what differs.
CASE_DEFAULTS = {
    # Only complaints are classified: the generator sets a complaint's category and severity.
    "complaint_category": NULL,
    "complaint_severity": NULL,
    "order_id": NULL,
    "assignee_id": NULL,
    "team_id": NULL,
    "merged_into_id": NULL,
    "reason_text": "",
    "policy_outcome": "not_applicable",
    "policy_rule_id": NULL,
    "policy_explanation": "{}",
    "rejection_reason": "",
    "return_carrier": "",
    "return_tracking_number": "",
    "inspection_passed": NULL,
    "inspection_grade": "",
    "inspection_note": "",
    "resolution_type": "",
    "refund_amount": NULL,
    "currency": "CNY",
    "resolution_note": "",
    "replacement_carrier": "",
    "replacement_tracking_number": "",
    "replacement_shipped_at": NULL,
    "first_response_due_at": NULL,
    "next_response_due_at": NULL,
    "resolution_due_at": NULL,
    "sla_due_at": NULL,
    "first_responded_at": NULL,
    "approved_at": NULL,
    "resolved_at": NULL,
    "closed_at": NULL,
    "reopened_count": "0",
    "version": "1",
}


def check_columns() -> None:
    """Refuse to run when a model's columns differ from the ones this package writes."""
    for model, columns in COLUMNS.items():
        have = {str(f.column) for f in model._meta.concrete_fields}
        if have != set(columns):
            raise RuntimeError(
                _(
                    "seed_bench does not know the columns of %(table)s any more (missing: %(missing)s, "
                    "extra: %(extra)s): update devdata/bench/tables.py."
                )
                % {
                    "table": model._meta.db_table,
                    "missing": ", ".join(sorted(have - set(columns))) or "-",
                    "extra": ", ".join(sorted(set(columns) - have)) or "-",
                }
            )
