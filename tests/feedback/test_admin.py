"""Admin of the feedback app: every model is there, its pages render, and who may open them."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.contrib import admin
from django.urls import reverse
from django.utils import timezone

from feedback import free
from feedback.models import (
    FeedbackCategory,
    FeedbackSettings,
    FreeFeedback,
    Survey,
    SurveyInvitation,
    SurveyResponse,
    SurveyRule,
)
from tests.cases.factories import CaseFactory, TeamFactory

pytestmark = pytest.mark.django_db

MODELS = list(apps.get_app_config("feedback").get_models())


def url(model, view: str, *args) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


@pytest.fixture
def one_of_each(db):
    """A row of every feedback model, as the services would write them."""
    case = CaseFactory(team=TeamFactory(code="returns"))
    survey = Survey.objects.create(code="after-sales", name="After-sales")
    SurveyRule.objects.create(survey=survey, kinds=["return", "exchange"], channels=["email"])
    FeedbackSettings.get_solo()
    now = timezone.now()
    invitation = SurveyInvitation.objects.create(
        case=case,
        customer=case.customer,
        survey=survey,
        channel="email",
        language="zh-hans",
        sent_at=now,
        expires_at=now + timezone.timedelta(days=14),
    )
    SurveyResponse.objects.create(
        invitation=invitation,
        case=case,
        customer=case.customer,
        team=case.team,
        csat=2,
        comment="太慢",
        answered_at=now,
    )
    category = FeedbackCategory.objects.create(
        code="test-delivery", name_en="Delivery", name_zh="物流", keywords="快递"
    )
    FreeFeedback.objects.create(channel="portal", text="快递太慢", category=category, created_at=now)


def test_every_model_of_the_feedback_app_is_in_the_admin():
    assert [m.__name__ for m in MODELS if not admin.site.is_registered(m)] == []


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_the_changelist_and_change_page_render_for_an_admin(client, admin_user, one_of_each, model):
    client.force_login(admin_user)
    assert client.get(url(model, "changelist")).status_code == 200
    obj = model.objects.first()
    assert obj is not None
    assert client.get(url(model, "change", obj.pk)).status_code == 200


def test_the_changelists_filter_and_search(client, admin_user, one_of_each):
    client.force_login(admin_user)
    assert client.get(url(SurveyResponse, "changelist"), {"source": "link", "q": "太慢"}).status_code == 200
    assert client.get(url(SurveyInvitation, "changelist"), {"status": "sent"}).status_code == 200
    assert client.get(url(FreeFeedback, "changelist"), {"handled_at__isempty": "1"}).status_code == 200


def test_a_rule_ticks_kinds_and_channels_as_checkboxes(client, admin_user, one_of_each):
    client.force_login(admin_user)
    rule = SurveyRule.objects.get()
    page = client.get(url(SurveyRule, "change", rule.pk)).content.decode()
    assert 'type="checkbox" name="kinds" value="exchange"' in page and 'name="channels" value="chat"' in page

    response = client.post(
        url(SurveyRule, "change", rule.pk),
        {"position": "10", "survey": rule.survey_id, "kinds": ["complaint"], "channels": [], "active": "on"},
    )
    assert response.status_code == 302
    rule.refresh_from_db()
    assert (rule.kinds, rule.channels, rule.position) == (["complaint"], [], 10)


def test_the_survey_page_groups_the_wording_of_each_question(client, admin_user, one_of_each):
    client.force_login(admin_user)
    page = client.get(url(Survey, "change", Survey.objects.get().pk)).content.decode()
    for field in ("csat_en", "csat_zh", "nps_en", "nps_zh", "ces_en", "ces_zh", "comment_en", "comment_zh"):
        assert f'name="{field}"' in page
    assert "Effort (CES, 1-7)" in page


def test_the_settings_are_one_page_without_add_or_delete(client, admin_user):
    client.force_login(admin_user)
    page = client.get(url(FeedbackSettings, "changelist"))
    assert page.status_code == 200 and 'name="reward_enabled"' in page.content.decode()
    assert client.get(url(FeedbackSettings, "add")).status_code == 403


def test_answers_and_invitations_are_read_only(client, admin_user, one_of_each):
    client.force_login(admin_user)
    response = SurveyResponse.objects.get()
    page = client.get(url(SurveyResponse, "change", response.pk)).content.decode()
    assert 'name="csat"' not in page and "太慢" in page
    assert client.get(url(SurveyResponse, "add")).status_code == 403
    assert client.post(url(SurveyResponse, "change", response.pk), {"csat": "5"}).status_code == 403
    assert client.get(url(SurveyInvitation, "add")).status_code == 403
    assert SurveyResponse.objects.get().csat == 2


def test_a_manager_recategorises_free_feedback_and_marks_it_handled_through_the_service(client, manager, one_of_each):
    client.force_login(manager)
    item = FreeFeedback.objects.get()
    team = TeamFactory(code="quality")
    other = FeedbackCategory.objects.create(code="test-quality", name_en="Quality", name_zh="质量", team=team)
    response = client.post(url(FreeFeedback, "change", item.pk), {"category": other.pk, "text": "changed"})
    assert response.status_code == 302
    item.refresh_from_db()
    assert (item.category, item.team, item.categorised_by, item.text) == (other, team, free.BY_STAFF, "快递太慢")

    response = client.post(url(FreeFeedback, "changelist"), {"action": "mark_handled", "_selected_action": [item.pk]})
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.handled_at is not None


NOT_FOR_AGENTS = [Survey, SurveyRule, FeedbackSettings, FeedbackCategory]
FOR_AGENTS = [SurveyInvitation, SurveyResponse, FreeFeedback]


@pytest.mark.parametrize("model", NOT_FOR_AGENTS, ids=lambda m: m.__name__)
def test_an_agent_may_not_open_the_configuration(client, agent, one_of_each, model):
    client.force_login(agent)
    assert client.get(url(model, "changelist")).status_code == 403
    assert client.get(url(model, "change", model.objects.first().pk)).status_code == 403


@pytest.mark.parametrize("model", FOR_AGENTS, ids=lambda m: m.__name__)
def test_an_agent_reads_the_answers_and_free_feedback(client, agent, one_of_each, model):
    client.force_login(agent)
    assert client.get(url(model, "changelist")).status_code == 200
    obj = model.objects.first()
    assert client.get(url(model, "change", obj.pk)).status_code == 200
    assert client.post(url(model, "change", obj.pk), {}).status_code == 403


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_a_manager_opens_every_feedback_page(client, manager, one_of_each, model):
    client.force_login(manager)
    assert client.get(url(model, "changelist")).status_code == 200
