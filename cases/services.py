"""The public write API of the cases app: every write to a case, for the other apps and the desk.

The functions live by domain (``cases.workflow``, ``cases.money``, ``cases.sla``, ``cases.catalog``); this
module names the ones other apps may call, so an app outside ``cases`` imports ``cases.services`` (writes),
``cases.selectors`` (reads), ``cases.models``, ``cases.signals`` and ``cases.exceptions`` and nothing else
(the import contracts in pyproject.toml hold it).

Each write runs in a single transaction that changes the rows, writes the ``CaseEvent`` (the audit trail and
the timeline) and sends ``case_event_recorded``; a rolled-back change leaves nothing behind and, because
receivers defer their side effects to ``on_commit``, sends nothing. What moves when a case changes is listed
in ``cases.workflow.transitions``.

Where each write lives:

=========================  =========================================================================
``cases.workflow``         creation (``create_case``), conversion (``convert_case``, ``reclassify_case``),
                           transitions (``transition_case``), steps,
                           editing (assignment, tags, links, merges, messages), merging, splitting,
                           opening from the desk (``open_desk_case``), mentions, complaints
                           (``classify_complaint``), the warehouse,
                           approval requests, events (``record_event``), routing, photos
``cases.money``            the refund ledger (``ledger``), approval limits, cost lines
``cases.sla``              business time, clocks, the sweep, follow-ups and revisits, recomputation
``cases.catalog``          the mirror of the shop's orders (``upsert_order``), carriers
``cases.policy``           the return policy engine and its shipped templates
=========================  =========================================================================
"""

from __future__ import annotations

from cases.catalog.orders import CustomerData, LineData, OrderConflict, OrderData, ProductData, upsert_order
from cases.masking import record_access, reveal_contact, reveal_customer
from cases.money.costs import add_cost_line
from cases.money.ledger import record_refund, request_refund, settle_refund
from cases.notifications import notify_customer, notify_users
from cases.sla.follow_ups import complete_revisit, create_revisit
from cases.workflow.approval_requests import decide_approval, request_approval
from cases.workflow.complaints import classify_complaint
from cases.workflow.conversion import CONVERSION_KINDS, convert_case, reclassify_case
from cases.workflow.creation import LineRequest, create_case
from cases.workflow.editing import (
    add_message,
    assign_case,
    check_assignment,
    link_cases,
    merge_case,
    reassign_case,
    save_case_edit,
    set_tags,
)
from cases.workflow.events import SYSTEM, actor_label_for, allocate_case_number, record_event
from cases.workflow.merging import merge_cases
from cases.workflow.opening import SOURCES, NewCustomer, open_desk_case
from cases.workflow.photos import Photo, PhotoRejected, clean_photo
from cases.workflow.splitting import split_message
from cases.workflow.steps import step_label, transition_permission, unmet_conditions
from cases.workflow.transitions import transition_case
from cases.workflow.warehouse import (
    AT_WAREHOUSE,
    REPLACEMENT_KINDS,
    add_warehouse_photos,
    set_disposition,
    ship_replacement,
)

__all__ = [
    "AT_WAREHOUSE",
    "CONVERSION_KINDS",
    "REPLACEMENT_KINDS",
    "SOURCES",
    "SYSTEM",
    "CustomerData",
    "LineData",
    "LineRequest",
    "NewCustomer",
    "OrderConflict",
    "OrderData",
    "Photo",
    "PhotoRejected",
    "ProductData",
    "actor_label_for",
    "add_cost_line",
    "add_message",
    "add_warehouse_photos",
    "allocate_case_number",
    "assign_case",
    "check_assignment",
    "classify_complaint",
    "clean_photo",
    "complete_revisit",
    "convert_case",
    "create_case",
    "create_revisit",
    "decide_approval",
    "link_cases",
    "merge_case",
    "merge_cases",
    "notify_customer",
    "notify_users",
    "open_desk_case",
    "reassign_case",
    "reclassify_case",
    "record_access",
    "record_event",
    "record_refund",
    "request_approval",
    "request_refund",
    "reveal_contact",
    "reveal_customer",
    "save_case_edit",
    "set_disposition",
    "set_tags",
    "settle_refund",
    "split_message",
    "ship_replacement",
    "step_label",
    "transition_case",
    "transition_permission",
    "unmet_conditions",
    "upsert_order",
]
