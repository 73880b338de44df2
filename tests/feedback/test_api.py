"""The feedback API (/api/v1/feedback/): imported answers, the list and the export, free feedback.

Who: the survey tool (integration), managers and admins import; agents, managers, admins and the
integration read the list; managers and admins export; the integration and admins send free
feedback. Anonymous is 401, a signed-in user without a role 403.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from cases.models import CaseEvent, EventType, RevisitReason, RevisitTask
from feedback import importing
from feedback.models import FeedbackCategory, FeedbackSettings, FreeFeedback, SurveyResponse
from tests.accounts.factories import UserFactory
from tests.cases.factories import CaseFactory, CustomerFactory, TeamFactory
from tests.clients import token_client

pytestmark = pytest.mark.django_db

IMPORT = "/api/v1/feedback/responses/import/"
LIST = "/api/v1/feedback/responses/"
EXPORT = "/api/v1/feedback/responses/export/"
FREE = "/api/v1/feedback/free/"
SHANGHAI = ZoneInfo("Asia/Shanghai")


def an_hour_ago() -> str:
    return (timezone.now() - timedelta(hours=1)).isoformat()


@pytest.fixture
def lead(db):
    return UserFactory(username="lead-w", role="agent")


@pytest.fixture
def case(agent, lead):
    team = TeamFactory(code="returns", lead=lead)
    return CaseFactory(kind="exchange", channel="email", team=team, assignee=agent, customer__language="zh-hans")


def row(case, external_id: str, **answers) -> dict:
    return {"external_id": external_id, "case": case.number, "answered_at": an_hour_ago(), **answers}


def errors_by_row(response) -> dict[int, dict]:
    return {bad["row"]: bad["errors"] for bad in response.json()["details"]["rows"]}


# --- import: what is stored -------------------------------------------------------------------------


def test_a_valid_batch_is_stored_with_the_cases_people_and_source_import(integration_user, case, agent):
    other = CaseFactory(kind="refund_only", channel="chat")
    batch = [
        row(case, "tool-1", csat=5, nps=10, ces=2, comment="很满意，谢谢"),
        row(other, "tool-2", csat=4),
    ]
    response = token_client(integration_user).post(IMPORT, batch, format="json")

    assert response.status_code == 201
    assert response.json() == {"created": ["tool-1", "tool-2"], "duplicates": [], "low": []}
    first = SurveyResponse.objects.get(external_id="tool-1")
    assert (first.case, first.customer, first.agent, first.team) == (case, case.customer, agent, case.team)
    assert (first.channel, first.kind, first.source, first.language) == ("email", "exchange", "import", "zh-hans")
    assert (first.csat, first.nps, first.ces, first.comment, first.complaint) == (5, 10, 2, "很满意，谢谢", False)
    assert first.invitation is None
    second = SurveyResponse.objects.get(external_id="tool-2")
    assert (second.case, second.channel, second.kind, second.agent, second.team) == (
        other,
        "chat",
        "refund_only",
        None,
        None,
    )
    assert not RevisitTask.objects.exists()


def test_a_naive_time_is_read_in_the_sites_time_zone(integration_user, case):
    token_client(integration_user).post(
        IMPORT, [{**row(case, "t"), "answered_at": "2026-03-01 10:30", "csat": 5}], format="json"
    )
    assert SurveyResponse.objects.get().answered_at == datetime(2026, 3, 1, 10, 30, tzinfo=SHANGHAI)


def test_an_impossible_time_is_a_400_not_a_server_error(integration_user, case):
    """Found by the schemathesis fuzz: a well-formed time with minute 60 raised inside the parser."""
    response = token_client(integration_user).post(
        IMPORT, [{**row(case, "t"), "answered_at": "2026-03-01T10:60:00", "csat": 5}], format="json"
    )
    assert response.status_code == 400
    assert "ISO 8601" in str(response.json())
    assert not SurveyResponse.objects.exists()


def test_a_resent_batch_changes_nothing_and_reports_the_duplicates(integration_user, case):
    client = token_client(integration_user)
    batch = [row(case, "tool-1", csat=5), row(case, "tool-2", csat=1)]
    assert client.post(IMPORT, batch, format="json").status_code == 201
    stored = list(SurveyResponse.objects.order_by("id").values())
    events = CaseEvent.objects.count()

    again = client.post(IMPORT, [{**batch[0], "csat": 2}, batch[1]], format="json")

    assert again.status_code == 200
    assert again.json() == {"created": [], "duplicates": ["tool-1", "tool-2"], "low": []}
    assert list(SurveyResponse.objects.order_by("id").values()) == stored  # not even the changed score
    assert CaseEvent.objects.count() == events and RevisitTask.objects.count() == 1


def test_a_batch_partly_stored_before_stores_only_the_new_rows(integration_user, case):
    client = token_client(integration_user)
    client.post(IMPORT, [row(case, "tool-1", csat=5)], format="json")
    response = client.post(IMPORT, [row(case, "tool-1", csat=5), row(case, "tool-3", nps=9)], format="json")
    assert response.status_code == 201
    assert response.json()["created"] == ["tool-3"] and response.json()["duplicates"] == ["tool-1"]
    assert SurveyResponse.objects.count() == 2


# --- import: all or nothing -------------------------------------------------------------------------


def test_one_bad_row_rejects_the_batch_listing_each_bad_row_and_field(integration_user, case):
    batch = [
        row(case, "ok-1", csat=5),
        row(case, "bad-1", csat=6, comment=123),
        {"external_id": "bad-2", "case": case.number, "nps": 3},  # no answered_at
        row(case, "ok-2", ces=1),
        row(case, "ok-1", csat=4),  # the same id twice in the batch
    ]
    response = token_client(integration_user).post(IMPORT, batch, format="json")

    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "import_rejected" and "nothing was imported" in body["detail"]
    bad = errors_by_row(response)
    assert set(bad) == {1, 2, 4}
    assert set(bad[1]) == {"csat", "comment"} and "1 to 5" in bad[1]["csat"][0]
    assert set(bad[2]) == {"answered_at"}
    assert set(bad[4]) == {"external_id"}
    assert [b["external_id"] for b in body["details"]["rows"]] == ["bad-1", "bad-2", "ok-1"]
    assert not SurveyResponse.objects.exists() and not RevisitTask.objects.exists()


def test_an_unknown_case_rejects_the_batch(integration_user, case):
    batch = [row(case, "ok", csat=5), {**row(case, "x", csat=5), "case": "RMA-2026-999999"}]
    response = token_client(integration_user).post(IMPORT, batch, format="json")
    assert response.status_code == 400
    assert errors_by_row(response) == {1: {"case": ["There is no case RMA-2026-999999."]}}
    assert not SurveyResponse.objects.exists()


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("csat", 0),
        ("csat", 6),
        ("nps", -1),
        ("nps", 11),
        ("ces", 0),
        ("ces", 8),
        ("csat", "abc"),
        ("csat", 4.5),
        ("nps", True),
    ],
)
def test_a_score_out_of_its_scale_rejects_the_batch(integration_user, case, field, value):
    response = token_client(integration_user).post(IMPORT, [row(case, "x", **{field: value})], format="json")
    assert response.status_code == 400
    assert list(errors_by_row(response)[0]) == [field]
    assert not SurveyResponse.objects.exists()


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        ({"csat": 5, "answered_at": "yesterday"}, "answered_at"),
        ({"csat": 5, "answered_at": "2999-01-01T00:00:00+08:00"}, "answered_at"),
        ({"external_id": ""}, "external_id"),
        ({"external_id": "x" * 101}, "external_id"),
        ({"comment": ""}, "non_field_errors"),  # nothing answered
        ({"csat": 5, "score": 5}, "non_field_errors"),  # an unknown field
        ({"csat": 5, "comment": "长" * 2001}, "comment"),
    ],
)
def test_bad_fields_reject_the_batch(integration_user, case, raw, field):
    response = token_client(integration_user).post(IMPORT, [{**row(case, "x"), **raw}], format="json")
    assert response.status_code == 400
    assert field in errors_by_row(response)[0]


def test_more_than_500_rows_are_refused_and_500_are_stored(integration_user, case):
    client = token_client(integration_user)
    too_many = [row(case, f"t-{i}", csat=5) for i in range(501)]
    response = client.post(IMPORT, too_many, format="json")
    assert response.status_code == 400 and "500" in response.json()["detail"]
    assert not SurveyResponse.objects.exists()

    assert client.post(IMPORT, too_many[:500], format="json").status_code == 201
    assert SurveyResponse.objects.count() == 500


@pytest.mark.parametrize("body", [{}, [], "text", [1, 2]])
def test_a_body_that_is_not_a_list_of_rows_is_refused(integration_user, body):
    response = token_client(integration_user).post(IMPORT, body, format="json")
    assert response.status_code == 400
    assert not SurveyResponse.objects.exists()


def test_a_batch_meeting_a_concurrent_import_of_the_same_rows_retries_then_gives_409(
    monkeypatch, integration_user, case
):
    """Two requests with one batch: the second's insert meets the first's rows (IntegrityError); it
    reads again and reports them as duplicates, or answers 409 when the conflict persists."""
    from django.db import IntegrityError

    real = SurveyResponse.objects.bulk_create
    conflicts = {"left": 1}

    def bulk_create(rows, *args, **kwargs):
        if conflicts["left"]:
            conflicts["left"] -= 1
            raise IntegrityError("duplicate key value violates unique constraint")
        return real(rows, *args, **kwargs)

    monkeypatch.setattr(SurveyResponse.objects, "bulk_create", bulk_create)
    client = token_client(integration_user)
    response = client.post(IMPORT, [row(case, "race-1", csat=5)], format="json")
    assert response.status_code == 201 and response.json()["created"] == ["race-1"]

    conflicts["left"] = importing.INSERT_ATTEMPTS
    response = client.post(IMPORT, [row(case, "race-2", csat=5)], format="json")
    assert response.status_code == 409 and response.json()["code"] == "import_busy"
    assert list(SurveyResponse.objects.values_list("external_id", flat=True)) == ["race-1"]


# --- import: the closed loop ------------------------------------------------------------------------


def test_a_low_imported_score_opens_a_revisit_for_the_team_lead(integration_user, case, lead):
    settings = FeedbackSettings.get_solo()
    settings.reward_enabled = True  # the tool thanks its own respondents: no coupon for an import
    settings.save()
    batch = [row(case, "low", csat=1, comment="Slow")]
    response = token_client(integration_user).post(IMPORT, batch, format="json")

    assert response.json()["low"] == ["low"]
    task = RevisitTask.objects.get()
    assert (task.case, task.reason, task.assignee, task.team) == (case, RevisitReason.LOW_SCORE, lead, case.team)
    assert "CSAT 1" in task.note and "Slow" in task.note
    follow_ups = CaseEvent.objects.filter(case=case, type=EventType.FOLLOW_UP)
    assert [e.data["follow_up"] for e in follow_ups] == ["revisit"]


def test_a_complaint_comment_is_flagged_and_followed_up_even_with_a_good_score(integration_user, case):
    response = token_client(integration_user).post(
        IMPORT, [row(case, "c", csat=5, comment="客服态度太差了，我要投诉")], format="json"
    )
    assert response.json()["low"] == ["c"]
    assert SurveyResponse.objects.get().complaint is True
    assert RevisitTask.objects.filter(case=case).count() == 1


def test_good_imported_scores_open_no_revisit(integration_user, case):
    token_client(integration_user).post(IMPORT, [row(case, "g", csat=4, nps=9)], format="json")
    assert not RevisitTask.objects.exists()


# --- the list ---------------------------------------------------------------------------------------


def stored(case, *, at: datetime, **fields) -> SurveyResponse:
    defaults = {
        "case": case,
        "customer": case.customer,
        "team": case.team,
        "agent": case.assignee,
        "channel": case.channel,
        "kind": case.kind,
        "csat": 4,
        "answered_at": at,
    }
    return SurveyResponse.objects.create(**{**defaults, **fields})


def ids(response) -> list[int]:
    return [r["id"] for r in response.json()["results"]]


def test_the_list_shows_the_newest_answer_first_with_its_case_and_team(agent, case):
    now = timezone.now()
    older = stored(case, at=now - timedelta(days=2))
    newer = stored(case, at=now - timedelta(days=1), comment="好")
    response = token_client(agent).get(LIST)
    assert response.status_code == 200
    assert ids(response) == [newer.pk, older.pk] and response.json()["next"] is None
    first = response.json()["results"][0]
    assert (first["case"], first["team"], first["agent"], first["comment"]) == (case.number, "returns", agent.pk, "好")
    assert (first["channel"], first["kind"], first["source"]) == ("email", "exchange", "link")


def test_the_list_filters_by_day_channel_kind_team_and_source(manager, case):
    day = datetime(2026, 3, 10, 12, 0, tzinfo=SHANGHAI)
    other = CaseFactory(kind="repair", channel="chat", team=TeamFactory(code="repairs"))
    before = stored(case, at=day - timedelta(days=1))
    first_minute = stored(case, at=day.replace(hour=0, minute=0))
    late = stored(other, at=day.replace(hour=23, minute=59), source="import", external_id="t-1")
    after = stored(case, at=day + timedelta(days=1))
    client = token_client(manager)

    assert ids(client.get(LIST, {"answered_from": "2026-03-10", "answered_to": "2026-03-10"})) == [
        late.pk,
        first_minute.pk,
    ]
    assert ids(client.get(LIST, {"answered_from": "2026-03-11"})) == [after.pk]
    assert ids(client.get(LIST, {"answered_to": "2026-03-09"})) == [before.pk]
    assert ids(client.get(LIST, {"channel": "chat"})) == [late.pk]
    assert ids(client.get(LIST, {"kind": "repair"})) == [late.pk]
    assert ids(client.get(LIST, {"team": "repairs"})) == [late.pk]
    assert ids(client.get(LIST, {"source": "import"})) == [late.pk]
    assert len(ids(client.get(LIST, {"source": "link"}))) == 3


@pytest.mark.parametrize("query", [{"answered_from": "10/03/2026"}, {"channel": "fax"}, {"cursor": "nonsense"}])
def test_a_bad_filter_or_cursor_is_a_400(agent, query):
    assert token_client(agent).get(LIST, query).status_code == 400


def test_pages_follow_the_keyset_without_skipping_or_repeating(agent, case):
    now = timezone.now()
    same_time = now - timedelta(hours=1)
    rows = [stored(case, at=same_time) for _ in range(3)] + [stored(case, at=now - timedelta(hours=i)) for i in (2, 3)]
    client = token_client(agent)
    seen, url = [], LIST + "?page_size=2"
    while url:
        page = client.get(url)
        assert page.status_code == 200 and len(ids(page)) <= 2
        seen += ids(page)
        url = page.json()["next"]
    assert sorted(seen) == sorted(r.pk for r in rows) and len(seen) == len(set(seen))


@pytest.mark.parametrize("count", [1, 30])
def test_the_list_costs_the_same_queries_whatever_the_page_holds(django_assert_num_queries, agent, case, count):
    for i in range(count):
        stored(case, at=timezone.now() - timedelta(minutes=i))
    client = token_client(agent)
    # the token and its user, the user's permissions (2: groups, own), the page
    with django_assert_num_queries(4):
        response = client.get(LIST, {"page_size": 25})
    assert len(ids(response)) == min(count, 25)


def test_with_teams_restricting_an_agent_reads_their_teams_answers_only(settings, agent, case):
    settings.DESK_TEAMS_RESTRICT = True
    case.team.members.add(agent)
    mine = stored(case, at=timezone.now())
    stored(CaseFactory(team=TeamFactory()), at=timezone.now())
    assert ids(token_client(agent).get(LIST)) == [mine.pk]


# --- the export -------------------------------------------------------------------------------------


def read_csv(response) -> tuple[bytes, list[list[str]]]:
    raw = b"".join(response.streaming_content)
    return raw, list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))


def test_the_csv_export_has_a_bom_a_header_and_chinese_that_round_trips(manager, case, agent):
    answer = stored(
        case,
        at=datetime(2026, 3, 10, 9, 30, tzinfo=SHANGHAI),
        csat=2,
        nps=6,
        comment="物流太慢，包装破损",
        complaint=True,
    )
    response = token_client(manager).get(EXPORT, {"format": "csv"})

    assert response.status_code == 200 and response.streaming
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="survey-responses-')
    raw, rows = read_csv(response)
    assert raw.startswith(b"\xef\xbb\xbf")
    assert rows[0] == list(importing.EXPORT_COLUMNS)
    assert rows[1] == [
        "2026-03-10T09:30:00+08:00",
        case.number,
        "exchange",
        "email",
        "returns",
        agent.username,
        "2",
        "6",
        "",
        "物流太慢，包装破损",
        "1",
        "link",
        answer.language,
    ]


def test_the_export_takes_the_period_oldest_first(manager, case):
    day = datetime(2026, 3, 10, 12, 0, tzinfo=SHANGHAI)
    stored(case, at=day - timedelta(days=1), comment="before")
    stored(case, at=day + timedelta(hours=1), comment="second")
    stored(case, at=day, comment="first")
    response = token_client(manager).get(EXPORT, {"answered_from": "2026-03-10", "answered_to": "2026-03-10"})
    _raw, rows = read_csv(response)
    assert [r[9] for r in rows[1:]] == ["first", "second"]


def test_a_comment_a_spreadsheet_would_run_as_a_formula_is_exported_as_text(manager, case):
    stored(case, at=timezone.now(), comment='=HYPERLINK("http://evil.example","点我")')
    _raw, rows = read_csv(token_client(manager).get(EXPORT))
    assert rows[1][9] == '\'=HYPERLINK("http://evil.example","点我")'


def test_the_json_export_streams_the_same_rows(manager, case):
    stored(case, at=timezone.now(), comment="好评", ces=3)
    response = token_client(manager).get(EXPORT, {"format": "json"})
    assert response.status_code == 200 and response.streaming
    rows = json.loads(b"".join(response.streaming_content))
    assert [(r["case"], r["comment"], r["ces"], r["csat"], r["complaint"]) for r in rows] == [
        (case.number, "好评", 3, 4, False)
    ]
    assert list(rows[0]) == list(importing.EXPORT_COLUMNS)


def test_an_unknown_export_format_is_a_400_in_json(manager):
    response = token_client(manager).get(EXPORT, {"format": "xlsx"})
    assert response.status_code == 400 and "format" in response.json()


# --- free feedback ----------------------------------------------------------------------------------


@pytest.fixture
def only_our_categories(db):
    """The migration's default categories out of the way: these tests set their own."""
    FeedbackCategory.objects.all().delete()


def test_free_feedback_is_categorised_and_routed_and_says_the_category(integration_user, only_our_categories):
    team = TeamFactory(code="logistics")
    FeedbackCategory.objects.create(
        code="delivery", name_en="Delivery", name_zh="物流", keywords="快递\n物流\ncourier", team=team
    )
    customer = CustomerFactory(external_id="C-9")
    response = token_client(integration_user).post(
        FREE,
        {
            "text": "快递太慢了，物流信息也不更新",
            "channel": "social",
            "customer_external_id": "C-9",
            "contact": "wx: abc",
        },
        format="json",
    )
    assert response.status_code == 201
    body = response.json()
    assert body["category"] == {"code": "delivery", "name_en": "Delivery", "name_zh": "物流"}
    assert (body["team"], body["language"], body["channel"]) == ("logistics", "zh-hans", "social")
    assert set(body["matched"]) == {"快递", "物流"}
    row = FreeFeedback.objects.get()
    assert (row.customer, row.contact, row.team, row.categorised_by) == (customer, "wx: abc", team, "keywords")


def test_free_feedback_no_keyword_matches_has_no_category(integration_user, only_our_categories):
    response = token_client(integration_user).post(FREE, {"text": "Nice shop", "channel": "email"}, format="json")
    assert response.status_code == 201
    assert (response.json()["category"], response.json()["team"]) == (None, None)
    assert FreeFeedback.objects.get().customer is None


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"text": "hi", "channel": "email", "customer_external_id": "nobody"}, "customer_external_id"),
        ({"text": "hi", "channel": "fax"}, "channel"),
        ({"channel": "email"}, "text"),
    ],
)
def test_bad_free_feedback_is_a_400_and_nothing_is_stored(integration_user, body, field):
    response = token_client(integration_user).post(FREE, body, format="json")
    assert response.status_code == 400 and field in response.json()
    assert not FreeFeedback.objects.exists()


def test_blank_free_feedback_is_refused_by_the_service(integration_user):
    response = token_client(integration_user).post(FREE, {"text": "   ", "channel": "email"}, format="json")
    assert response.status_code == 400
    assert not FreeFeedback.objects.exists()


# --- who may call what ------------------------------------------------------------------------------

ROLES = ["agent", "manager", "admin_user", "integration_user", "outsider"]
ALLOWED = {
    "import": {"manager", "admin_user", "integration_user"},
    "list": {"agent", "manager", "admin_user", "integration_user"},
    "export": {"manager", "admin_user"},
    "free": {"admin_user", "integration_user"},
}


def call(client, endpoint: str, case):
    if endpoint == "import":
        return client.post(IMPORT, [row(case, "perm-1", csat=5)], format="json")
    if endpoint == "list":
        return client.get(LIST)
    if endpoint == "export":
        return client.get(EXPORT)
    return client.post(FREE, {"text": "hello", "channel": "email"}, format="json")


@pytest.mark.parametrize("endpoint", list(ALLOWED))
def test_anonymous_callers_get_401(endpoint, case):
    response = call(APIClient(), endpoint, case)
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


@pytest.mark.parametrize("endpoint", list(ALLOWED))
@pytest.mark.parametrize("role", ROLES)
def test_each_role_may_call_what_its_permissions_allow(request, endpoint, role, case):
    response = call(token_client(request.getfixturevalue(role)), endpoint, case)
    if role in ALLOWED[endpoint]:
        assert response.status_code in (200, 201)
    else:
        assert response.status_code == 403
        assert response.json()["code"] == "permission_denied"
