"""The survey in a real headless Chromium (Debian's package, driven by Playwright) on a phone-sized
screen: an agent resolves a portal case, the real follow-up sweep sends the survey email (a
``Notification`` row: the email the customer receives), the customer opens its link, taps a score,
writes a comment and sends; the thank-you page shows and one answer is stored. Once in English and
once in Chinese. Screenshots go to test-artifacts/survey/.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from cases.models import FollowUp, FollowUpKind, Notification, RevisitReason, RevisitTask, ServiceSettings
from cases.services import create_case, transition_case
from cases.sla.sweep import sweep
from feedback.models import InvitationStatus, Survey, SurveyInvitation, SurveyResponse, SurveyRule
from tests.accounts.factories import UserFactory
from tests.browser import ARTIFACTS_ROOT, PHONE
from tests.cases.factories import CustomerFactory, TeamFactory

ARTIFACTS = ARTIFACTS_ROOT / "survey"


@pytest.fixture
def shop(transactional_db, live_server, settings):
    settings.SITE_URL = live_server.url  # the link in the email points at this server
    survey = Survey.objects.create(code="after-case", name="After the case", ask_csat=True, ask_nps=True)
    SurveyRule.objects.create(survey=survey, kinds=[], channels=[])
    lead = UserFactory(username="lead-e2e", role="agent")
    return {"agent": UserFactory(username="agent-e2e", role="agent"), "team": TeamFactory(code="e2e", lead=lead)}


def shot(page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def resolve_and_sweep(*, shop, language: str, server: str) -> tuple[SurveyInvitation, str]:
    """Resolve a portal case as an agent, let the real sweep fall due, return the emailed link."""
    customer = CustomerFactory(language=language, email=f"survey-{language}@example.com")
    case = create_case(customer=customer, kind="complaint", channel="portal", team=shop["team"])
    case = transition_case(case=case, name="start", actor=shop["agent"])
    case = transition_case(case=case, name="resolve", actor=shop["agent"], resolution_type="answered")
    due = FollowUp.objects.get(case=case, kind=FollowUpKind.SURVEY, done_at__isnull=True)
    delay = ServiceSettings.get_solo().survey_delay_minutes
    assert due.due_at == case.resolved_at + timedelta(minutes=delay)
    # Nobody acts: the beat's sweep, at a time past the delay, sends the survey.
    assert sweep(now=due.due_at - timedelta(seconds=1)).follow_ups == 0
    assert not SurveyInvitation.objects.filter(case=case).exists()
    result = sweep(now=due.due_at + timedelta(seconds=1))
    assert result.follow_ups >= 1
    invitation = SurveyInvitation.objects.get(case=case)
    email = Notification.objects.filter(case=case, email=customer.email, body__contains="/feedback/s/").get()
    link = re.search(r"https?://\S+/feedback/s/[^/\s]+/", email.body).group(0)
    assert link.startswith(server)
    return invitation, link


def answer_on_a_phone(browser, *, link: str, language: str, question: str, score: int, comment: str) -> str:
    """Answer on a phone; returns the thank-you page's text."""
    context = browser.new_context(viewport=PHONE, locale="en-US", has_touch=True, is_mobile=True)
    page = context.new_page()
    page.goto(link)
    assert question in page.inner_text("main")
    # Big tap targets: every score button is at least 44 px high and they fit on the screen.
    box = page.locator("label[for=csat-5]").bounding_box()
    assert box["height"] >= 44 and box["x"] + box["width"] <= PHONE["width"]
    for n in range(11):
        nps = page.locator(f"label[for=nps-{n}]").bounding_box()
        assert nps["height"] >= 44 and nps["x"] + nps["width"] <= PHONE["width"], n
    shot(page, f"{language}-1-survey")
    page.tap(f"label[for=csat-{score}]")
    page.tap("label[for=nps-9]")
    page.fill("#comment", comment)
    assert page.is_checked(f"#csat-{score}")
    shot(page, f"{language}-2-answered")
    page.tap("#send")
    page.wait_for_url("**/thanks/**")
    thanks = page.inner_text("#thanks")
    shot(page, f"{language}-3-thanks")
    # The link again (from the email, or the back button): the thank-you page, still one answer.
    page.goto(link)
    page.wait_for_selector("#thanks")
    context.close()
    return thanks


@pytest.mark.slow
def test_resolving_a_case_leads_to_the_survey_email_and_a_phone_answer(live_server, browser, shop):
    invitation, link = resolve_and_sweep(shop=shop, language="en", server=live_server.url)
    thanks = answer_on_a_phone(
        browser,
        link=link,
        language="en",
        question="How satisfied are you",
        score=4,
        comment="Quick and friendly, thank you.",
    )
    assert "Thank you for your answers!" in thanks and invitation.case.number in thanks
    response = SurveyResponse.objects.get(invitation=invitation)
    assert (response.csat, response.nps, response.comment) == (4, 9, "Quick and friendly, thank you.")
    assert response.team == shop["team"] and response.language == "en"
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.ANSWERED


@pytest.mark.slow
def test_a_low_score_in_chinese_opens_a_revisit_for_the_lead(live_server, browser, shop):
    invitation, link = resolve_and_sweep(shop=shop, language="zh-hans", server=live_server.url)
    thanks = answer_on_a_phone(
        browser,
        link=link,
        language="zh-hans",
        question="您对本次售后处理满意吗",
        score=1,
        comment="等了很久才有人回复。",
    )
    assert invitation.case.number in thanks
    response = SurveyResponse.objects.get(invitation=invitation)
    assert response.csat == 1 and response.comment == "等了很久才有人回复。"
    task = RevisitTask.objects.get(case=invitation.case, reason=RevisitReason.LOW_SCORE)
    assert task.assignee == shop["team"].lead
