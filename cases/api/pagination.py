"""The case list's pages: keyset pagination (``core.pagination``) over the case API's two orders.

The case queue orders by ``sla_due_at`` ascending with cases without a deadline last, then by
``id``; or newest first. The ``ORDER BY sla_due_at ASC NULLS LAST, id`` and
``ORDER BY created_at DESC, id DESC`` the paginator emits are the orders of the indexes
``case_order_by_sla`` and ``case_list_recent``.
"""

from __future__ import annotations

from core.pagination import KeysetOrdering, KeysetPagination


class CasePagination(KeysetPagination):
    orderings = {
        "sla_due_at": KeysetOrdering("sla_due_at", nullable=True),
        "-created_at": KeysetOrdering("created_at", descending=True),
    }
    default_ordering = "sla_due_at"
    ordering_description = (
        "`sla_due_at`: next SLA deadline first, cases without one last (default); `-created_at`: newest first."
    )
