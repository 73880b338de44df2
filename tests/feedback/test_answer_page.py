"""The public survey page /feedback/s/<token>/: the questions the survey asks, in the customer's
language, answered once; invalid answers shown again; the closed loop from a low score."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from cases.models import Case, CaseStatus, RevisitReason, RevisitTask
from cases.services import transition_case
from feedback import services
from feedback.models import InvitationStatus, SurveyResponse
from tests.accounts.factories import UserFactory
from tests.cases.factories import CustomerFactory, TeamFactory
from tests.feedback.factories import answer_url, make_invitation, make_survey

pytestmark = pytest.mark.django_db


def test_the_page_asks_only_the_surveys_questions_with_one_button_per_score(client):
    make_survey(ask_csat=True, ask_nps=True, ask_ces=False, ask_comment=True)
    inv = make_invitation()
    page = client.get(answer_url(inv))
    assert page.status_code == 200
    html = page.content.decode()
    assert len(re.findall(r'type="radio"[^>]*name="csat"', html)) == 5
    assert len(re.findall(r'type="radio"[^>]*name="nps"', html)) == 11
    assert 'name="ces"' not in html
    assert '<textarea id="comment" name="comment" maxlength="2000"' in html
    assert "How satisfied are you" in html and "recommend us" in html
    assert "csrfmiddlewaretoken" in html
    assert "no-cache" in page["Cache-Control"]


def test_ces_has_seven_buttons_and_no_comment_box_when_not_asked(client):
    make_survey(ask_csat=False, ask_ces=True, ask_comment=False)
    html = client.get(answer_url(make_invitation())).content.decode()
    assert len(re.findall(r'type="radio"[^>]*name="ces"', html)) == 7
    assert 'name="csat"' not in html and "<textarea" not in html


def test_the_page_speaks_the_invitations_language_and_switches_on_request(client):
    inv = make_invitation(customer=CustomerFactory(language="zh-hans"))
    html = client.get(answer_url(inv), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "您对本次售后处理满意吗" in html and 'lang="zh-hans"' in html
    assert "?lang=en" in html  # the switch
    english = client.get(answer_url(inv) + "?lang=en").content.decode()
    assert "How satisfied are you" in english and 'lang="en"' in english


def test_the_page_shows_the_case_number_and_resolution_and_nothing_internal(client, invitation):
    case = invitation.case
    Case.objects.filter(pk=case.pk).update(
        subject="INTERNAL-SUBJECT", reason_text="INTERNAL-REASON", resolution_note="INTERNAL-NOTE"
    )
    html = client.get(answer_url(invitation)).content.decode()
    assert case.number in html and "Answered" in html
    assert "INTERNAL" not in html
    assert case.customer.name not in html and case.customer.email not in html
    assert "agent-fb" not in html


def test_an_answer_is_stored_once_and_thanks_with_303(client, invitation):
    token = services.token_for(invitation)
    page = client.post(reverse("feedback:answer", args=[token]), {"csat": "5", "comment": "  Quick and kind.  "})
    assert page.status_code == 303
    thanks = reverse("feedback:thanks", args=[token])
    assert page["Location"].startswith(thanks)
    response = SurveyResponse.objects.get()
    assert (response.csat, response.comment, response.case_id) == (5, "Quick and kind.", invitation.case_id)
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.ANSWERED
    done = client.get(page["Location"])
    assert done.status_code == 200 and "Thank you" in done.content.decode()


def test_a_double_submit_or_a_replay_thanks_again_and_stores_one_row(client, invitation):
    first = client.post(answer_url(invitation), {"csat": "4"})
    again = client.post(answer_url(invitation), {"csat": "1", "comment": "changed my mind"})
    invalid_replay = client.post(answer_url(invitation), {"csat": "99"})
    assert first.status_code == again.status_code == invalid_replay.status_code == 303
    assert SurveyResponse.objects.count() == 1 and SurveyResponse.objects.get().csat == 4
    assert not RevisitTask.objects.filter(reason=RevisitReason.LOW_SCORE).exists()


def test_the_service_itself_is_idempotent(invitation):
    first, created = services.answer(invitation=invitation, data={"csat": 3})
    second, created_again = services.answer(invitation=invitation, data={"csat": 3})
    assert created and not created_again and first.pk == second.pk


def test_an_answered_link_opens_the_thank_you_page(client, invitation):
    client.post(answer_url(invitation), {"csat": "5"})
    page = client.get(answer_url(invitation), follow=True)
    assert page.redirect_chain[0][1] == 303
    assert page.status_code == 200 and "Thank you" in page.content.decode()


def test_the_thank_you_page_of_an_unanswered_link_goes_to_the_questions(client, invitation):
    token = services.token_for(invitation)
    page = client.get(reverse("feedback:thanks", args=[token]))
    assert page.status_code == 302 and page["Location"].startswith(reverse("feedback:answer", args=[token]))


@pytest.mark.parametrize(
    "data, says",
    [
        ({"comment": "no score"}, "Choose a score from 1 to 5"),
        ({"csat": "6"}, "Choose a score from 1 to 5"),
        ({"csat": "0"}, "Choose a score from 1 to 5"),
        ({"csat": "five"}, "Choose a score from 1 to 5"),
        ({"csat": "3", "comment": "x" * 2001}, "too long"),
    ],
)
def test_invalid_answers_show_the_form_again_with_400_and_store_nothing(client, invitation, data, says):
    page = client.post(answer_url(invitation), data)
    assert page.status_code == 400
    html = page.content.decode()
    assert says in html and 'role="alert"' in html
    assert 'name="csat"' in html  # the form again
    assert not SurveyResponse.objects.exists()
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.SENT


def test_the_form_keeps_what_was_typed_after_an_error(client):
    make_survey(ask_nps=True)
    inv = make_invitation()
    html = client.post(answer_url(inv), {"nps": "8", "comment": "long wait"}).content.decode()
    assert re.search(r'id="nps-8"[^>]*checked', html)
    assert "long wait</textarea>" in html


def test_an_nps_out_of_range_is_refused(client):
    make_survey(ask_csat=False, ask_nps=True)
    inv = make_invitation()
    assert client.post(answer_url(inv), {"nps": "11"}).status_code == 400
    assert client.post(answer_url(inv), {"nps": "0"}).status_code == 303
    assert SurveyResponse.objects.get().nps == 0


def test_the_error_speaks_the_customers_language(client):
    inv = make_invitation(customer=CustomerFactory(language="zh-hans"))
    page = client.post(answer_url(inv), {"comment": "x"})
    assert page.status_code == 400
    assert 'lang="zh-hans"' in page.content.decode()


def test_the_post_keeps_csrf_protection(invitation):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    assert strict.post(answer_url(invitation), {"csat": "5"}).status_code == 403
    page = strict.get(answer_url(invitation))
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode()).group(1)
    assert strict.post(answer_url(invitation), {"csat": "5", "csrfmiddlewaretoken": token}).status_code == 303
    assert SurveyResponse.objects.count() == 1


def test_a_low_csat_opens_a_revisit_task_for_the_team_lead(client):
    lead = UserFactory(username="lead-li", role="agent")
    team = TeamFactory(code="cs-fb", name="售后二组", lead=lead)
    inv = make_invitation(team=team)
    assert inv.case.team_id == team.pk
    page = client.post(answer_url(inv), {"csat": "1", "comment": "Nobody called me back."})
    assert page.status_code == 303
    task = RevisitTask.objects.get(case=inv.case, reason=RevisitReason.LOW_SCORE)
    assert task.assignee == lead and task.done_at is None
    assert "CSAT 1" in task.note and "Nobody called me back." in task.note
    assert SurveyResponse.objects.get().team == team


def test_a_good_score_opens_no_revisit(client):
    lead = UserFactory(username="lead-zh", role="agent")
    inv = make_invitation(team=TeamFactory(code="cs-ok", name="ok", lead=lead))
    client.post(answer_url(inv), {"csat": "5"})
    assert not RevisitTask.objects.filter(case=inv.case, reason=RevisitReason.LOW_SCORE).exists()


def test_a_reopened_case_cancels_its_link(client, invitation):
    agent = UserFactory(username="agent-fb", role="agent")
    transition_case(case=invitation.case, name="reopen", actor=agent)
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.CANCELLED and invitation.case.status != CaseStatus.RESOLVED
    page = client.get(answer_url(invitation))
    assert page.status_code == 410 and "withdrawn" in page.content.decode()
    assert client.post(answer_url(invitation), {"csat": "5"}).status_code == 410
    assert not SurveyResponse.objects.exists()
