"""The cases app's share of the staff roles (``core.roles``): what agents, managers and the shop's
integration may do with cases, orders, products, policies, SLAs, approvals and refunds.

The other apps register their own permissions; ``register()`` runs from ``CasesConfig.ready()``.
"view_*" and friends are Django's model permissions.
"""

from __future__ import annotations

from core.roles import AGENT, INTEGRATION, MANAGER, register_role_permissions

# Who may enter the desk (core.desk.desk_required): reading cases and their internal timeline
# (agents, managers, admins; not the integration role).
DESK_PERMISSIONS = ("cases.view_case", "cases.view_caseevent")

AGENT_PERMISSIONS = [
    "view_case",
    "add_case",
    "change_case",
    "work_case",
    "decide_case",
    "reopen_case",
    "view_caseevent",
    "view_caseline",
    "view_customer",
    "view_order",
    "view_orderline",
    "view_product",
    "view_productvariant",
    "view_attachment",
    "add_attachment",
    "view_tag",
    "view_costline",
    "add_costline",
    "view_team",
    "view_returnpolicy",
    "view_returnpolicyrule",
    "view_slaclock",
    "view_followup",
    "view_revisittask",
    "change_revisittask",
    "view_notification",
    "view_slapolicy",
    "view_businesscalendar",
    "view_calendarday",
    "view_cannedreply",
    "view_macro",
    "view_article",
    "view_approvallimit",
    "view_approvalrequest",
    "view_refund",
    "view_refundline",
]

MANAGER_PERMISSIONS = [
    "view_case",
    "add_case",
    "change_case",
    "work_case",
    "decide_case",
    "reopen_case",
    "view_caseevent",
    "view_caseline",
    "view_customer",
    "change_customer",
    "view_order",
    "view_orderline",
    "view_product",
    "change_product",
    "view_productvariant",
    "view_attachment",
    "add_attachment",
    "view_tag",
    "add_tag",
    "change_tag",
    "view_costline",
    "add_costline",
    "change_costline",
    "view_team",
    "add_team",
    "change_team",
    "view_returnpolicy",
    "add_returnpolicy",
    "change_returnpolicy",
    "view_returnpolicyrule",
    "add_returnpolicyrule",
    "change_returnpolicyrule",
    "delete_returnpolicyrule",
    "view_businesscalendar",
    "add_businesscalendar",
    "change_businesscalendar",
    "view_calendarday",
    "add_calendarday",
    "change_calendarday",
    "delete_calendarday",
    "view_slapolicy",
    "add_slapolicy",
    "change_slapolicy",
    "delete_slapolicy",
    "view_servicesettings",
    "change_servicesettings",
    "view_slaclock",
    "view_followup",
    "view_revisittask",
    "change_revisittask",
    "view_notification",
    "view_cannedreply",
    "add_cannedreply",
    "change_cannedreply",
    "delete_cannedreply",
    "view_macro",
    "add_macro",
    "change_macro",
    "delete_macro",
    "share_savedview",
    "view_routingrule",
    "add_routingrule",
    "change_routingrule",
    "delete_routingrule",
    "view_agentprofile",
    "add_agentprofile",
    "change_agentprofile",
    "view_article",
    "add_article",
    "change_article",
    "delete_article",
    "approve_refund",
    "view_all_teams",
    "view_approvallimit",
    "add_approvallimit",
    "change_approvallimit",
    "delete_approvallimit",
    "view_approvalrequest",
    "view_refund",
    "view_refundline",
    "settle_refund",
]

# The shop's order system: pushes orders and opens cases through the API with a token.
INTEGRATION_PERMISSIONS = [
    "add_order",
    "change_order",
    "view_order",
    "add_customer",
    "change_customer",
    "view_customer",
    "add_case",
    "view_case",
    # The shop executes refunds and reports what became of them (succeeded, failed, cancelled).
    "view_refund",
    "view_refundline",
    "settle_refund",
    # A system account of no team: the teams restriction (DESK_TEAMS_RESTRICT) is for staff, and
    # would hide every case's refunds from the shop that pays them.
    "view_all_teams",
]


def register() -> None:
    """Grant the roles this app's permissions (``core.roles``); from ``CasesConfig.ready()``."""
    register_role_permissions(AGENT, [f"cases.{codename}" for codename in AGENT_PERMISSIONS])
    register_role_permissions(MANAGER, [f"cases.{codename}" for codename in MANAGER_PERMISSIONS])
    register_role_permissions(INTEGRATION, [f"cases.{codename}" for codename in INTEGRATION_PERMISSIONS])
