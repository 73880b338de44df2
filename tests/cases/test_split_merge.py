"""Splitting a message into a new case and merging two open cases of one customer (issue 18): the
services, the desk actions and the API, who may and who may not, and bad input writing nothing."""

from __future__ import annotations

import pytest

from cases.exceptions import InvalidInput, TransitionNotAllowed
from cases.models import Case, CaseEvent, CaseLine, CaseStatus, ClockKind, ClockState, SlaClock
from cases.services import add_message, create_case, merge_cases, split_message, transition_case
from channels_app.models import Message
from core import clock
from tests.cases.factories import CustomerFactory, OrderLineFactory, TeamFactory
from tests.clients import token_client

pytestmark = pytest.mark.django_db


def inquiry(**kw) -> Case:
    return create_case(customer=kw.pop("customer", None) or CustomerFactory(), kind="inquiry", channel="email", **kw)


def inbound(case: Case, event: CaseEvent | None = None) -> Message:
    return Message.objects.create(
        direction="in", channel="email", case=case, event=event, status="received", created_at=clock.now()
    )


def counts() -> tuple[int, int, int]:
    return Case.objects.count(), CaseEvent.objects.count(), Message.objects.count()


# --- split ---------------------------------------------------------------------------------------------


def test_a_split_message_moves_to_a_new_case_of_the_same_customer_and_both_timelines_link(agent):
    case = inquiry(reason_text="where is my parcel")
    add_message(case=case, actor=agent, text="Checking with the carrier.")
    second = add_message(
        case=case, actor=agent, text="Customer also asks: the invoice is wrong\nplease fix", public=False
    )
    message = inbound(case, event=second)
    new = split_message(case=case, event_id=second.pk, actor=agent)
    assert new.customer_id == case.customer_id and new.pk != case.pk
    assert new.kind == "inquiry" and new.subject == "Customer also asks: the invoice is wrong"
    second.refresh_from_db()
    message.refresh_from_db()
    assert second.case_id == new.pk and message.case_id == new.pk
    assert list(new.related.all()) == [case]
    assert CaseEvent.objects.get(case=case, data__split_to=new.number).actor == agent
    assert CaseEvent.objects.get(case=new, data__split_from=case.number).data["event"] == second.pk
    # SLA clocks started on the new case (create_case).
    assert SlaClock.objects.filter(case=new, kind=ClockKind.FIRST_RESPONSE).exists()


@pytest.mark.parametrize(
    "what, message",
    [
        ("unknown", "no such message"),
        ("other_case", "no such message"),
        ("created", "Only a message"),
        ("garbage", "no such message"),
        ("goods_kind", "complaint or an inquiry"),
    ],
)
def test_a_bad_split_is_refused_and_nothing_is_written(agent, what, message):
    case = inquiry()
    reply = add_message(case=case, actor=agent, text="hello")
    other = add_message(case=inquiry(), actor=agent, text="elsewhere")
    event_id = {
        "unknown": 999999,
        "other_case": other.pk,
        "created": case.events.get(type="created").pk,
        "garbage": "1; drop",
    }.get(what, reply.pk)
    before = counts()
    with pytest.raises(InvalidInput, match=message):
        split_message(case=case, event_id=event_id, actor=agent, kind="return" if what == "goods_kind" else "inquiry")
    assert counts() == before


def test_split_over_the_api_answers_the_new_case(agent):
    case = inquiry()
    note = add_message(case=case, actor=agent, text="second question", public=False)
    response = token_client(agent).post(
        f"/api/v1/cases/{case.number}/split/", {"event": note.pk, "kind": "complaint"}, format="json"
    )
    assert response.status_code == 201, response.content
    new = Case.objects.get(number=response.json()["number"])
    assert new.kind == "complaint" and note.pk in new.events.values_list("pk", flat=True)


@pytest.mark.parametrize("payload", [{}, {"event": "x"}, {"event": 1, "kind": "return"}])
def test_split_over_the_api_with_bad_input_is_a_400_and_writes_nothing(agent, payload):
    case = inquiry()
    before = counts()
    response = token_client(agent).post(f"/api/v1/cases/{case.number}/split/", payload, format="json")
    assert response.status_code == 400 and response.json()
    assert counts() == before


@pytest.fixture
def restricted(settings):
    settings.DESK_TEAMS_RESTRICT = True


def test_split_permissions_over_the_api(client, agent, manager, integration_user, outsider, restricted):
    mine, theirs = TeamFactory(code="mine"), TeamFactory(code="theirs")
    mine.members.add(agent)
    case = inquiry(team=theirs)
    note = add_message(case=case, actor=manager, text="split me", public=False)
    url = f"/api/v1/cases/{case.number}/split/"
    assert client.post(url, {"event": note.pk}, content_type="application/json").status_code == 401
    assert token_client(outsider).post(url, {"event": note.pk}, format="json").status_code == 403
    assert token_client(integration_user).post(url, {"event": note.pk}, format="json").status_code == 403
    assert token_client(agent).post(url, {"event": note.pk}, format="json").status_code == 404  # other team's
    assert Case.objects.count() == 1
    assert token_client(manager).post(url, {"event": note.pk}, format="json").status_code == 201


def test_split_from_the_desk_opens_the_new_case(client, agent, outsider):
    case = inquiry()
    note = add_message(case=case, actor=agent, text="another topic", public=False)
    client.force_login(agent)
    page = client.get(f"/desk/cases/{case.number}/")
    assert f'name="event" value="{note.pk}"' in page.content.decode()
    response = client.post(f"/desk/cases/{case.number}/split/", {"event": note.pk, "kind": "inquiry"})
    new = Case.objects.exclude(pk=case.pk).get()
    assert response.status_code == 302 and response["Location"].endswith(f"/cases/{new.number}/")
    refused = client.post(f"/desk/cases/{case.number}/split/", {"event": "nope"})
    assert refused.status_code == 400 and "There is no such message" in refused.content.decode()
    client.force_login(outsider)
    assert client.post(f"/desk/cases/{case.number}/split/", {"event": note.pk}).status_code == 403
    client.logout()
    assert client.post(f"/desk/cases/{case.number}/split/", {"event": note.pk}).status_code == 302  # sign in
    assert Case.objects.count() == 2


# --- merge ---------------------------------------------------------------------------------------------


def test_two_open_cases_merge_timeline_messages_lines_and_the_earliest_clocks(agent):
    customer = CustomerFactory()
    line = OrderLineFactory(order__customer=customer)
    older = create_case(
        customer=customer, kind="complaint", channel="email", reason_text="first complaint", order=line.order
    )
    transition_case(case=older, name="start", actor=agent)  # in progress: not "new" any more
    into = inquiry(customer=customer)
    CaseLine.objects.create(case=older, order_line=line, quantity=1)
    reply = add_message(case=older, actor=agent, text="We are on it.")
    message = inbound(older)
    older_clock = SlaClock.objects.get(case=older, kind=ClockKind.RESOLUTION, state=ClockState.RUNNING)
    into_clock = SlaClock.objects.get(case=into, kind=ClockKind.RESOLUTION, state=ClockState.RUNNING)
    assert older_clock.due_at <= into_clock.due_at

    merge_cases(merged=older, into=into, actor=agent, reason="same parcel")

    older.refresh_from_db()
    assert older.status == CaseStatus.CANCELLED and older.merged_into == into and older.closed_at
    reply.refresh_from_db()
    message.refresh_from_db()
    assert reply.case_id == into.pk and message.case_id == into.pk
    assert CaseLine.objects.get(order_line=line).case_id == into.pk
    into.refresh_from_db()
    assert into.order_id == line.order_id  # the lines' order comes along
    older_clock.refresh_from_db()
    into_clock.refresh_from_db()
    # The earlier promise is kept on the surviving case; the later one stops.
    assert older_clock.case_id == into.pk and older_clock.state == ClockState.RUNNING
    assert into_clock.state == ClockState.STOPPED
    assert not SlaClock.objects.filter(case=older, state__in=["running", "paused"]).exists()
    # The merged case keeps its created entry and the closing step, with who and why.
    step = CaseEvent.objects.get(case=older, transition="merge")
    assert step.actor == agent and step.data["merged_into"] == into.number and step.data["reason"] == "same parcel"
    assert set(older.events.values_list("type", flat=True)) == {"created", "transition"}
    note = CaseEvent.objects.get(case=into, data__merged=older.number)
    assert "first complaint" in note.note and not note.public
    assert into in older.related.all()


@pytest.mark.parametrize(
    "setup, message",
    [
        ("other_customer", "same customer"),
        ("self", "into itself"),
        ("closed_target", "is closed"),
        ("closed_source", "is closed"),
        ("same_line", "same order line"),
    ],
)
def test_a_bad_merge_is_refused_and_nothing_changes(agent, setup, message):
    customer = CustomerFactory()
    line = OrderLineFactory(order__customer=customer)
    merged = inquiry(customer=customer)
    into = inquiry(customer=CustomerFactory() if setup == "other_customer" else customer)
    if setup == "self":
        into = merged
    if setup == "closed_target":
        transition_case(case=into, name="cancel", actor=agent)
    if setup == "closed_source":
        transition_case(case=merged, name="cancel", actor=agent)
    if setup == "same_line":
        CaseLine.objects.create(case=merged, order_line=line, quantity=1)
        CaseLine.objects.create(case=into, order_line=line, quantity=1)
    before = counts(), list(CaseEvent.objects.values_list("pk", "case_id"))
    with pytest.raises(InvalidInput, match=message):
        merge_cases(merged=merged, into=into, actor=agent)
    assert (counts(), list(CaseEvent.objects.values_list("pk", "case_id"))) == before
    merged.refresh_from_db()
    assert merged.merged_into is None


def test_merge_from_the_desk_works_for_a_case_in_progress(client, agent):
    customer = CustomerFactory()
    merged, into = inquiry(customer=customer), inquiry(customer=customer)
    transition_case(case=merged, name="start", actor=agent)
    client.force_login(agent)
    assert "Merge this case into it" in client.get(f"/desk/cases/{merged.number}/").content.decode()
    response = client.post(f"/desk/cases/{merged.number}/link/", {"other": into.number, "merge": "1"})
    assert response.status_code == 302
    merged.refresh_from_db()
    assert merged.status == CaseStatus.CANCELLED and merged.merged_into == into


def test_merge_permissions_and_bad_input_over_the_api(client, agent, manager, integration_user, outsider, restricted):
    mine, theirs = TeamFactory(code="mine"), TeamFactory(code="theirs")
    mine.members.add(agent)
    customer = CustomerFactory()
    merged, into = inquiry(customer=customer, team=theirs), inquiry(customer=customer, team=theirs)
    url = f"/api/v1/cases/{merged.number}/merge/"
    body = {"into": into.number, "reason": "duplicate"}
    assert client.post(url, body, content_type="application/json").status_code == 401
    assert token_client(outsider).post(url, body, format="json").status_code == 403
    assert token_client(integration_user).post(url, body, format="json").status_code == 403
    assert token_client(agent).post(url, body, format="json").status_code == 404
    bad = token_client(manager).post(url, {"into": merged.number}, format="json")
    assert bad.status_code == 400 and "itself" in bad.json()["detail"]
    assert token_client(manager).post(url, {}, format="json").status_code == 400
    merged.refresh_from_db()
    assert merged.status == CaseStatus.NEW
    response = token_client(manager).post(url, body, format="json")
    assert response.status_code == 200 and response.json()["number"] == into.number
    merged.refresh_from_db()
    assert merged.status == CaseStatus.CANCELLED


def test_the_merge_step_is_not_a_step_agents_pick(agent):
    case = inquiry()
    with pytest.raises(TransitionNotAllowed):
        transition_case(case=case, name="merge", actor=agent)


def test_an_agent_cannot_merge_into_another_teams_case_they_may_not_see(agent, restricted):
    mine, theirs = TeamFactory(code="mine"), TeamFactory(code="theirs")
    mine.members.add(agent)
    customer = CustomerFactory()
    merged, hidden = inquiry(customer=customer, team=mine), inquiry(customer=customer, team=theirs)
    response = token_client(agent).post(f"/api/v1/cases/{merged.number}/merge/", {"into": hidden.number}, format="json")
    assert response.status_code == 400 and "There is no case" in response.json()["detail"]
    merged.refresh_from_db()
    assert merged.status == CaseStatus.NEW and not hidden.events.filter(data__merged=merged.number).exists()
