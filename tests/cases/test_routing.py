"""Routing of new cases: the VIP's dedicated agent, rules by kind / channel / tier, least loaded
with the needed skill, round robin, and nothing overridden that the caller chose."""

from __future__ import annotations

import pytest

from cases.models import AgentProfile, CaseEvent, RoutingRule, Team
from cases.services import create_case
from tests.accounts.factories import UserFactory
from tests.cases.factories import CustomerFactory, TeamFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _without_the_shipped_complaint_routing():
    """These tests build their own rules; the shipped complaint team and its rule (cases.sla.defaults)
    are tested in tests/cases/test_complaints.py."""
    Team.objects.filter(code="complaints").delete()  # its rule goes with it


@pytest.fixture
def team():
    team = TeamFactory(code="complaints", name="投诉组")
    for name in ("zhao", "qian", "sun"):
        team.members.add(UserFactory(username=name, role="agent"))
    return team


def open_case(customer=None, kind="complaint", channel="email", **kw):
    return create_case(customer=customer or CustomerFactory(), kind=kind, channel=channel, **kw)


def test_without_a_rule_a_case_waits_unassigned():
    case = open_case()
    assert case.team is None and case.assignee is None
    assert CaseEvent.objects.get(case=case, type="created").data["routed"] == "none"


def test_the_first_matching_rule_picks_the_team_and_the_least_loaded_agent(team):
    other = TeamFactory(code="returns")
    RoutingRule.objects.create(name="Returns", position=1, kinds=["return"], team=other, method="team_only")
    RoutingRule.objects.create(name="Complaints", position=2, kinds=["complaint"], team=team)
    zhao, qian, sun = (team.members.get(username=n) for n in ("zhao", "qian", "sun"))
    open_case(assignee=zhao, team=team)
    open_case(assignee=zhao, team=team)
    open_case(assignee=qian, team=team)
    case = open_case()
    assert (case.team, case.assignee) == (team, sun), "sun has no open case"
    assert CaseEvent.objects.get(case=case, type="created").data["routed"].startswith("rule:")


def test_unavailable_agents_and_agents_without_the_skill_are_skipped(team):
    RoutingRule.objects.create(name="EN complaints", kinds=["complaint"], team=team, skill="en")
    zhao, qian, sun = (team.members.get(username=n) for n in ("zhao", "qian", "sun"))
    AgentProfile.objects.create(user=zhao, skills=["zh"])
    AgentProfile.objects.create(user=qian, skills=["zh", "en"], available=False)
    AgentProfile.objects.create(user=sun, skills=["en"])
    assert open_case().assignee == sun
    AgentProfile.objects.filter(user=sun).update(available=False)
    case = open_case()
    assert (case.team, case.assignee) == (team, None), "nobody fits: the team's queue"


def test_round_robin_takes_turns(team):
    RoutingRule.objects.create(name="RR", kinds=["complaint"], team=team, method="round_robin")
    names = [open_case().assignee.username for _ in range(4)]
    assert names == ["zhao", "qian", "sun", "zhao"]


def test_rules_match_on_channel_and_tier(team):
    vip_team = TeamFactory(code="vip")
    vip_team.members.add(UserFactory(username="vip-agent", role="agent"))
    RoutingRule.objects.create(name="VIP chat", position=1, channels=["chat"], tiers=["vip"], team=vip_team)
    RoutingRule.objects.create(name="Rest", position=2, team=team, method="team_only")
    assert open_case(customer=CustomerFactory(tier="vip"), channel="chat").team == vip_team
    assert open_case(customer=CustomerFactory(tier="vip"), channel="email").team == team
    assert open_case(customer=CustomerFactory(tier="regular"), channel="chat").team == team


def test_a_vip_goes_to_the_dedicated_agent_while_available(team):
    RoutingRule.objects.create(name="Everything", team=team, method="team_only")
    mine = team.members.get(username="qian")
    vip = CustomerFactory(tier="vip", dedicated_agent=mine)
    case = open_case(customer=vip)
    assert (case.assignee, case.team) == (mine, team)
    AgentProfile.objects.create(user=mine, available=False)
    assert open_case(customer=vip).assignee is None, "away: the rules decide"
    regular = CustomerFactory(tier="regular", dedicated_agent=mine)
    AgentProfile.objects.filter(user=mine).update(available=True)
    assert open_case(customer=regular).assignee is None, "a dedicated agent is for VIP customers"


def test_a_team_or_agent_given_by_the_caller_is_kept(team):
    RoutingRule.objects.create(name="Complaints", kinds=["complaint"], team=team)
    other = TeamFactory(code="other")
    case = open_case(team=other)
    assert (case.team, case.assignee) == (other, None)
    assert CaseEvent.objects.get(case=case, type="created").data["routed"] == "given"


def test_a_manager_edits_rules_in_admin_and_bad_lists_are_refused(client, manager, team):
    client.force_login(manager)
    data = {
        "name": "Chat",
        "position": 1,
        "active": "on",
        "kinds": "[]",
        "channels": '["fax"]',
        "tiers": "[]",
        "team": team.pk,
        "method": "least_loaded",
        "skill": "",
    }
    response = client.post("/admin/cases/routingrule/add/", data)
    assert response.status_code == 200 and "channels" in response.context["adminform"].form.errors
    data["channels"] = '["chat"]'
    assert client.post("/admin/cases/routingrule/add/", data).status_code == 302
    assert RoutingRule.objects.get().channels == ["chat"]
