"""Who may call what in the case API: the Django permissions the role groups carry (cases/roles.py
registers them with ``core.roles``).

Each view lists, per HTTP method, the permissions a user needs (all of them), checked by
``core.api.HasRolePermissions``: anonymous requests are refused with 401, a user without them gets
403. What a transition needs on top is checked by the service (``TransitionForbidden`` -> 403), per
step.
"""

from __future__ import annotations

# Reading the desk: the case and its internal timeline (agents, managers, admins). The
# integration role can view a case (the answer to its POST) but not the timeline, so it cannot
# browse the queue.
READ_CASES = ("cases.view_case", "cases.view_caseevent")
CREATE_CASE = ("cases.add_case",)
# Running a step starts here; the service then checks the step's own permission.
TRANSITION_CASE = ("cases.view_case",)
READ_ORDER = ("cases.view_order",)
# Converting and reclassifying a case: agents, managers, admins (work_case; the integration role has not).
CHANGE_CLASSIFICATION = ("cases.view_case", "cases.work_case")
# A complaint's category and severity: agents, managers, admins (the integration role cannot change cases).
CLASSIFY_COMPLAINT = ("cases.view_case", "cases.change_case")
# A staff user's own notifications (the workbench's bell): agents, managers, admins.
READ_NOTIFICATIONS = ("cases.view_notification",)
READ_REVISITS = ("cases.view_revisittask",)
COMPLETE_REVISIT = ("cases.view_revisittask", "cases.change_revisittask")
# The refund ledger: read a case's refunds (agents, managers, admins, the shop); report what became
# of a refund (the shop's integration, managers, admins).
READ_REFUNDS = ("cases.view_case", "cases.view_refund")
SETTLE_REFUND = ("cases.view_refund", "cases.settle_refund")
UPSERT_ORDER = ("cases.add_order", "cases.change_order", "cases.add_customer", "cases.change_customer")
