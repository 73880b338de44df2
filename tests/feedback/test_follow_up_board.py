"""The manager's follow-up board (/desk/feedback/follow-ups/): the revisit tasks (回访) of low
survey scores and of the sampled cases, open / overdue / done, and recording their outcome."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from cases.models import CaseEvent, RevisitReason, RevisitTask
from cases.sla.follow_ups import create_revisit
from tests.accounts.factories import UserFactory
from tests.cases.factories import CaseFactory, TeamFactory

pytestmark = pytest.mark.django_db

BOARD = "/desk/feedback/follow-ups/"


def _task(*, lead, reason=RevisitReason.LOW_SCORE, due_in=timedelta(days=2), note="Survey answer: CSAT 1."):
    case = CaseFactory(team=TeamFactory(lead=lead))
    task, created = create_revisit(case=case, reason=reason, note=note)
    assert created
    RevisitTask.objects.filter(pk=task.pk).update(due_at=timezone.now() + due_in)
    task.refresh_from_db()
    return task


def _outcome(task) -> str:
    return f"{BOARD}{task.pk}/outcome/"


def _rows(response) -> list[int]:
    return [task.pk for task, _overdue in response.context["rows"]]


# --- who ---------------------------------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_the_sign_in_page(client, manager):
    task = _task(lead=manager)
    for response in (client.get(BOARD), client.post(_outcome(task), {"outcome": "called"})):
        assert response.status_code == 302 and response["Location"].startswith("/desk/login/")
    task.refresh_from_db()
    assert task.done_at is None


@pytest.mark.parametrize("role", ["outsider", "integration_user"])
def test_users_without_a_desk_role_are_refused(client, request, role, manager):
    task = _task(lead=manager)
    client.force_login(request.getfixturevalue(role))
    assert client.get(BOARD).status_code == 403
    assert client.post(_outcome(task), {"outcome": "called"}).status_code == 403
    task.refresh_from_db()
    assert task.done_at is None


def test_desk_staff_without_the_revisit_permissions_are_refused(client, manager):
    from django.contrib.auth.models import Group, Permission

    task = _task(lead=manager)
    reader = UserFactory(username="reader", is_staff=True)
    reader.user_permissions.add(
        *Permission.objects.filter(content_type__app_label="cases", codename__in=["view_case", "view_caseevent"])
    )
    client.force_login(reader)
    assert client.get(BOARD).status_code == 403
    viewer = Group.objects.create(name="revisit viewers")
    viewer.permissions.add(Permission.objects.get(content_type__app_label="cases", codename="view_revisittask"))
    reader.groups.add(viewer)
    reader.user_permissions.add(Permission.objects.get(content_type__app_label="cases", codename="view_all_teams"))
    assert client.get(BOARD).status_code == 200
    assert "Record the outcome" not in client.get(BOARD).content.decode()
    assert client.post(_outcome(task), {"outcome": "called"}).status_code == 403
    task.refresh_from_db()
    assert task.done_at is None


def test_an_agent_sees_and_records_only_their_own_tasks(client, agent, manager):
    mine = _task(lead=agent)
    theirs = _task(lead=manager)
    client.force_login(agent)
    page = client.get(BOARD)
    assert page.status_code == 200 and _rows(page) == [mine.pk]
    assert client.post(_outcome(theirs), {"outcome": "called"}).status_code == 404
    assert client.post(_outcome(mine), {"outcome": "Called back, customer happy with the refund"}).status_code == 302
    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert mine.done_at is not None and theirs.done_at is None


def test_a_manager_sees_every_task_and_records_the_outcome_through_the_cases_service(client, agent, manager):
    mine = _task(lead=agent, note="Survey answer: CSAT 1.\nComment: 太慢了")
    client.force_login(manager)
    page = client.get(BOARD)
    html = page.content.decode()
    assert mine.pk in _rows(page)
    assert mine.case.number in html and f"/desk/cases/{mine.case.number}/" in html
    assert "CSAT 1" in html and "太慢了" in html and "agent-a" in html
    response = client.post(_outcome(mine), {"outcome": "Apologised, sent a coupon", "next": f"{BOARD}?state=open"})
    assert response.status_code == 302 and response["Location"] == f"{BOARD}?state=open"
    mine.refresh_from_db()
    assert mine.outcome == "Apologised, sent a coupon" and mine.done_at is not None
    event = CaseEvent.objects.filter(case=mine.case, data__follow_up="revisit_done").get()
    assert event.actor == manager and event.note == "Apologised, sent a coupon"
    # a second submit keeps the first outcome
    client.post(_outcome(mine), {"outcome": "something else"})
    mine.refresh_from_db()
    assert mine.outcome == "Apologised, sent a coupon"


def test_an_empty_outcome_is_refused_and_nothing_changes(client, manager):
    task = _task(lead=manager)
    client.force_login(manager)
    response = client.post(_outcome(task), {"outcome": "   "})
    assert response.status_code == 400 and "Write what came of the call back" in response.content.decode()
    too_long = client.post(_outcome(task), {"outcome": "x" * 2001})
    assert too_long.status_code == 400
    task.refresh_from_db()
    assert task.done_at is None and task.outcome == ""


def test_the_workbench_links_to_the_board_for_staff_who_may_see_it(client, agent):
    client.force_login(agent)
    assert BOARD in client.get("/desk/").content.decode()


# --- what and in which order ------------------------------------------------------------------------


def test_low_scores_come_first_then_the_others_each_by_due_date(client, manager):
    sample_soon = _task(lead=manager, reason=RevisitReason.SAMPLE, due_in=timedelta(hours=1), note="")
    low_late = _task(lead=manager, due_in=timedelta(days=3))
    low_soon = _task(lead=manager, due_in=timedelta(days=1))
    client.force_login(manager)
    assert _rows(client.get(BOARD)) == [low_soon.pk, low_late.pk, sample_soon.pk]


def test_the_filters_open_overdue_and_done(client, manager):
    overdue = _task(lead=manager, due_in=-timedelta(hours=3))
    upcoming = _task(lead=manager, due_in=timedelta(days=1))
    done = _task(lead=manager, reason=RevisitReason.SAMPLE)
    RevisitTask.objects.filter(pk=done.pk).update(done_at=timezone.now(), outcome="reached the customer")
    client.force_login(manager)
    open_page = client.get(BOARD)
    assert _rows(open_page) == [overdue.pk, upcoming.pk]
    assert [flag for _task_, flag in open_page.context["rows"]] == [True, False]
    assert "overdue" in open_page.content.decode()
    assert _rows(client.get(f"{BOARD}?state=overdue")) == [overdue.pk]
    done_page = client.get(f"{BOARD}?state=done")
    assert _rows(done_page) == [done.pk] and "reached the customer" in done_page.content.decode()
    assert _rows(client.get(f"{BOARD}?state=bogus")) == [overdue.pk, upcoming.pk]


def test_the_board_pages_by_cursor_across_the_two_reasons(client, manager):
    tasks = [_task(lead=manager, due_in=timedelta(hours=n + 1)) for n in range(30)]
    tasks += [
        _task(lead=manager, reason=RevisitReason.SAMPLE, due_in=timedelta(hours=n + 1), note="") for n in range(25)
    ]
    client.force_login(manager)
    first = client.get(BOARD)
    assert len(first.context["rows"]) == 50 and first.context["next_url"]
    second = client.get(BOARD + first.context["next_url"])
    seen = _rows(first) + _rows(second)
    assert seen == [t.pk for t in tasks] and not second.context["next_url"]


def test_the_board_runs_a_fixed_number_of_queries(client, manager, django_assert_num_queries):
    _task(lead=manager)
    client.force_login(manager)
    client.get(BOARD)
    # session, user, the user's permissions (2: groups, own), the page with case, assignee, team
    with django_assert_num_queries(5):
        assert client.get(BOARD).status_code == 200
    for n in range(20):
        _task(lead=UserFactory(username=f"lead-{n}", role="manager"), reason=RevisitReason.SAMPLE, note="")
        _task(lead=manager, due_in=-timedelta(hours=n + 1))
    with django_assert_num_queries(5):
        assert client.get(BOARD).status_code == 200
