"""The admin: every admin route (from the URL resolver, custom ones included) sends anonymous
visitors, portal customers and signed-in users without a staff role to the sign-in page; for the
staff roles each model's list and add pages follow the role's model permissions (core/roles.py)."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import NoReverseMatch, URLPattern, URLResolver, get_resolver, reverse
from django.urls.resolvers import RoutePattern

from tests.accounts.factories import UserFactory
from tests.security.access_world import build_world, client_for, outcome

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    """The attachments these tests write go to a temporary MEDIA_ROOT."""
    settings.MEDIA_ROOT = str(tmp_path / "media")


# The only admin pages someone not signed in may open.
OPEN = {"admin:login", "admin:logout"}  # logout of nobody just goes back to the index


def admin_urls() -> list[tuple[str, str]]:
    """(name, a concrete URL) for every admin route, its arguments filled with a placeholder."""
    admin_root = next(
        p for p in get_resolver().url_patterns if isinstance(p, URLResolver) and str(p.pattern) == "admin/"
    )
    found = []

    def visit(resolver, namespace):
        for entry in resolver.url_patterns:
            if isinstance(entry, URLResolver):
                visit(entry, entry.namespace or namespace)
                continue
            assert isinstance(entry, URLPattern)
            if entry.name is None:  # the catch-all: any other path under /admin/
                found.append(("catch-all", "/admin/no-such-page/"))
                continue
            pattern = entry.pattern
            names = pattern.converters if isinstance(pattern, RoutePattern) else pattern.regex.groupindex
            kwargs = {name: ("cases" if name == "app_label" else "1") for name in names}
            found.append((f"{namespace}:{entry.name}", reverse(f"{namespace}:{entry.name}", kwargs=kwargs)))

    visit(admin_root, "admin")
    return found


def test_every_admin_route_needs_a_signed_in_staff_user():
    world = build_world()
    outsider = UserFactory(username="no-role")  # signed in, not staff
    outsider_client = Client()
    outsider_client.force_login(outsider)
    clients = {
        "anon": client_for("anon", world),
        "cust_a": client_for("cust_a", world),
        "outsider": outsider_client,
    }
    urls = admin_urls()
    assert len(urls) > 100  # every model's routes, not just the index
    wrong = []
    for name, url in urls:
        if name in OPEN:
            continue
        for who, client in clients.items():
            got = outcome(client.get(url))
            if got != "login":
                wrong.append(f"{who} GET {url} ({name}): {got}")
    assert not wrong, "\n".join(wrong)


def _has(user, app_label: str, codenames: list[str]) -> bool:
    return any(user.has_perm(f"{app_label}.{codename}") for codename in codenames)


@pytest.mark.parametrize("role", ["agent", "manager", "admin"])
def test_each_model_page_of_the_admin_follows_the_roles_permissions(role):
    world = build_world()
    user = getattr(world, role)
    client = Client()
    client.force_login(user)
    wrong = []
    for model in admin.site._registry:
        meta = model._meta
        name = meta.model_name
        pages = {
            "changelist": (f"admin:{meta.app_label}_{name}_changelist", [f"view_{name}", f"change_{name}"]),
            "add": (f"admin:{meta.app_label}_{name}_add", [f"add_{name}"]),
        }
        for page, (url_name, codenames) in pages.items():
            try:
                url = reverse(url_name)
            except NoReverseMatch:  # a singleton admin has no list or add page of its own
                continue
            allowed = _has(user, meta.app_label, codenames)
            got = outcome(client.get(url))
            # A role without the permission is refused; with it, the page opens (or redirects, as a
            # singleton's list goes to its one object), unless the ModelAdmin itself forbids it for all.
            if not allowed and got != "403":
                wrong.append(f"{role} {url}: {got}, but the role lacks {codenames}")
            if allowed and got not in ("ok", "403"):
                wrong.append(f"{role} {url}: {got}")
            if allowed and got == "403" and role == "admin" and page == "changelist":  # add: read-only admins
                wrong.append(f"the superuser is refused {url}")
    assert not wrong, "\n".join(wrong)
    # The role holds exactly the permissions the apps registered (core/roles.py) (a sanity check of the setup).
    if role != "admin":
        assert user.get_all_permissions() == {
            f"{p.content_type.app_label}.{p.codename}" for p in Permission.objects.filter(group__user=user)
        }
