"""The registry of personal data (core.personal_data): complete, checked when filled, and what erasure
walks; plus the rows erasure finds with no link to the customer, and the ones it must not touch."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.apps import apps
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone

from cases.models import Case, CaseEvent, Customer, Order
from channels_app import portal
from channels_app.models import Message, ShopWebhook, WebhookDelivery
from core import personal_data
from core.personal_data import How
from feedback.models import FreeFeedback
from privacy import services
from privacy.models import AuditAction, AuditLog
from tests.cases.factories import CustomerFactory

pytestmark = pytest.mark.django_db


def test_every_text_json_email_file_and_binary_field_of_every_model_is_registered_or_declared_not_personal():
    forgotten = [
        f"{model._meta.label}.{f.name}"
        for model in apps.get_models(include_auto_created=True)
        for f in personal_data.checked_fields(model)
        if not personal_data.is_covered(model, f.name)
    ]
    assert forgotten == []
    assert len(personal_data.entries()) > 20 and len(personal_data.declarations()) > 50


def test_every_model_with_personal_data_says_how_to_find_a_customers_rows():
    erased = {e.model for e in personal_data.entries() if e.how is not How.KEEP}
    assert erased <= set(personal_data.models_with_rows())
    assert {Customer, Case, CaseEvent, Message, FreeFeedback, WebhookDelivery} <= erased


def test_what_a_law_keeps_is_named_with_its_reason():
    kept = {(e.model, e.fields): e.reason for e in personal_data.entries() if e.how is How.KEEP}
    assert "E-Commerce Law" in kept[(Order, ("number",))]
    assert all(kept.values())


def test_a_field_registered_twice_an_unknown_field_or_a_keep_without_reason_is_refused():
    with pytest.raises(ImproperlyConfigured, match="already registered"):
        personal_data.register(Customer, fields=["email"], how=How.BLANK)
    with pytest.raises(ImproperlyConfigured, match="has no field"):
        personal_data.not_personal(Customer, fields=["nickname"], reason="x")
    with pytest.raises(ImproperlyConfigured, match="reason"):
        personal_data.register(Order, fields=["status"], how=How.KEEP)
    with pytest.raises(ImproperlyConfigured, match="needs keys"):
        personal_data.register(Order, fields=["status"], how=How.REDACT_KEYS)
    assert not personal_data.is_covered(Customer, "nickname")
    assert personal_data.is_covered(Order, "status")  # declared not personal before, and still only that


def test_redacting_json_replaces_the_values_at_the_paths_and_leaves_the_rest_and_the_original():
    payload = {"data": {"case": {"number": "RMA-1", "customer": {"external_id": "C-9", "tier": "vip"}}, "refund": None}}
    out = personal_data.redact_keys(payload, ["data.case.customer.external_id", "data.refund.order_number", "x.y"])
    assert out == {
        "data": {"case": {"number": "RMA-1", "customer": {"external_id": "[erased]", "tier": "vip"}}, "refund": None}
    }
    assert payload["data"]["case"]["customer"]["external_id"] == "C-9"
    assert personal_data.keep_keys({"direction": "in", "reason": "张三"}, ["direction"]) == {"direction": "in"}
    assert personal_data.keep_keys(["not", "an", "object"], ["direction"]) == {}


# --- rows stored with no link to the customer -------------------------------------------------------


def test_erasure_finds_feedback_and_automatic_mail_by_the_customers_addresses_and_leaves_others(agent):
    customer = CustomerFactory(email="a.b@example.cn", phone="+8613911112222")
    now = timezone.now()
    by_email = FreeFeedback.objects.create(channel="portal", text="快递太慢", contact="A.B@example.cn", created_at=now)
    by_phone = FreeFeedback.objects.create(channel="portal", text="包装破了", contact="13911112222", created_at=now)
    someone_else = FreeFeedback.objects.create(channel="portal", text="很好", contact="c@example.cn", created_at=now)
    automatic = Message.objects.create(
        direction="in",
        channel="email",
        sender="a.b@example.cn",
        text="I am out of office",
        status="ignored",
        created_at=now,
    )
    other_mail = Message.objects.create(
        direction="in", channel="email", sender="c@example.cn", text="Out of office", status="ignored", created_at=now
    )
    services.erase_customer(customer=customer, actor=agent)
    assert FreeFeedback.objects.get(pk=by_email.pk).text == "[erased]"
    assert FreeFeedback.objects.get(pk=by_phone.pk).contact == ""
    assert FreeFeedback.objects.get(pk=someone_else.pk).text == "很好"
    assert Message.objects.get(pk=automatic.pk).text == "" and Message.objects.get(pk=automatic.pk).sender == ""
    assert Message.objects.get(pk=other_mail.pk).text == "Out of office"


def test_erasure_waits_for_events_still_to_be_sent_to_the_shop_and_changes_nothing(agent):
    from cases.services import create_case, transition_case

    customer = CustomerFactory(name="王五", external_id="C-55")
    case = create_case(customer=customer, kind="inquiry", channel="email", actor=agent, subject="王五的问题")
    case = transition_case(case=case, name="start", actor=agent)
    transition_case(case=case, name="resolve", actor=agent, resolution_type="answered")
    endpoint = ShopWebhook.objects.create(name="Shop", url="https://shop.example.com/hooks")
    WebhookDelivery.objects.create(
        endpoint=endpoint,
        event_type="case.created",
        case=case,
        payload={"data": {"case": {"customer": {"external_id": "C-55"}}}},
        created_at=timezone.now(),
    )
    with pytest.raises(services.PrivacyError, match=f"{case.number}.*wait to be sent"):
        services.erase_customer(customer=customer, actor=agent)
    assert Customer.objects.get(pk=customer.pk).name == "王五"
    assert Case.objects.get(pk=case.pk).subject == "王五的问题"
    assert not AuditLog.objects.filter(action=AuditAction.ERASE).exists()
    WebhookDelivery.objects.update(status="delivered")
    services.erase_customer(customer=customer, actor=agent)
    payload = WebhookDelivery.objects.get().payload
    assert payload["data"]["case"]["customer"]["external_id"] == "[erased]"


def test_a_rejection_reason_in_the_event_data_is_erased_but_the_steps_stay(agent):
    from cases.services import LineRequest, create_case, transition_case
    from tests.cases.factories import OrderLineFactory

    line = OrderLineFactory(order__customer__name="赵六")
    case = create_case(
        customer=line.order.customer,
        kind="return",
        channel="portal",
        order=line.order,
        actor=agent,
        lines=[LineRequest(order_line=line, quantity=1)],
    )
    case.refresh_from_db()
    transition_case(case=case, name="reject", actor=agent, reason="赵六 用过了")
    services.erase_customer(customer=line.order.customer, actor=agent)
    event = CaseEvent.objects.get(case=case, transition="reject")
    assert event.to_status == "rejected" and "reason" not in event.data and event.note == ""


# --- free feedback of a signed-in portal customer ---------------------------------------------------


@pytest.fixture
def no_counts():
    cache.clear()  # the free feedback form counts per IP address in this run's cache
    yield
    cache.clear()


def test_free_feedback_of_a_signed_in_portal_customer_is_theirs_and_an_anonymous_one_nobodys(client, no_counts):
    customer = CustomerFactory()
    assert client.post("/feedback/new/", {"text": "匿名的意见"}).status_code == 302
    session = client.session
    session[portal.SESSION_KEY] = {"customer": customer.pk, "until": (timezone.now() + timedelta(hours=1)).isoformat()}
    session.save()
    assert client.post("/feedback/new/", {"text": "登录后的意见"}).status_code == 302
    assert FreeFeedback.objects.get(text="匿名的意见").customer is None
    assert FreeFeedback.objects.get(text="登录后的意见").customer == customer


def test_an_expired_portal_session_links_no_feedback(client, no_counts):
    customer = CustomerFactory()
    session = client.session
    session[portal.SESSION_KEY] = {
        "customer": customer.pk,
        "until": (timezone.now() - timedelta(minutes=1)).isoformat(),
    }
    session.save()
    assert client.post("/feedback/new/", {"text": "过期以后的意见"}).status_code == 302
    assert FreeFeedback.objects.get(text="过期以后的意见").customer is None
