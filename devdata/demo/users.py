"""The demo users (agent, manager, admin), their passwords, and what ``seed_demo`` prints at the end."""

from __future__ import annotations

import os
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils.translation import gettext as _

from core.roles import ADMIN, AGENT, MANAGER, ensure_roles

DEMO_USERS = (AGENT, MANAGER, ADMIN)


@dataclass
class DemoUser:
    username: str
    password: str
    created: bool
    password_set: bool


def demo_password(username: str) -> str:
    """DEMO_PASSWORD for every demo user when set, else a per-user default (demo-agent-2026)."""
    return os.environ.get("DEMO_PASSWORD") or f"demo-{username}-2026"


def ensure_users(*, reset_passwords: bool = False) -> list[DemoUser]:
    """agent and manager (staff, in their groups) and admin (superuser); passwords only set on creation."""
    groups = ensure_roles()
    names = {
        AGENT: ("Li", "Na (agent 客服)"),
        MANAGER: ("Wang", "Qiang (manager 主管)"),
        ADMIN: ("Admin", ""),
    }
    result = []
    user_model = get_user_model()
    for username in DEMO_USERS:
        user, created = user_model.objects.get_or_create(
            username=username,
            defaults={
                "email": f"{username}@example.com",
                "first_name": names[username][0],
                "last_name": names[username][1],
                "is_staff": True,
                "is_superuser": username == ADMIN,
            },
        )
        password = demo_password(username)
        if created or reset_passwords:
            user.set_password(password)
            user.save()
        user.groups.add(groups[username])
        result.append(DemoUser(username, password, created, created or reset_passwords))
    return result


def login_hints(base_url: str) -> list[str]:
    """The lines ``seed_demo`` ends with: where to go and how to log in."""
    return [
        _("Open %(url)s") % {"url": base_url},
        _("Admin: %(url)sadmin/   API docs: %(url)sapi/v1/docs/   Health: %(url)shealthz") % {"url": base_url},
    ]


def base_url() -> str:
    host = os.environ.get("HOST") or "127.0.0.1"
    port = os.environ.get("PORT") or "8000"
    return f"http://{host}:{port}/"


def settings_allow_default_passwords() -> bool:
    """Published default passwords are fine for a local look (DEBUG), not for a real site."""
    return settings.DEBUG or bool(os.environ.get("DEMO_PASSWORD"))
