"""The KPI API (/api/v1/kpis/): the report, the cases behind a figure, the scorecards and weights.

Who: managers and admins read the report and the drill-down; ``source=live`` is for superusers;
agents read their own scorecard only; managers change the weights. Anonymous is 401, a signed-in
user without the permission 403. Every figure is ``kpis.report``'s / ``scorecards``'.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
import yaml
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from rest_framework.test import APIClient

from analytics import kpis, scorecards
from analytics.models import ScorecardSettings
from tests.accounts.factories import UserFactory
from tests.analytics.kpi_data import SHANGHAI, freeze, refreshed, worked_case
from tests.cases.factories import TeamFactory
from tests.clients import token_client

pytestmark = pytest.mark.django_db

REPORT = "/api/v1/kpis/"
CASES = "/api/v1/kpis/cases/"
CARDS = "/api/v1/kpis/scorecards/"
WEIGHTS = "/api/v1/kpis/scorecards/weights/"
NOW = datetime(2026, 11, 20, 10, 0, tzinfo=SHANGHAI)
PERIOD = {"start": "2026-11-01", "end": "2026-11-20"}


def without_clock(report: dict) -> dict:
    return {key: value for key, value in report.items() if key != "generated_at"}


@pytest.fixture
def now(monkeypatch):
    return freeze(monkeypatch, NOW)


@pytest.fixture
def other_agent(db):
    return UserFactory(username="agent-b", role="agent", first_name="Wang", last_name="Fang")


@pytest.fixture
def cases(now, agent, other_agent):
    """Four cases in November: two of agent-a answered and resolved, two of agent-b still open."""
    team = TeamFactory(code="care")
    made = [
        worked_case(now, agent=agent, team=team, channel="email", created=datetime(2026, 11, 10, 9, tzinfo=SHANGHAI)),
        worked_case(now, agent=agent, team=team, channel="chat", created=datetime(2026, 11, 12, 9, tzinfo=SHANGHAI)),
        worked_case(
            now,
            agent=other_agent,
            team=team,
            channel="email",
            created=datetime(2026, 11, 15, 9, tzinfo=SHANGHAI),
            reply_after=None,
            resolve_after=None,
        ),
        worked_case(
            now,
            agent=other_agent,
            channel="phone",
            created=datetime(2026, 11, 18, 9, tzinfo=SHANGHAI),
            resolve_after=None,
        ),
    ]
    refreshed(now, NOW)
    return made


# --- who may call ------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", [REPORT, CASES + "?kpi=created", CARDS, CARDS + "1/", WEIGHTS])
def test_anonymous_is_401(path):
    assert APIClient().get(path).status_code == 401


@pytest.mark.parametrize("path", [REPORT, CASES + "?kpi=created", CARDS, CARDS + "1/", WEIGHTS])
def test_a_user_without_a_role_is_403(outsider, path):
    assert token_client(outsider).get(path).status_code == 403


@pytest.mark.parametrize("path", [REPORT, CASES + "?kpi=created", WEIGHTS])
def test_an_agent_may_not_read_the_report_the_cases_or_the_weights(agent, path):
    response = token_client(agent).get(path)
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"


def test_an_agent_may_not_change_the_weights(agent):
    response = token_client(agent).put(WEIGHTS, {"speed": 100}, format="json")
    assert response.status_code == 403


def test_an_agent_sees_only_their_own_scorecard(cases, agent, other_agent):
    client = token_client(agent)
    listed = client.get(CARDS, PERIOD)
    assert listed.status_code == 200
    assert [card["agent_id"] for card in listed.json()] == [agent.pk]
    assert client.get(f"{CARDS}{agent.pk}/", PERIOD).status_code == 200
    refused = client.get(f"{CARDS}{other_agent.pk}/", PERIOD)
    assert refused.status_code == 403
    assert "own" in refused.json()["detail"]


def test_a_manager_reads_the_report_and_every_scorecard(cases, manager, agent, other_agent):
    client = token_client(manager)
    assert client.get(REPORT, PERIOD).status_code == 200
    assert client.get(CASES, {**PERIOD, "kpi": "created"}).status_code == 200
    cards = client.get(CARDS, PERIOD).json()
    assert {agent.pk, other_agent.pk} <= {card["agent_id"] for card in cards}
    assert client.get(f"{CARDS}{other_agent.pk}/", PERIOD).json()["agent_id"] == other_agent.pk


def test_a_scorecard_of_nobody_is_404(manager):
    assert token_client(manager).get(f"{CARDS}999999/").status_code == 404


def test_live_figures_are_for_superusers_only(cases, manager, admin_user):
    refused = token_client(manager).get(REPORT, {**PERIOD, "source": "live"})
    assert refused.status_code == 403
    answer = token_client(admin_user).get(REPORT, {**PERIOD, "source": "live"})
    assert answer.status_code == 200
    assert answer.json()["source"] == "live"


# --- the figures are the KPI module's ---------------------------------------------------------------------


def test_the_report_is_kpis_report_for_the_same_query(cases, manager):
    query = {**PERIOD, "split": "channel", "team": str(cases[0].team_id)}
    answer = token_client(manager).get(REPORT, query)
    assert answer.status_code == 200
    expected = kpis.report(kpis.parse_request(query))
    assert without_clock(answer.json()) == without_clock(expected)
    assert answer.json()["total"]["cases_created"] == 3
    assert {row["value"] for row in answer.json()["rows"]} == {"email", "chat"}


def test_live_and_rollup_answers_agree(cases, admin_user):
    client = token_client(admin_user)
    rolled = client.get(REPORT, PERIOD).json()
    live = client.get(REPORT, {**PERIOD, "source": "live"}).json()
    assert without_clock(rolled) | {"source": None} == without_clock(live) | {"source": None}


def test_the_scorecards_are_the_scorecard_modules(cases, manager):
    answer = token_client(manager).get(CARDS, PERIOD).json()
    assert answer == scorecards.scorecards(kpis.parse_request(PERIOD))


def test_the_drill_down_lists_the_cases_behind_a_figure_newest_first(cases, manager):
    client = token_client(manager)
    created = client.get(CASES, {**PERIOD, "kpi": "created"}).json()
    assert [row["number"] for row in created["results"]] == [case.number for case in reversed(cases)]
    first = created["results"][-1]
    assert first == {
        "number": cases[0].number,
        "kind": "inquiry",
        "channel": "email",
        "status": "resolved",
        "created_at": "2026-11-10T09:00:00+08:00",
        "agent": "agent-a",
        "team": "care",
    }
    resolved = client.get(CASES, {**PERIOD, "kpi": "resolved"}).json()["results"]
    assert {row["number"] for row in resolved} == {cases[0].number, cases[1].number}
    by_row = client.get(CASES, {**PERIOD, "kpi": "created", "split": "channel", "value": "email"}).json()["results"]
    assert {row["number"] for row in by_row} == {cases[0].number, cases[2].number}
    backlog = client.get(CASES, {**PERIOD, "kpi": "backlog", "bucket": "1to3d"}).json()["results"]
    assert [row["number"] for row in backlog] == [cases[3].number]


def test_the_drill_down_pages_by_cursor_without_repeating_a_case(cases, manager):
    client = token_client(manager)
    first = client.get(CASES, {**PERIOD, "kpi": "created", "page_size": 3}).json()
    assert len(first["results"]) == 3 and first["next"]
    second = client.get(first["next"]).json()
    assert second["next"] is None
    numbers = [row["number"] for row in first["results"] + second["results"]]
    assert numbers == [case.number for case in reversed(cases)]


def test_a_drill_down_page_holds_at_most_100(manager):
    response = token_client(manager).get(CASES, {"kpi": "created", "page_size": 101})
    assert response.status_code == 400
    assert "page_size" in response.json()


# --- bad input: 400 with what to change --------------------------------------------------------------------


@pytest.mark.parametrize(
    "query, field",
    [
        ({"start": "2026-13-01"}, "start"),
        ({"end": "yesterday"}, "end"),
        ({"start": "2026-11-20", "end": "2026-11-01"}, "start"),
        ({"start": "2020-01-01", "end": "2026-11-20"}, "start"),
        ({"preset": "last_year"}, "preset"),
        ({"split": "colour"}, "split"),
        ({"channel": "fax"}, "channel"),
        ({"kind": "gift"}, "kind"),
        ({"reason": "bored"}, "reason"),
        ({"tier": "gold"}, "tier"),
        ({"team": "care"}, "team"),
        ({"agent": "-1"}, "agent"),
        ({"product": "SKU-1"}, "product"),
        ({"source": "cache"}, "source"),
    ],
)
def test_each_bad_report_parameter_is_a_400_naming_it(now, manager, query, field):
    response = token_client(manager).get(REPORT, query)
    assert response.status_code == 400
    body = response.json()
    assert body["field"] == field
    assert isinstance(body["detail"], str) and body["detail"]


@pytest.mark.parametrize(
    "query, field",
    [
        ({}, "kpi"),
        ({"kpi": "happiness"}, "kpi"),
        ({"kpi": "created", "value": "email"}, "value"),
        ({"kpi": "created", "split": "team", "value": "care"}, "value"),
        ({"kpi": "created", "bucket": "1to3d"}, "bucket"),
        ({"kpi": "backlog", "bucket": "ancient"}, "bucket"),
        ({"kpi": "created", "start": "2026-02-30"}, "start"),
    ],
)
def test_each_bad_drill_down_parameter_is_a_400_naming_it(now, manager, query, field):
    response = token_client(manager).get(CASES, query)
    assert response.status_code == 400
    assert response.json()["field"] == field
    assert response.json()["detail"]


def test_the_message_is_in_the_callers_language(now, manager):
    backwards = {"start": "2026-11-20", "end": "2026-11-01"}
    answer = token_client(manager, "zh-hans").get(REPORT, backwards).json()
    with translation.override("zh-hans"), pytest.raises(kpis.BadRequest) as expected:
        kpis.parse_request(backwards)
    assert answer == {"detail": expected.value.message, "field": "start"}
    assert "swap" in token_client(manager).get(REPORT, backwards).json()["detail"]


def test_scorecards_refuse_a_bad_period(manager):
    response = token_client(manager).get(CARDS, {"start": "soon"})
    assert response.status_code == 400
    assert response.json()["field"] == "start"


# --- weights ------------------------------------------------------------------------------------------------


def test_a_manager_sets_the_weights(manager):
    weights = {"speed": 20, "attitude": 20, "professionalism": 20, "efficiency": 20, "satisfaction": 20}
    response = token_client(manager).put(WEIGHTS, weights, format="json")
    assert response.status_code == 200
    assert response.json() == weights
    assert ScorecardSettings.get_solo().weights() == weights
    assert token_client(manager).get(WEIGHTS).json() == weights


def test_weights_that_do_not_sum_to_100_are_refused_and_nothing_is_saved(manager):
    before = ScorecardSettings.get_solo().weights()
    weights = {"speed": 50, "attitude": 20, "professionalism": 20, "efficiency": 20, "satisfaction": 20}
    response = token_client(manager).put(WEIGHTS, weights, format="json")
    assert response.status_code == 400
    assert response.json()["field"] == "weights"
    assert "100" in response.json()["detail"]
    assert ScorecardSettings.get_solo().weights() == before


@pytest.mark.parametrize("bad", [{"speed": -10}, {"speed": 110}, {"speed": "fast"}, {"speed": None}])
def test_a_weight_out_of_range_or_not_a_number_is_refused(manager, bad):
    weights = {"speed": 10, "attitude": 20, "professionalism": 25, "efficiency": 30, "satisfaction": 15, **bad}
    response = token_client(manager).put(WEIGHTS, weights, format="json")
    assert response.status_code == 400
    assert "speed" in response.json()
    assert ScorecardSettings.get_solo().weights()["speed"] == 10


def test_a_missing_weight_is_refused(manager):
    response = token_client(manager).put(WEIGHTS, {"speed": 100}, format="json")
    assert response.status_code == 400
    assert set(response.json()) == {"attitude", "professionalism", "efficiency", "satisfaction"}


# --- the schema ----------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def schema(tmp_path_factory, django_db_blocker):
    target = tmp_path_factory.mktemp("schema") / "schema.yml"
    with django_db_blocker.unblock():
        call_command("spectacular", validate=True, fail_on_warn=True, file=str(target))
    return yaml.safe_load(target.read_text(encoding="utf-8"))


def test_the_schema_documents_every_kpi_endpoint(schema):
    kpi_paths = [ops for path, ops in schema["paths"].items() if path.startswith("/api/v1/kpis/")]
    operations = {op["operationId"] for ops in kpi_paths for op in ops.values()}
    assert operations == {
        "kpi_report",
        "kpi_cases",
        "kpi_scorecard_list",
        "kpi_scorecard",
        "kpi_scorecard_weights",
        "kpi_scorecard_weights_update",
    }
    report = schema["paths"]["/api/v1/kpis/"]["get"]
    assert {"start", "end", "preset", "split", "source", *kpis.DIMENSIONS} <= {p["name"] for p in report["parameters"]}
    assert set(report["responses"]) == {"200", "400", "401", "403"}
    drill = {p["name"] for p in schema["paths"]["/api/v1/kpis/cases/"]["get"]["parameters"]}
    assert {"kpi", "value", "bucket", "cursor", "page_size", "start", "split"} <= drill


def _keys_missing(schema: dict, component: dict, value, where: str = "") -> list[str]:
    """The keys of ``value`` (an API answer) that ``component`` does not describe, recursively."""
    if "$ref" in component:
        component = schema["components"]["schemas"][component["$ref"].rsplit("/", 1)[1]]
    if "allOf" in component:
        return _keys_missing(schema, component["allOf"][0], value, where)
    missing = []
    if isinstance(value, dict) and "properties" in component:
        properties = component["properties"]
        missing += [f"{where}.{key}" for key in value if key not in properties]
        missing += [f"{where}.{key}!" for key in properties if key not in value]
        for key, item in value.items():
            if key in properties:
                missing += _keys_missing(schema, properties[key], item, f"{where}.{key}")
    elif isinstance(value, list) and "items" in component:
        for item in value[:3]:
            missing += _keys_missing(schema, component["items"], item, f"{where}[]")
    return missing


def test_the_report_schema_describes_every_key_of_a_real_answer(schema, cases, manager):
    answer = token_client(manager).get(REPORT, {**PERIOD, "split": "channel"}).json()
    component = schema["paths"]["/api/v1/kpis/"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    assert _keys_missing(schema, component, answer) == []
    cards = token_client(manager).get(CARDS, PERIOD).json()
    card = schema["paths"]["/api/v1/kpis/scorecards/"]["get"]["responses"]["200"]["content"]["application/json"]
    assert _keys_missing(schema, card["schema"], cards) == []


# --- queries -----------------------------------------------------------------------------------------------------


# The token and the permissions (3), then kpis.report's own: bounded, whatever the number of cases (the
# live part of today is computed once per report, for the split and the totals alike).
REPORT_QUERIES = 25


def report_queries(client) -> list[str]:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(REPORT, {**PERIOD, "split": "agent"}).status_code == 200
    return [query["sql"] for query in captured.captured_queries]


def test_a_repeated_report_comes_from_the_cache_until_the_rollups_change(cases, now, manager, agent, settings):
    from django.core.cache import cache

    settings.ANALYTICS_CACHE_SECONDS = 60
    cache.clear()
    client = token_client(manager)
    first = client.get(REPORT, PERIOD).json()
    with CaptureQueriesContext(connection) as again:
        assert client.get(REPORT, PERIOD).json() == first
    assert len(again) < REPORT_QUERIES / 2
    worked_case(now, agent=agent, created=datetime(2026, 11, 19, 9, tzinfo=SHANGHAI))
    refreshed(now, NOW)
    assert client.get(REPORT, PERIOD).json()["total"]["cases_created"] == first["total"]["cases_created"] + 1
    cache.clear()


def test_the_report_costs_the_same_queries_for_4_or_24_cases(cases, now, manager, agent, other_agent):
    client = token_client(manager)
    client.get(REPORT, PERIOD)  # the token, the permissions' cache, the solo rows
    small = report_queries(client)
    for n in range(20):
        worked_case(
            now,
            agent=(agent, other_agent)[n % 2],
            channel=("email", "chat", "portal")[n % 3],
            created=datetime(2026, 11, 2, 8, tzinfo=SHANGHAI) + timedelta(hours=13 * n),
        )
    refreshed(now, NOW)
    large = report_queries(client)
    assert len(small) == len(large) == REPORT_QUERIES, "\n".join(sql[:160] for sql in large)
