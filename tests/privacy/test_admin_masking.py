"""The admin shows a customer's personal data masked (lists and change pages, every role) until the
user reveals it with a reason; the reveal writes the same audit row as the desk's case page
(issue 16: "mask personal data there for anyone who has not revealed it with a reason")."""

from __future__ import annotations

import pytest
from django.urls import reverse

from cases.services import create_case
from channels_app.models import ChatSession, ChatWidget, ContactIdentity, Message
from core import clock
from feedback.models import FreeFeedback
from privacy.models import AuditAction, AuditLog
from tests.cases.factories import CustomerFactory, OrderFactory, TeamFactory
from tests.privacy.factories import ADDRESS, EMAIL, PHONE

pytestmark = pytest.mark.django_db

NAME = "张伟"
SECRETS = (PHONE, PHONE.lstrip("+"), EMAIL, NAME, "漕溪北路")


@pytest.fixture
def world(agent):
    customer = CustomerFactory(name=NAME, email=EMAIL, phone=PHONE)
    order = OrderFactory(customer=customer, shipping_address=ADDRESS)
    case = create_case(customer=customer, order=order, kind="complaint", channel="email", actor=agent, subject="坏了")
    identity = ContactIdentity.objects.create(customer=customer, kind="phone", value=PHONE.lstrip("+"), display=PHONE)
    message = Message.objects.create(
        direction="in",
        channel="email",
        case=case,
        customer=customer,
        sender=EMAIL,
        sender_name=NAME,
        recipient="service@shop.example",
        status="received",
        created_at=clock.now(),
    )
    chat = ChatSession.objects.create(
        widget=ChatWidget.objects.create(name="Shop", code="shop"), customer=customer, case=case, started_at=clock.now()
    )
    feedback = FreeFeedback.objects.create(
        customer=customer, channel="portal", text="慢", contact=PHONE, created_at=clock.now()
    )
    return {
        "customer": customer,
        "order": order,
        "case": case,
        "contactidentity": identity,
        "message": message,
        "chatsession": chat,
        "freefeedback": feedback,
    }


PAGES = [
    ("cases", "customer"),
    ("cases", "order"),
    ("cases", "case"),
    ("channels_app", "contactidentity"),
    ("channels_app", "message"),
    ("channels_app", "chatsession"),
    ("feedback", "freefeedback"),
]


def change_url(world, app: str, model: str) -> str:
    return reverse(f"admin:{app}_{model}_change", args=[world[model].pk])


def shown(body: str) -> list[str]:
    return [s for s in SECRETS if s in body]


@pytest.mark.parametrize("role", ["agent", "manager", "admin_user"])
def test_admin_lists_and_change_pages_show_no_personal_data_before_a_reveal(client, request, role, world):
    client.force_login(request.getfixturevalue(role))
    for app, model in PAGES:
        for url in (reverse(f"admin:{app}_{model}_changelist"), change_url(world, app, model)):
            response = client.get(url)
            assert response.status_code == 200, url
            assert shown(response.content.decode()) == [], url
    body = client.get(change_url(world, "cases", "customer")).content.decode()
    assert "张**" in body and "z***@example.cn" in body and "+*********5678" in body
    assert 'id="reveal-personal-data"' in body
    assert not AuditLog.objects.filter(action=AuditAction.REVEAL_CONTACT).exists()


@pytest.mark.parametrize("role", ["agent", "manager", "admin_user"])
def test_a_reveal_with_a_reason_is_audited_once_and_shows_the_customers_pages(client, request, role, world):
    user = request.getfixturevalue(role)
    client.force_login(user)
    order_page = change_url(world, "cases", "order")
    reveal = reverse("admin:cases_order_reveal", args=[world["order"].pk])
    assert client.get(reveal).status_code == 200  # the reason form
    response = client.post(reveal, {"reason": "客户来电要求改地址"})
    assert response.status_code == 302 and response["Location"] == order_page
    rows = list(AuditLog.objects.filter(action=AuditAction.REVEAL_CONTACT))
    assert len(rows) == 1
    assert (rows[0].actor, rows[0].customer_ref, rows[0].reason) == (user, world["customer"].pk, "客户来电要求改地址")
    assert rows[0].detail["where"] == f"cases.order:{world['order'].pk}"
    body = client.get(order_page).content.decode()
    assert "漕溪北路" in body and NAME in body and 'id="personal-data-revealed"' in body
    for app, model in [("cases", "customer"), ("channels_app", "contactidentity"), ("channels_app", "message")]:
        assert shown(client.get(change_url(world, app, model)).content.decode()) != [], model
    # Lists stay masked; another customer stays masked.
    assert shown(client.get(reverse("admin:cases_customer_changelist")).content.decode()) == []
    other = OrderFactory(customer=CustomerFactory(phone="+8613700001111"), shipping_address="北京市朝阳区建国路 1 号")
    assert "建国路" not in client.get(reverse("admin:cases_order_change", args=[other.pk])).content.decode()
    assert AuditLog.objects.filter(action=AuditAction.REVEAL_CONTACT).count() == 1


@pytest.mark.parametrize("reason", ["", "   ", "why", "x" * 201])
def test_an_admin_reveal_without_a_proper_reason_is_400_and_reveals_nothing(client, manager, world, reason):
    client.force_login(manager)
    response = client.post(reverse("admin:cases_customer_reveal", args=[world["customer"].pk]), {"reason": reason})
    assert response.status_code == 400
    body = response.content.decode()
    assert 'id="reveal-error"' in body and shown(body) == []
    assert not AuditLog.objects.filter(action=AuditAction.REVEAL_CONTACT).exists()
    assert shown(client.get(change_url(world, "cases", "customer")).content.decode()) == []


def test_the_admin_reveal_is_for_signed_in_staff_only(client, outsider, integration_user, world):
    url = reverse("admin:cases_customer_reveal", args=[world["customer"].pk])
    assert client.post(url, {"reason": "just curious"})["Location"].startswith("/admin/login/")
    for user in (outsider, integration_user):  # not staff: the admin sends them to sign in
        client.force_login(user)
        response = client.post(url, {"reason": "just curious"})
        assert response.status_code == 302 and response["Location"].startswith("/admin/login/")
    assert not AuditLog.objects.filter(action=AuditAction.REVEAL_CONTACT).exists()


def test_an_agent_cannot_reveal_a_case_of_a_team_they_do_not_see(client, settings, agent, world):
    settings.DESK_TEAMS_RESTRICT = True
    case = world["case"]
    case.team = TeamFactory()
    case.save(update_fields=["team"])
    client.force_login(agent)
    assert client.get(change_url(world, "cases", "case")).status_code == 302  # "does not exist": to the index
    response = client.post(reverse("admin:cases_case_reveal", args=[case.pk]), {"reason": "just curious"})
    assert response.status_code == 404
    assert not AuditLog.objects.filter(action=AuditAction.REVEAL_CONTACT).exists()


def test_a_forged_contact_in_the_customer_form_changes_nothing_until_revealed(client, manager, world):
    customer = world["customer"]
    client.force_login(manager)
    url = change_url(world, "cases", "customer")
    form = {
        "name": "Forged",
        "email": "thief@example.com",
        "phone": "+8613000000000",
        "tier": customer.tier,
        "language": customer.language,
        "external_id": "",
        "dedicated_agent": "",
    }
    inlines = {"identities-TOTAL_FORMS": "0", "identities-INITIAL_FORMS": "0"}
    response = client.post(url, {**form, **inlines, "tier": "vip"})
    assert response.status_code == 302
    customer.refresh_from_db()
    assert (customer.name, customer.email, customer.phone, customer.tier) == (NAME, EMAIL, PHONE, "vip")
    # Revealed for a reason, the manager may correct them.
    client.post(reverse("admin:cases_customer_reveal", args=[customer.pk]), {"reason": "customer asked for it"})
    response = client.post(url, {**form, **inlines, "name": "张伟", "tier": "vip"})
    assert response.status_code == 302
    customer.refresh_from_db()
    assert (customer.email, customer.phone) == ("thief@example.com", "+8613000000000")


def test_identities_are_read_only_in_the_admin(client, manager, world):
    identity = world["contactidentity"]
    ContactIdentity.objects.filter(pk=identity.pk).update(verified=False)
    client.force_login(manager)
    url = change_url(world, "channels_app", "contactidentity")
    data = {"customer": identity.customer_id, "kind": "phone", "value": "8613000000000", "verified": "on"}
    assert client.post(url, data).status_code == 403
    identity.refresh_from_db()
    assert (identity.value, identity.verified) == (PHONE.lstrip("+"), False)
