"""factory_boy factories for the feedback app, and the builders of a survey invitation that go
through the services (a resolved case invites its customer, as in production)."""

from __future__ import annotations

import factory
from django.urls import reverse
from django.utils import timezone

from cases.services import create_case, transition_case
from feedback import services
from feedback.models import FreeFeedback, Survey, SurveyInvitation, SurveyRule
from tests.accounts.factories import UserFactory
from tests.cases.factories import CustomerFactory


class SurveyFactory(factory.django.DjangoModelFactory):
    """A survey with the models' default questions (CSAT and a comment)."""

    class Meta:
        model = Survey

    code = factory.Sequence(lambda n: f"survey-{n}")
    name = "After the case"


class SurveyRuleFactory(factory.django.DjangoModelFactory):
    """By default the survey is sent for every kind of case on every channel."""

    class Meta:
        model = SurveyRule

    survey = factory.SubFactory(SurveyFactory)
    kinds = factory.LazyFunction(list)
    channels = factory.LazyFunction(list)


class FreeFeedbackFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FreeFeedback

    customer = factory.SubFactory(CustomerFactory)
    channel = "portal"
    text = "网站很好用"
    created_at = factory.LazyFunction(timezone.now)


def make_survey(**asks) -> Survey:
    """A survey sent after every case, asking what ``asks`` says (``ask_nps=True`` ...)."""
    survey = SurveyFactory(code=f"s-{Survey.objects.count() + 1}", name="After the case", **asks)
    SurveyRuleFactory(survey=survey, kinds=[], channels=[])
    return survey


def resolved_case(*, customer=None, team=None, agent=None, channel="portal"):
    """A complaint created and resolved through the services (an English-speaking customer by default)."""
    agent = agent or UserFactory(username="agent-fb", role="agent")
    customer = customer or CustomerFactory(language="en")
    case = create_case(customer=customer, kind="complaint", channel=channel, team=team)
    case = transition_case(case=case, name="start", actor=agent)
    return transition_case(case=case, name="resolve", actor=agent, resolution_type="answered")


def make_invitation(*, survey=None, **case_kw) -> SurveyInvitation:
    """The invitation the services send when a case is resolved (a survey is made if none exists)."""
    if survey is None and not Survey.objects.exists():
        make_survey()
    case = resolved_case(**case_kw)
    invitation = services.invite(case=case)
    assert invitation is not None
    return invitation


def answer_url(invitation: SurveyInvitation) -> str:
    """The signed link of the invitation's email: the public answer page."""
    return reverse("feedback:answer", args=[services.token_for(invitation)])
