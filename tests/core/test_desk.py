"""core.desk: who may enter the desk, and its menu, which each app fills from its AppConfig.ready()
(core.desk.register_menu_entry) and templates/desk/base.html shows: only the entries the user may
see, in their order."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.test import RequestFactory
from django.urls import reverse

from core import desk
from tests.accounts.factories import UserFactory

QUEUE = "/desk/"


def _menu(html: str) -> list[str]:
    """The labels of the header's menu, in page order."""
    header = html.split("<header>", 1)[1].split("</header>", 1)[0]
    return re.findall(r'<nav class="tabs" aria-label="[^"]*"><a href="[^"]*">([^<]*)</a></nav>', header)


@pytest.mark.django_db
def test_an_agent_sees_the_pages_of_their_role(client, agent):
    client.force_login(agent)
    assert _menu(client.get(QUEUE).content.decode()) == ["New case", "Log a call", "Follow-ups", "Two-factor sign-in"]


@pytest.mark.django_db
def test_a_manager_also_sees_the_dashboard(client, manager):
    client.force_login(manager)
    html = client.get(QUEUE).content.decode()
    assert _menu(html) == ["New case", "Log a call", "Follow-ups", "Two-factor sign-in", "Dashboard"]
    assert f'aria-label="Workbench"><a href="{reverse("desk:new_case")}">New case</a>' in html
    assert f'<nav class="tabs" aria-label="Dashboard"><a href="{reverse("dashboard:home")}">Dashboard</a></nav>' in html
    assert f'aria-label="Workbench"><a href="{reverse("desk_calls:new")}">Log a call</a>' in html
    assert f'aria-label="Feedback"><a href="{reverse("feedback_desk:follow_ups")}">Follow-ups</a>' in html
    assert f'aria-label="Account"><a href="{reverse("accounts:two_factor")}">Two-factor sign-in</a>' in html


@pytest.mark.django_db
def test_the_menu_speaks_the_users_language(client, manager):
    client.force_login(manager)
    html = client.get(QUEUE, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert _menu(html)[:2] == ["新建工单", "记录通话"]  # "New case", "Log a call"
    assert "Dashboard" not in _menu(html) and len(_menu(html)) == 5


@pytest.mark.django_db
def test_the_sign_in_page_shows_no_menu(client):
    assert _menu(client.get(reverse("desk:login")).content.decode()) == []


def test_every_app_registered_its_entries_in_order():
    names = [entry.url_name for entry in desk.menu_entries()]
    assert names[:5] == [
        "desk:new_case",
        "desk_calls:new",
        "feedback_desk:follow_ups",
        "accounts:two_factor",
        "dashboard:home",
    ]


@pytest.mark.django_db
def test_an_entry_shows_to_whom_its_permission_and_staff_flag_allow():
    entry = desk.MenuEntry(label="X", url_name="desk:queue", permission="cases.work_case", staff_only=True)
    agent = UserFactory(username="menu-agent", role="agent")
    shop = UserFactory(username="menu-shop", role="integration")
    assert entry.visible_to(agent)
    assert not entry.visible_to(shop)  # neither staff nor allowed to work cases
    agent.is_staff = False
    assert not entry.visible_to(agent)
    assert desk.MenuEntry(label="Y", url_name="desk:queue").visible_to(shop)
    assert not desk.MenuEntry(label="Y", url_name="desk:queue").visible_to(AnonymousUser())


@pytest.mark.django_db
def test_an_entry_whose_page_is_not_mounted_is_left_out(monkeypatch, manager):
    monkeypatch.setattr(desk, "_menu", dict(desk._menu))
    desk.register_menu_entry(label="Nowhere", url_name="nowhere:page", order=1)
    labels = [entry.label for entry, _url in desk.menu_for(manager)]
    assert "Nowhere" not in labels and len(labels) == 5


# --- who may enter ------------------------------------------------------------------------------------------


@desk.desk_required
def _page(request):
    return HttpResponse("in")


def _get(user):
    request = RequestFactory().get("/desk/somewhere/")
    request.user = user
    return _page(request)


@pytest.mark.django_db
def test_desk_staff_get_in(agent, manager, admin_user):
    for user in (agent, manager, admin_user):
        assert _get(user).content == b"in"


@pytest.mark.django_db
def test_a_signed_in_user_without_the_desk_permissions_is_refused(integration_user, outsider):
    for user in (integration_user, outsider):
        with pytest.raises(PermissionDenied):
            _get(user)


def test_anonymous_visitors_go_to_the_desk_sign_in_page():
    response = _get(AnonymousUser())
    assert response.status_code == 302 and response["Location"].startswith(reverse("desk:login"))


def test_the_cases_app_says_who_enters_the_desk():
    assert desk.desk_permissions() == ("cases.view_case", "cases.view_caseevent")


@pytest.mark.django_db
def test_with_nothing_registered_nobody_gets_in(monkeypatch, admin_user):
    monkeypatch.setattr(desk, "_desk_permissions", {})
    with pytest.raises(PermissionDenied):
        _get(admin_user)
