"""The queue's faster hands (issue 18): saved views with capped counts in the side bar, bulk
actions on selected cases (each case through its service, each its own event, a summary of what was
refused and why) and macros (a canned reply in the customer's language plus tags, priority, a step).
Who may do what, bad input refused with a message and nothing written, a fixed number of queries."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cases import selectors
from cases.models import CannedReply, Case, CaseEvent, CaseStatus, EventType, Macro, SavedView
from cases.services import create_case, transition_case
from tests.cases.factories import CustomerFactory

pytestmark = pytest.mark.django_db


def complaint(**kw) -> Case:
    return create_case(customer=kw.pop("customer", None) or CustomerFactory(), kind="complaint", channel="email", **kw)


def save(client, **data):
    return client.post("/desk/views/", {"queue": "open", **data})


# --- who --------------------------------------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_sign_in_and_nothing_is_written(client, agent):
    case = complaint()
    view = SavedView.objects.create(owner=agent, name="Mine", filters={"queue": "open"})
    for url, data in (
        ("/desk/views/", {"name": "x", "queue": "open"}),
        (f"/desk/views/{view.pk}/rename/", {"name": "y"}),
        (f"/desk/views/{view.pk}/delete/", {}),
        ("/desk/bulk/", {"cases": [case.number], "action": "priority", "priority_value": "high"}),
    ):
        response = client.post(url, data)
        assert response.status_code == 302 and response["Location"].startswith("/desk/login/")
    assert list(SavedView.objects.values_list("name", flat=True)) == ["Mine"]
    assert Case.objects.get(pk=case.pk).priority != "high"


@pytest.mark.parametrize("role", ["outsider", "integration_user"])
def test_users_without_the_desk_role_are_refused(client, request, role, agent):
    case = complaint()
    view = SavedView.objects.create(owner=agent, name="Mine", filters={"queue": "open"})
    client.force_login(request.getfixturevalue(role))
    assert save(client, name="x").status_code == 403
    assert client.post(f"/desk/views/{view.pk}/rename/", {"name": "y"}).status_code == 403
    assert client.post(f"/desk/views/{view.pk}/delete/").status_code == 403
    bulk = {"cases": [case.number], "action": "priority", "priority_value": "high"}
    assert client.post("/desk/bulk/", bulk).status_code == 403
    assert SavedView.objects.get().name == "Mine"
    assert Case.objects.get(pk=case.pk).priority != "high"


def test_the_forms_take_only_post(client, agent):
    client.force_login(agent)
    assert client.get("/desk/views/").status_code == 405
    assert client.get("/desk/bulk/").status_code == 405


# --- saved views ------------------------------------------------------------------------------------------


def test_an_agent_saves_a_personal_view_and_sees_its_count_in_the_side_bar(client, agent, manager):
    for _ in range(3):
        complaint(priority="high")
    complaint(priority="low")
    client.force_login(agent)
    response = save(client, name="Hot ones", priority="high")
    assert response.status_code == 302 and response["Location"] == "/desk/?priority=high&queue=open"
    view = SavedView.objects.get()
    assert (view.owner, view.filters, view.shared) == (agent, {"queue": "open", "priority": "high"}, False)
    page = client.get("/desk/")
    [item] = page.context["saved_views"]
    assert item["view"] == view and item["count"] == "3" and item["may_change"]
    # Personal: the manager does not see it.
    client.force_login(manager)
    assert client.get("/desk/").context["saved_views"] == []


def test_a_count_stops_at_99_plus(client, agent):
    customer = CustomerFactory()
    for _ in range(100):
        complaint(customer=customer)
    client.force_login(agent)
    save(client, name="All")
    assert client.get("/desk/").context["saved_views"][0]["count"] == "99+"


def test_a_view_with_a_search_and_a_tag_counts_what_the_queue_shows(client, agent):
    wanted = complaint(customer=CustomerFactory(name="Zhang Wei"))
    complaint(customer=CustomerFactory(name="Li Lei"))
    client.force_login(agent)
    client.post(f"/desk/cases/{wanted.number}/tags/", {"tags": "vip-rescue"})
    assert save(client, name="Zhang", q="Zhang", tag="vip-rescue").status_code == 302
    shown = client.get("/desk/?queue=open&q=Zhang&tag=vip-rescue")
    assert [c.number for c, _ in shown.context["rows"]] == [wanted.number]
    assert shown.context["saved_views"][0]["count"] == "1" and shown.context["saved_views"][0]["current"]


def test_only_managers_share_a_view_and_everyone_at_the_desk_sees_it(client, agent, manager):
    client.force_login(agent)
    refused = save(client, name="Team view", shared="1")
    assert refused.status_code == 403 and "Only managers may share" in refused.content.decode()
    assert not SavedView.objects.exists()
    client.force_login(manager)
    assert save(client, name="Team view", shared="1").status_code == 302
    client.force_login(agent)
    [item] = client.get("/desk/").context["saved_views"]
    assert item["view"].shared and not item["may_change"]
    view = item["view"]
    assert client.post(f"/desk/views/{view.pk}/rename/", {"name": "Mine now"}).status_code == 403
    assert client.post(f"/desk/views/{view.pk}/delete/").status_code == 403
    assert SavedView.objects.get().name == "Team view"


def test_the_owner_renames_and_deletes_and_nobody_else_even_finds_a_personal_view(client, agent, manager):
    view = SavedView.objects.create(owner=agent, name="Mine", filters={"queue": "open"})
    client.force_login(manager)
    assert client.post(f"/desk/views/{view.pk}/rename/", {"name": "Taken"}).status_code == 404
    assert client.post(f"/desk/views/{view.pk}/delete/").status_code == 404
    client.force_login(agent)
    assert client.post(f"/desk/views/{view.pk}/rename/", {"name": "Renamed"}).status_code == 302
    assert SavedView.objects.get().name == "Renamed"
    assert client.post(f"/desk/views/{view.pk}/delete/").status_code == 302
    assert not SavedView.objects.exists()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"name": ""}, "Give the view a name"),
        ({"name": "x" * 61}, "The name is too long"),
        ({"name": "Bad", "priority": "whenever"}, "is not a value of the filter"),
        ({"name": "Bad", "queue": "everything"}, "There is no queue"),
        ({"name": "Bad", "q": "x" * 101}, "The search is too long"),
    ],
)
def test_bad_views_are_refused_with_a_message_and_nothing_saved(client, agent, data, message):
    client.force_login(agent)
    response = client.post("/desk/views/", {"queue": "open", **data})
    assert response.status_code == 400 and message in response.content.decode()
    assert not SavedView.objects.exists()


def test_a_second_view_of_the_same_name_is_refused(client, agent):
    client.force_login(agent)
    save(client, name="Twice")
    response = save(client, name="Twice", priority="high")
    assert response.status_code == 400 and "already have a view" in response.content.decode()
    assert SavedView.objects.count() == 1


def test_the_side_bar_counts_every_view_in_one_query(client, agent, manager):
    client.force_login(agent)
    complaint()
    save(client, name="One")
    client.get("/desk/")  # warm the session and permission caches

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/desk/?queue=open").status_code == 200
        return len(captured)

    few = queries()
    for number, priority in enumerate(("low", "normal", "high", "urgent")):
        save(client, name=f"By priority {number}", priority=priority, q="Li")
    SavedView.objects.create(owner=manager, name="Team", filters={"queue": "team"}, shared=True)
    Macro.objects.create(title="Nudge", priority="high")
    for _ in range(10):
        complaint()
    assert queries() == few


# --- bulk actions -----------------------------------------------------------------------------------------


def test_bulk_assigning_20_cases_writes_20_events(client, agent, manager):
    cases = [complaint() for _ in range(20)]
    client.force_login(manager)
    before = CaseEvent.objects.filter(type=EventType.ASSIGNED).count()
    response = client.post(
        "/desk/bulk/", {"cases": [c.number for c in cases], "action": "assign", "assign_value": str(agent.pk)}
    )
    assert response.status_code == 200
    assert len(response.context["done"]) == 20 and response.context["refused"] == []
    assert Case.objects.filter(assignee=agent).count() == 20
    assert CaseEvent.objects.filter(type=EventType.ASSIGNED).count() - before == 20
    assert set(CaseEvent.objects.filter(type=EventType.ASSIGNED, actor=manager).values_list("case_id", flat=True)) == {
        c.pk for c in cases
    }


def test_a_bulk_step_runs_where_it_is_allowed_and_says_why_elsewhere(client, agent):
    new = complaint()
    started = complaint()
    transition_case(case=started, name="start", actor=agent)
    client.force_login(agent)
    response = client.post(
        "/desk/bulk/", {"cases": [new.number, started.number, "RMA-NOPE"], "action": "step", "step_value": "start"}
    )
    assert response.status_code == 200
    assert [o.number for o in response.context["done"]] == [new.number]
    refused = {o.number: o.message for o in response.context["refused"]}
    assert set(refused) == {started.number, "RMA-NOPE"}
    assert "no such case" in refused["RMA-NOPE"]
    assert Case.objects.get(pk=new.pk).status == CaseStatus.IN_PROGRESS
    assert started.number in response.content.decode()


def test_bulk_priority_and_tags_keep_each_case_s_other_tags(client, agent):
    one, two = complaint(), complaint()
    client.force_login(agent)
    client.post(f"/desk/cases/{one.number}/tags/", {"tags": "fragile"})
    numbers = [one.number, two.number]
    assert (
        client.post("/desk/bulk/", {"cases": numbers, "action": "priority", "priority_value": "urgent"}).status_code
        == 200
    )
    assert client.post("/desk/bulk/", {"cases": numbers, "action": "tag", "tag_value": "peak-618"}).status_code == 200
    assert set(Case.objects.filter(pk__in=[one.pk, two.pk]).values_list("priority", flat=True)) == {"urgent"}
    assert sorted(Case.objects.get(pk=one.pk).tags.values_list("name", flat=True)) == ["fragile", "peak-618"]
    assert list(Case.objects.get(pk=two.pk).tags.values_list("name", flat=True)) == ["peak-618"]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"action": "priority", "priority_value": "high"}, "Select at least one case"),
        ({"cases": ["X"], "action": "explode"}, "There is no bulk action"),
        ({"cases": ["X"], "action": "priority", "priority_value": "asap"}, "Unknown priority"),
        ({"cases": ["X"], "action": "assign", "assign_value": "999999"}, "There is no such agent"),
        ({"cases": ["X"], "action": "step", "step_value": "resolve"}, "There is no step"),
        ({"cases": ["X"], "action": "tag", "tag_value": " "}, "Give the tags to add"),
        ({"cases": ["X"], "action": "macro", "macro_value": "0"}, "There is no such macro"),
        ({"cases": [f"RMA-{n}" for n in range(101)], "action": "priority", "priority_value": "high"}, "at most 100"),
    ],
)
def test_bad_bulk_input_is_refused_with_a_message_and_nothing_written(client, agent, data, message):
    case = complaint()
    client.force_login(agent)
    data = {**data, "cases": [case.number if n == "X" else n for n in data.get("cases", [])]}
    events = CaseEvent.objects.count()
    response = client.post("/desk/bulk/", data)
    assert response.status_code == 400 and message in response.content.decode()
    assert CaseEvent.objects.count() == events


# --- macros -----------------------------------------------------------------------------------------------


def test_a_macro_replies_in_the_customer_s_language_then_tags_prioritises_and_steps(client, agent):
    reply = CannedReply.objects.create(
        title="Photos", body_en="Dear {name}, please send photos.", body_zh="{name}，您好：请发送照片。"
    )
    macro = Macro.objects.create(title="Ask photos", reply=reply, tags="photos", priority="high", step="start")
    chinese = complaint(customer=CustomerFactory(name="王芳", language="zh-hans"))
    english = complaint(customer=CustomerFactory(name="Ann", language="en"))
    client.force_login(agent)
    response = client.post(
        "/desk/bulk/", {"cases": [chinese.number, english.number], "action": "macro", "macro_value": str(macro.pk)}
    )
    assert response.status_code == 200 and response.context["refused"] == []
    assert CaseEvent.objects.get(case=chinese, type=EventType.REPLY).note == "王芳，您好：请发送照片。"
    assert CaseEvent.objects.get(case=english, type=EventType.REPLY).note == "Dear Ann, please send photos."
    for case in (chinese, english):
        case.refresh_from_db()
        assert (case.priority, case.status) == ("high", CaseStatus.IN_PROGRESS)
        assert list(case.tags.values_list("name", flat=True)) == ["photos"]


def test_a_macro_shows_each_part_that_was_refused(client, agent):
    macro = Macro.objects.create(title="Start it", tags="checked", step="start")
    started = complaint()
    transition_case(case=started, name="start", actor=agent)
    client.force_login(agent)
    response = client.post("/desk/bulk/", {"cases": [started.number], "action": "macro", "macro_value": str(macro.pk)})
    [refused] = response.context["refused"]
    assert refused.number == started.number and refused.message.startswith("Start")
    assert list(Case.objects.get(pk=started.pk).tags.values_list("name", flat=True)) == ["checked"]


def test_the_counts_of_twenty_views_are_one_query(agent, manager, django_assert_num_queries):
    complaint(priority="high")
    filters = [{"queue": "open"}, {"queue": "team"}, {"queue": "open", "q": "Li", "tag": "x"}, {"queue": "mine"}]
    for n in range(19):
        SavedView.objects.create(owner=agent, name=f"View {n}", filters=filters[n % 4])
    SavedView.objects.create(owner=manager, name="Shared", filters={"queue": "open", "priority": "high"}, shared=True)
    views = selectors.saved_views(user=agent)
    assert len(views) == selectors.SIDEBAR_VIEWS
    with django_assert_num_queries(1):
        counts = selectors.saved_view_counts(user=agent, views=views)
    assert counts[SavedView.objects.get(name="Shared").pk] == 1
