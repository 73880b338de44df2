"""@mentions in internal notes (issue 18): the mentioned agent is notified (kind mention), only staff who
may see the case; unknown names are ignored and listed back on the note."""

from __future__ import annotations

import pytest

from cases.models import Notification, NotificationKind
from cases.services import add_message, create_case
from tests.accounts.factories import UserFactory
from tests.cases.factories import CustomerFactory, TeamFactory

pytestmark = pytest.mark.django_db


def inquiry(**kw):
    return create_case(customer=CustomerFactory(), kind="inquiry", channel="email", **kw)


def test_a_mention_in_a_note_notifies_that_agent_once(agent):
    colleague = UserFactory(username="wang.wei", role="agent", email="wang@example.com")
    case = inquiry()
    note = add_message(case=case, actor=agent, text="@wang.wei please check, @WANG.WEI again.", public=False)
    row = Notification.objects.get(user=colleague)
    assert row.kind == NotificationKind.MENTION and row.case == case and "please check" in row.body
    assert case.number in row.subject and row.email == "wang@example.com"
    assert note.data["mentions"] == ["wang.wei"] and note.data["unknown_mentions"] == []


def test_unknown_names_and_the_writer_are_not_notified_and_unknown_ones_are_listed(agent):
    case = inquiry()
    note = add_message(case=case, actor=agent, text="ask @nobody-here and me @agent-a; mail a@b.example", public=False)
    assert not Notification.objects.filter(kind=NotificationKind.MENTION).exists()
    assert note.data["unknown_mentions"] == ["nobody-here"]


def test_a_public_reply_does_not_notify_mentions(agent):
    UserFactory(username="wang.wei", role="agent")
    add_message(case=inquiry(), actor=agent, text="@wang.wei", public=True)
    assert not Notification.objects.filter(kind=NotificationKind.MENTION).exists()


def test_staff_who_may_not_see_the_case_are_not_notified(agent, settings):
    settings.DESK_TEAMS_RESTRICT = True
    theirs = TeamFactory(code="theirs")
    mine = TeamFactory(code="mine")
    outsider_agent = UserFactory(username="other-team", role="agent")
    theirs.members.add(outsider_agent)
    member = UserFactory(username="member", role="agent")
    mine.members.add(member, agent)
    UserFactory(username="customer-like")  # no role: not staff who may see cases
    case = inquiry(team=mine)
    note = add_message(case=case, actor=agent, text="@other-team @member @customer-like", public=False)
    assert list(Notification.objects.values_list("user__username", flat=True)) == ["member"]
    assert note.data["unknown_mentions"] == ["other-team", "customer-like"]


def test_the_desk_shows_which_mentions_reached_nobody(client, agent):
    case = inquiry()
    client.force_login(agent)
    client.post(f"/desk/cases/{case.number}/message/", {"text": "@ghost look", "public": "0"})
    page = client.get(f"/desk/cases/{case.number}/").content.decode()
    assert "@ghost" in page and "Not notified" in page
