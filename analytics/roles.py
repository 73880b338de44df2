"""Analytics' share of the staff roles (``core.roles``); ``register()`` runs from
``AnalyticsConfig.ready()``.
"""

from __future__ import annotations

from core.roles import AGENT, MANAGER, register_role_permissions

# An agent sees their own scorecard only.
AGENT_PERMISSIONS = [
    "view_own_scorecard",
]

# Managers: the dashboard, every scorecard and the exports; the weights and the targets.
MANAGER_PERMISSIONS = [
    "view_dashboard",
    "view_own_scorecard",
    "view_scorecardsettings",
    "change_scorecardsettings",
    "view_kpitarget",
    "add_kpitarget",
    "change_kpitarget",
    "delete_kpitarget",
]


def register() -> None:
    """Grant the roles this app's permissions (``core.roles``); from ``AnalyticsConfig.ready()``."""
    register_role_permissions(AGENT, [f"analytics.{codename}" for codename in AGENT_PERMISSIONS])
    register_role_permissions(MANAGER, [f"analytics.{codename}" for codename in MANAGER_PERMISSIONS])
