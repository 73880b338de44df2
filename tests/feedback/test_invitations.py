"""Resolving a case leads, without anyone acting, to a survey on the customer's channel in their
language; one reminder; none after a reopen; one invitation however often the sweep runs."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from cases.models import CaseEvent, EventType, Notification, RevisitTask
from cases.services import add_message, create_case, transition_case
from cases.sla.sweep import sweep
from channels_app.models import EmailInbox, Message
from core import clock
from feedback import services
from feedback.models import FeedbackSettings, InvitationStatus, Survey, SurveyInvitation, SurveyRule
from tests.accounts.factories import UserFactory
from tests.cases.factories import CustomerFactory, TeamFactory

pytestmark = pytest.mark.django_db
MONDAY_10 = datetime(2026, 11, 16, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
LINK = re.compile(r"https?://\S+/feedback/s/[^/\s]+/")


@pytest.fixture
def now(monkeypatch):
    class Frozen:
        at = MONDAY_10

        def move(self, **delta):
            self.at = self.at + timedelta(**delta)

    frozen = Frozen()
    monkeypatch.setattr(clock, "now", lambda: frozen.at)
    return frozen


@pytest.fixture
def survey():
    survey = Survey.objects.create(code="csat", name="CSAT", ask_csat=True, ask_comment=True)
    SurveyRule.objects.create(survey=survey, position=10)
    return survey


def resolved(customer=None, *, channel="portal", agent):
    case = create_case(customer=customer or CustomerFactory(), kind="complaint", channel=channel, subject="慢")
    transition_case(case=case, name="start", actor=agent)
    transition_case(case=case, name="resolve", actor=agent, resolution_type="answered")
    return case


def survey_events(case):
    return list(case.events.filter(type=EventType.SURVEY).order_by("id"))


def test_resolving_leads_to_one_survey_email_in_the_customers_language(now, survey, agent):
    customer = CustomerFactory(language="zh-hans", email="zh@example.cn")
    case = resolved(customer, agent=agent)
    now.move(minutes=61)  # the manager's delay after resolution (ServiceSettings: 60 minutes)
    sweep()
    sweep()
    [invitation] = SurveyInvitation.objects.filter(case=case)
    assert invitation.status == InvitationStatus.SENT and invitation.channel == "portal"
    assert invitation.language == "zh-hans" and invitation.survey == survey
    [event] = survey_events(case)
    assert event.public and case.number in event.note and "您的请求" in event.note
    mail = Notification.objects.get(case=case, email="zh@example.cn", body__contains="/feedback/s/")
    link = LINK.search(mail.body).group(0)
    assert services.invitation_for_token(link.rstrip("/").rsplit("/", 1)[-1]) == invitation


def test_an_email_case_gets_its_survey_from_the_inbox_it_wrote_to(now, survey, agent):
    inbox = EmailInbox.objects.create(code="cs", name="CS", address="cs@shop.example.com")
    customer = CustomerFactory(email="mail@example.cn", language="en")
    case = resolved(customer, channel="email", agent=agent)
    Message.objects.create(
        direction="in",
        channel="email",
        case=case,
        inbox=inbox,
        sender="mail@example.cn",
        status="received",
        created_at=clock.now(),
        external_id="orig@example.cn",
    )
    now.move(minutes=61)
    sweep()
    out = Message.objects.get(direction="out", channel="email")
    assert out.inbox == inbox and out.recipient == "mail@example.cn" and out.in_reply_to == "orig@example.cn"
    assert LINK.search(out.text) and "How did we do?" in out.text
    assert not Notification.objects.filter(case=case, body__contains="/feedback/s/").exists()  # not twice


def test_a_chat_case_gets_its_survey_in_the_chat(now, survey, agent):
    from channels_app.models import ChatSession, ChatWidget

    customer = CustomerFactory()
    case = resolved(customer, channel="chat", agent=agent)
    session = ChatSession.objects.create(
        widget=ChatWidget.objects.create(code="w", name="W"), customer=customer, case=case, started_at=clock.now()
    )
    now.move(minutes=61)
    sweep()
    out = Message.objects.get(direction="out", channel="chat")
    assert out.chat_session == session and LINK.search(out.text)


def test_a_phone_customer_without_email_gets_an_sms(now, survey, agent, settings, django_capture_on_commit_callbacks):
    settings.PORTAL_SMS_BACKEND = "tests.feedback.test_invitations.record_sms"
    RECORDED.clear()
    customer = CustomerFactory(email="", phone="+8613800001234")
    case = resolved(customer, channel="phone", agent=agent)
    now.move(minutes=61)
    with django_capture_on_commit_callbacks(execute=True):
        sweep()
    assert len(RECORDED) == 1 and RECORDED[0][0] == "+8613800001234" and LINK.search(RECORDED[0][1])
    assert SurveyInvitation.objects.filter(case=case).count() == 1


RECORDED: list = []


def record_sms(phone: str, text: str) -> None:
    RECORDED.append((phone, text))


def test_one_reminder_and_none_once_answered(now, survey, agent):
    case = resolved(agent=agent)
    now.move(minutes=61)
    sweep()
    invitation = SurveyInvitation.objects.get(case=case)
    now.move(days=3)
    sweep()
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.REMINDED and invitation.reminded_at is not None
    assert [e.data["reminder"] for e in survey_events(case)] == [False, True]
    services.answer(invitation=invitation, data={"csat": "5"})
    assert services.remind(case=case) is None  # nothing open to remind of


def test_no_rule_no_survey_and_rules_pick_by_kind_and_channel(now, agent):
    returns = Survey.objects.create(code="ret", name="Returns", ask_nps=True)
    SurveyRule.objects.create(survey=returns, position=1, kinds=["return"], channels=[])
    case = resolved(agent=agent)  # a complaint: no rule matches
    now.move(minutes=61)
    sweep()
    assert not SurveyInvitation.objects.exists() and not survey_events(case)
    complaints = Survey.objects.create(code="cmp", name="Complaints", ask_ces=True)
    SurveyRule.objects.create(survey=complaints, position=2, kinds=["complaint"], channels=["portal"])
    assert services.survey_for(case) == complaints


def test_a_reopened_case_cancels_its_open_invitation(now, survey, agent):
    case = resolved(agent=agent)
    now.move(minutes=61)
    sweep()
    invitation = SurveyInvitation.objects.get(case=case)
    transition_case(case=case, name="reopen", actor=agent)
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.CANCELLED
    with pytest.raises(services.LinkExpired):
        services.invitation_for_token(services.token_for(invitation))


def test_links_expire_and_the_beat_task_marks_them(now, survey, agent):
    case = resolved(agent=agent)
    now.move(minutes=61)
    sweep()
    invitation = SurveyInvitation.objects.get(case=case)
    now.move(days=FeedbackSettings.get_solo().valid_days, minutes=1)
    with pytest.raises(services.LinkExpired):
        services.invitation_for_token(services.token_for(invitation))
    assert services.expire_due() == 1
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.EXPIRED


def test_a_low_score_opens_a_follow_up_for_the_team_lead_and_a_good_one_does_not(now, survey, agent):
    lead = UserFactory(username="lead", role="agent")
    team = TeamFactory(lead=lead)
    bad = resolved(agent=agent)
    bad.team = team
    bad.save()
    good = resolved(agent=agent)
    now.move(minutes=61)
    sweep()
    services.answer(invitation=SurveyInvitation.objects.get(case=bad), data={"csat": "1", "comment": "太慢了"})
    services.answer(invitation=SurveyInvitation.objects.get(case=good), data={"csat": "5"})
    # resolved() makes complaints, and every resolved complaint has a revisit of its own (reason "complaint").
    task = RevisitTask.objects.get(reason="low_score")
    assert task.case == bad and task.assignee == lead
    assert "CSAT 1" in task.note and "太慢了" in task.note and task.due_at > clock.now()


def test_a_complaint_comment_opens_a_follow_up_even_with_a_fair_score(now, survey, agent):
    case = resolved(agent=agent)
    now.move(minutes=61)
    sweep()
    response, created = services.answer(
        invitation=SurveyInvitation.objects.get(case=case), data={"csat": "3", "comment": "我要投诉你们的快递"}
    )
    assert created and response.complaint
    assert RevisitTask.objects.filter(case=case, reason="low_score").exists()


def test_the_survey_event_does_not_count_as_a_response(now, survey, agent):
    case = resolved(agent=agent)
    add_message(case=case, actor=agent, text="Anything else?", channel="portal")
    before = CaseEvent.objects.filter(case=case, type=EventType.REPLY).count()
    now.move(minutes=61)
    sweep()
    assert CaseEvent.objects.filter(case=case, type=EventType.REPLY).count() == before
