"""Two gaps of the workbench closed (issue 18): a macro applied from the case page (the same service
as the queue's bulk action, on one case) and a reason with a merge from the case page's "Linked
cases" form. Who may and who may not, bad input refused with a message and nothing written."""

from __future__ import annotations

import pytest

from cases.models import CannedReply, Case, CaseEvent, CaseStatus, EventType, Macro
from cases.services import create_case, transition_case
from tests.cases.factories import CustomerFactory, TeamFactory

pytestmark = pytest.mark.django_db


def complaint(**kw) -> Case:
    return create_case(customer=kw.pop("customer", None) or CustomerFactory(), kind="complaint", channel="email", **kw)


@pytest.fixture
def restricted(settings):
    settings.DESK_TEAMS_RESTRICT = True


def ask_photos() -> Macro:
    reply = CannedReply.objects.create(
        title="Photos", body_en="Dear {name}, please send photos.", body_zh="{name}，您好：请发送照片。"
    )
    return Macro.objects.create(title="Ask photos", reply=reply, tags="photos", priority="high", step="start")


def untouched(case: Case) -> bool:
    case.refresh_from_db()
    return (
        case.status == CaseStatus.NEW
        and case.priority != "high"
        and not case.tags.exists()
        and not case.events.filter(type=EventType.REPLY).exists()
    )


# --- a macro from the case page -----------------------------------------------------------------------------


def test_the_case_page_offers_the_active_macros(client, agent):
    macro = ask_photos()
    Macro.objects.create(title="Retired one", tags="old", active=False)
    case = complaint()
    client.force_login(agent)
    page = client.get(f"/desk/cases/{case.number}/").content.decode()
    assert f'action="/desk/cases/{case.number}/macro/"' in page
    assert f'<option value="{macro.pk}">Ask photos</option>' in page and "Retired one" not in page


def test_a_macro_from_the_case_page_replies_in_the_customer_s_language_tags_prioritises_and_steps(client, agent):
    macro = ask_photos()
    case = complaint(customer=CustomerFactory(name="王芳", language="zh-hans"))
    client.force_login(agent)
    response = client.post(f"/desk/cases/{case.number}/macro/", {"macro": str(macro.pk)})
    assert response.status_code == 302 and response["Location"] == f"/desk/cases/{case.number}/"
    assert CaseEvent.objects.get(case=case, type=EventType.REPLY).note == "王芳，您好：请发送照片。"
    case.refresh_from_db()
    assert (case.priority, case.status) == ("high", CaseStatus.IN_PROGRESS)
    assert list(case.tags.values_list("name", flat=True)) == ["photos"]


def test_a_refused_part_of_a_macro_is_shown_on_the_case_page_and_the_others_still_run(client, agent):
    macro = Macro.objects.create(title="Start it", tags="checked", step="start")
    case = complaint()
    transition_case(case=case, name="start", actor=agent)
    client.force_login(agent)
    response = client.post(f"/desk/cases/{case.number}/macro/", {"macro": str(macro.pk)})
    assert response.status_code == 200
    assert response.context["error"].startswith("Some parts of the macro were refused: Start")
    assert list(Case.objects.get(pk=case.pk).tags.values_list("name", flat=True)) == ["checked"]


@pytest.mark.parametrize("value", ["", "nope", "0", "99999999999999999999", "²"])
def test_an_unknown_macro_is_a_400_with_a_message_and_nothing_written(client, agent, value):
    ask_photos()
    case = complaint()
    client.force_login(agent)
    response = client.post(f"/desk/cases/{case.number}/macro/", {"macro": value})
    assert response.status_code == 400 and "There is no such macro." in response.content.decode()
    assert untouched(case)


def test_an_inactive_macro_is_refused_and_nothing_written(client, agent):
    macro = Macro.objects.create(title="Retired", tags="old", priority="high", active=False)
    case = complaint()
    client.force_login(agent)
    response = client.post(f"/desk/cases/{case.number}/macro/", {"macro": str(macro.pk)})
    assert response.status_code == 400 and untouched(case)


def test_who_may_apply_a_macro_from_the_case_page(client, agent, manager, integration_user, restricted):
    mine, theirs = TeamFactory(code="mine"), TeamFactory(code="theirs")
    mine.members.add(agent)
    macro = ask_photos()
    theirs_case, my_case = complaint(team=theirs), complaint(team=mine)
    body = {"macro": str(macro.pk)}
    response = client.post(f"/desk/cases/{my_case.number}/macro/", body)
    assert response.status_code == 302 and response["Location"].startswith("/desk/login/")
    client.force_login(integration_user)
    assert client.post(f"/desk/cases/{my_case.number}/macro/", body).status_code == 403
    client.force_login(agent)
    assert client.post(f"/desk/cases/{theirs_case.number}/macro/", body).status_code == 404  # another team's
    assert client.get(f"/desk/cases/{my_case.number}/macro/").status_code == 405
    assert untouched(theirs_case) and untouched(my_case)
    assert client.post(f"/desk/cases/{my_case.number}/macro/", body).status_code == 302
    my_case.refresh_from_db()
    assert my_case.priority == "high"


# --- a merge from the case page, with its reason ------------------------------------------------------------


def test_the_desk_merge_keeps_the_reason_on_both_cases(client, agent):
    customer = CustomerFactory()
    merged, into = complaint(customer=customer), complaint(customer=customer)
    client.force_login(agent)
    page = client.get(f"/desk/cases/{merged.number}/").content.decode()
    assert 'id="merge-reason" name="reason"' in page
    response = client.post(
        f"/desk/cases/{merged.number}/link/", {"other": into.number, "merge": "1", "reason": "same jacket, wrote twice"}
    )
    assert response.status_code == 302
    merged.refresh_from_db()
    assert merged.status == CaseStatus.CANCELLED and merged.merged_into == into
    step = merged.events.get(transition="merge")
    assert step.data["reason"] == "same jacket, wrote twice"
    assert into.events.get(data__merged=merged.number).data["reason"] == "same jacket, wrote twice"


def test_a_bad_desk_merge_is_a_400_with_a_message_and_nothing_written(client, agent):
    case = complaint()
    client.force_login(agent)
    response = client.post(f"/desk/cases/{case.number}/link/", {"other": case.number, "merge": "1", "reason": "x"})
    assert response.status_code == 400 and response.context["error"] == "A case cannot be linked to itself."
    other_customer = complaint()
    response = client.post(f"/desk/cases/{case.number}/link/", {"other": other_customer.number, "merge": "1"})
    assert response.status_code == 400
    assert response.context["error"] == "Only a case of the same customer can be merged."
    case.refresh_from_db()
    assert case.status == CaseStatus.NEW and case.merged_into is None and not case.related.exists()


def test_who_may_merge_from_the_case_page(client, agent, integration_user, restricted):
    mine, theirs = TeamFactory(code="mine"), TeamFactory(code="theirs")
    mine.members.add(agent)
    customer = CustomerFactory()
    merged, into = complaint(customer=customer, team=theirs), complaint(customer=customer, team=theirs)
    body = {"other": into.number, "merge": "1", "reason": "duplicate"}
    url = f"/desk/cases/{merged.number}/link/"
    response = client.post(url, body)
    assert response.status_code == 302 and response["Location"].startswith("/desk/login/")
    client.force_login(integration_user)
    assert client.post(url, body).status_code == 403
    client.force_login(agent)
    assert client.post(url, body).status_code == 404  # another team's case
    merged.refresh_from_db()
    assert merged.status == CaseStatus.NEW and merged.merged_into is None
    theirs.members.add(agent)
    assert client.post(url, body).status_code == 302
    merged.refresh_from_db()
    assert merged.merged_into == into
