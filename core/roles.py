"""The staff roles as Django groups, with the permissions each app grants them. Customers are not
staff users.

The roles are the kernel's (``AGENT``, ``MANAGER``, ``INTEGRATION``, ``ADMIN``); what each may do
is said by the apps that own the permissions: each app's ``AppConfig.ready()`` calls
``register_role_permissions(role, ["app_label.codename", ...])`` for its own models, so no app
names another's permissions. ``ADMIN`` holds every permission and takes no registration.

``ensure_roles()`` builds the groups with exactly the registered permissions. It is idempotent; it
runs after every ``migrate`` (post_migrate, ``core.apps``) and from the demo data, so a fresh
database always has the groups.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.apps import apps
from django.contrib.auth.management import create_permissions
from django.contrib.auth.models import Group, Permission

AGENT = "agent"
MANAGER = "manager"
ADMIN = "admin"
INTEGRATION = "integration"

# The roles that hold what the apps register, in the order their groups are created; then ADMIN.
REGISTERED_ROLES = (AGENT, MANAGER, INTEGRATION)

# role -> app label -> codenames (dicts as ordered sets: registering twice changes nothing)
_registry: dict[str, dict[str, dict[str, None]]] = {role: {} for role in REGISTERED_ROLES}


def register_role_permissions(role: str, permissions: Iterable[str]) -> None:
    """Grant ``role`` the ``permissions`` (``"app_label.codename"``); called from ``AppConfig.ready()``."""
    if role not in _registry:
        raise ValueError(f"{role!r} is not a role that takes permissions; choose one of {REGISTERED_ROLES}.")
    for permission in permissions:
        app_label, dot, codename = permission.partition(".")
        if not (app_label and dot and codename):
            raise ValueError(f"{permission!r} is not a permission (write app_label.codename).")
        _registry[role].setdefault(app_label, {})[codename] = None


def role_permissions(role: str) -> dict[str, list[str]]:
    """The codenames registered for ``role``, per app label."""
    return {app_label: list(codenames) for app_label, codenames in _registry[role].items()}


def ensure_roles() -> dict[str, Group]:
    """Create or update the role groups with exactly their permissions (admin gets all)."""
    groups = {}
    for role in REGISTERED_ROLES:
        group, _ = Group.objects.get_or_create(name=role)
        perms = []
        for app_label, codenames in role_permissions(role).items():
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


def ensure_roles_after_migrate(sender: object, **kwargs: Any) -> None:
    """post_migrate: the roles name permissions of every app, so create every app's first
    (idempotent; Django would create them a moment later), then the groups."""
    for app_config in apps.get_app_configs():
        create_permissions(app_config, verbosity=0, using=kwargs.get("using", "default"))
    ensure_roles()
