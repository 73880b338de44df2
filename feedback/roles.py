"""Feedback's share of the staff roles (``core.roles``); ``register()`` runs from
``FeedbackConfig.ready()``.
"""

from __future__ import annotations

from core.roles import AGENT, INTEGRATION, MANAGER, register_role_permissions

# Agents read the answers and the free feedback of their work.
AGENT_PERMISSIONS = [
    "view_surveyresponse",
    "view_surveyinvitation",
    "view_freefeedback",
]

# Managers set the surveys, their rules, the closed loop's numbers and the categories of free
# feedback, and read and export every answer.
MANAGER_PERMISSIONS = [
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
]

# An external survey tool imports answers; the shop forwards free feedback.
INTEGRATION_PERMISSIONS = [
    "add_surveyresponse",
    "view_surveyresponse",
    "add_freefeedback",
]


def register() -> None:
    """Grant the roles this app's permissions (``core.roles``); from ``FeedbackConfig.ready()``."""
    register_role_permissions(AGENT, [f"feedback.{codename}" for codename in AGENT_PERMISSIONS])
    register_role_permissions(MANAGER, [f"feedback.{codename}" for codename in MANAGER_PERMISSIONS])
    register_role_permissions(INTEGRATION, [f"feedback.{codename}" for codename in INTEGRATION_PERMISSIONS])
