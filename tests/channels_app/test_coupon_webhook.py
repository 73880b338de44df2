"""A survey answer thanked with a coupon asks the shop for it: ``coupon.requested``, once per answer.

End to end through the real services: a resolved case, the survey invitation its rule picks, the
customer's answer (``feedback.services.answer``), whose closed loop writes the ``follow_up`` event
that ``channels_app.shop_webhooks`` turns into a delivery in the same transaction.
"""

from __future__ import annotations

import pytest

from cases.models import CaseEvent, EventType
from cases.services import create_case, record_event, transition_case
from channels_app import shop_webhooks
from channels_app.models import ShopWebhook, WebhookDelivery
from feedback import services as feedback
from feedback.models import FeedbackSettings, Survey, SurveyRule
from tests.cases.factories import CustomerFactory

pytestmark = pytest.mark.django_db

COUPON = "coupon.requested"


@pytest.fixture
def survey(db):
    survey = Survey.objects.create(code="after-sales", name="After-sales", ask_csat=True, ask_comment=True)
    SurveyRule.objects.create(survey=survey, kinds=["complaint"])
    return survey


def reward(enabled: bool) -> None:
    settings = FeedbackSettings.get_solo()
    settings.reward_enabled = enabled
    settings.save()


@pytest.fixture
def resolved_case(agent):
    case = create_case(customer=CustomerFactory(external_id="C-42"), kind="complaint", channel="email")
    transition_case(case=case, name="start", actor=agent)
    transition_case(case=case, name="resolve", actor=agent, resolution_type="goodwill_coupon")
    case.refresh_from_db()
    return case


def coupons() -> list[WebhookDelivery]:
    return list(WebhookDelivery.objects.filter(event_type=COUPON).order_by("id"))


def answer_survey(case, **data):
    invitation = feedback.invite(case=case)
    assert invitation is not None
    return feedback.answer(invitation=invitation, data={"csat": 5, "comment": "谢谢，很满意", **data})


def test_a_thanked_answer_asks_the_shop_for_one_coupon_with_the_case_summary(survey, resolved_case):
    reward(True)
    wants_coupons = ShopWebhook.objects.create(name="Coupons", url="https://shop.example/hooks", events=[COUPON])
    ShopWebhook.objects.create(name="Cases only", url="https://shop.example/cases", events=["case.created"])

    response, created = answer_survey(resolved_case)

    assert created
    (delivery,) = coupons()
    assert (delivery.endpoint, delivery.status, delivery.case, delivery.attempts) == (
        wants_coupons,
        "pending",
        resolved_case,
        0,
    )
    payload = delivery.payload
    assert payload["type"] == COUPON and payload["id"] == str(delivery.event_id)
    assert payload["data"]["coupon"] == {"value": "5.00", "currency": "CNY", "response": response.pk}
    resolved_case.refresh_from_db()
    summary = payload["data"]["case"]
    assert summary == shop_webhooks.case_summary(resolved_case, shop_webhooks._lines(resolved_case))
    assert (summary["number"], summary["status"], summary["customer"]) == (
        resolved_case.number,
        "resolved",
        {"external_id": "C-42", "tier": "regular"},
    )
    event = CaseEvent.objects.get(case=resolved_case, type=EventType.FOLLOW_UP, data__follow_up="coupon")
    assert payload["created_at"] == event.created_at.isoformat()


def test_an_endpoint_that_wants_every_event_gets_the_coupon_too(survey, resolved_case):
    reward(True)
    everything = ShopWebhook.objects.create(name="All", url="https://shop.example/all")
    answer_survey(resolved_case)
    assert [d.endpoint for d in coupons()] == [everything]


def test_a_second_submit_or_a_repeated_event_asks_for_no_second_coupon(survey, resolved_case):
    reward(True)
    ShopWebhook.objects.create(name="Coupons", url="https://shop.example/hooks", events=[COUPON])
    response, _created = answer_survey(resolved_case)

    again, created = feedback.answer(invitation=response.invitation, data={"csat": 5})
    assert (again, created) == (response, False)
    first = CaseEvent.objects.get(case=resolved_case, type=EventType.FOLLOW_UP, data__follow_up="coupon")
    record_event(case=resolved_case, type=EventType.FOLLOW_UP, actor=None, data=first.data)  # the same response

    assert len(coupons()) == 1


def test_with_the_reward_off_no_coupon_is_asked(survey, resolved_case):
    reward(False)
    ShopWebhook.objects.create(name="Coupons", url="https://shop.example/hooks", events=[COUPON])
    _response, created = answer_survey(resolved_case)
    assert created
    assert coupons() == []
    assert not CaseEvent.objects.filter(type=EventType.FOLLOW_UP, data__follow_up="coupon").exists()


def test_a_revisit_follow_up_is_no_coupon(resolved_case):
    ShopWebhook.objects.create(name="All", url="https://shop.example/all")
    event = record_event(
        case=resolved_case, type=EventType.FOLLOW_UP, actor=None, data={"follow_up": "revisit", "task": 1}
    )
    shop_webhooks.on_case_event(case=resolved_case, event=event)
    assert coupons() == []
