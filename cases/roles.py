"""The staff roles as Django groups, with their permissions. Customers are not staff users.

``ensure_roles()`` is idempotent; it runs after every ``migrate`` (post_migrate) and from
``seed_demo``, so a fresh database always has the groups.
"""

from __future__ import annotations

from django.contrib.auth.models import Group, Permission

AGENT = "agent"
MANAGER = "manager"
ADMIN = "admin"
INTEGRATION = "integration"

# codename lists per app label; "view_*" and friends are Django's model permissions.
ROLE_PERMISSIONS: dict[str, dict[str, list[str]]] = {
    AGENT: {
        "cases": [
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
            "view_article",
            "view_approvallimit",
            "view_approvalrequest",
            "view_refund",
            "view_refundline",
        ],
        # The channels (channels_app): read the messages, identities and chats of the cases they work.
        "channels_app": [
            "view_message",
            "view_messageattachment",
            "view_contactidentity",
            "view_chatsession",
        ],
        # Feedback: read the answers and the free feedback of their work.
        "feedback": [
            "view_surveyresponse",
            "view_surveyinvitation",
            "view_freefeedback",
        ],
        # Analytics: an agent sees their own scorecard only.
        "analytics": ["view_own_scorecard"],
    },
    MANAGER: {
        "cases": [
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
        ],
        # Managers merge customers (identities move) and read the channels' configuration and logs;
        # the secrets and mail servers of the channels are the administrators' (superusers).
        "channels_app": [
            "view_message",
            "view_messageattachment",
            "view_contactidentity",
            "change_contactidentity",
            "view_chatsession",
            "view_emailinbox",
            "view_chatwidget",
            "view_socialaccount",
            "view_phoneline",
            "view_shopwebhook",
            "view_webhookdelivery",
        ],
        # Feedback: managers set the surveys, their rules, the closed loop's numbers and the
        # categories of free feedback, and read and export every answer.
        "feedback": [
            "view_survey",
            "add_survey",
            "change_survey",
            "view_surveyrule",
            "add_surveyrule",
            "change_surveyrule",
            "delete_surveyrule",
            "view_feedbacksettings",
            "change_feedbacksettings",
            "view_surveyinvitation",
            "view_surveyresponse",
            "add_surveyresponse",
            "view_feedbackcategory",
            "add_feedbackcategory",
            "change_feedbackcategory",
            "delete_feedbackcategory",
            "view_freefeedback",
            "change_freefeedback",
        ],
        # Analytics: the dashboard, every scorecard and the exports; the weights and the targets.
        "analytics": [
            "view_dashboard",
            "view_own_scorecard",
            "view_scorecardsettings",
            "change_scorecardsettings",
            "view_kpitarget",
            "add_kpitarget",
            "change_kpitarget",
            "delete_kpitarget",
        ],
    },
    # The shop's order system: pushes orders and opens cases through the API with a token.
    INTEGRATION: {
        "cases": [
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
        ],
        # An external survey tool imports answers; the shop forwards free feedback.
        "feedback": ["add_surveyresponse", "view_surveyresponse", "add_freefeedback"],
    },
}


def ensure_roles() -> dict[str, Group]:
    """Create or update the role groups with exactly their permissions (admin gets all)."""
    groups = {}
    for role, by_app in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=role)
        perms = []
        for app_label, codenames in by_app.items():
            found = list(Permission.objects.filter(content_type__app_label=app_label, codename__in=codenames))
            missing = set(codenames) - {p.codename for p in found}
            if missing:
                raise RuntimeError(f"Permissions missing for role {role}: {sorted(missing)}; run migrate first.")
            perms.extend(found)
        group.permissions.set(perms)
        groups[role] = group
    admin_group, _ = Group.objects.get_or_create(name=ADMIN)
    admin_group.permissions.set(Permission.objects.all())
    groups[ADMIN] = admin_group
    return groups
