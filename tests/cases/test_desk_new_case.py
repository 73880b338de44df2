"""The desk's "New case" page (issue 18): find the customer or create one, open the case with the
customer's message as its first timeline entry; who may, and bad input writing nothing."""

from __future__ import annotations

import pytest

from cases.models import Case, CaseEvent, Customer
from tests.cases.factories import CustomerFactory

pytestmark = pytest.mark.django_db

URL = "/desk/new-case/"


def test_an_agent_finds_the_customer_by_phone_and_opens_a_complaint(client, agent):
    customer = CustomerFactory(name="张三", phone="+8613800138000", email="zs@example.com")
    CustomerFactory(name="李四")
    client.force_login(agent)
    page = client.get(URL, {"q": "13800138000"})
    assert page.status_code == 200
    assert f'value="{customer.pk}"' in page.content.decode() and "李四" not in page.content.decode()
    response = client.post(
        URL,
        {
            "customer": customer.pk,
            "kind": "complaint",
            "source": "walk_in",
            "subject": "",
            "text": "快递员态度恶劣\n包裹被扔在门口",
        },
    )
    case = Case.objects.get()
    assert response.status_code == 302 and response["Location"].endswith(f"/cases/{case.number}/")
    assert case.customer == customer and case.kind == "complaint" and case.channel == "phone"
    assert case.subject == "快递员态度恶劣"
    first = CaseEvent.objects.get(case=case, type="reply")
    assert first.note.startswith("快递员态度恶劣") and first.data["direction"] == "in"
    assert first.data["source"] == "walk_in" and first.data["entered_by"] == agent.username
    assert CaseEvent.objects.get(case=case, type="created").actor == agent


def test_a_new_customer_is_created_with_the_case(client, agent):
    client.force_login(agent)
    response = client.post(
        URL,
        {
            "name": "Anna",
            "phone": "138 0013 8001",
            "kind": "inquiry",
            "source": "marketplace",
            "text": "Is it waterproof?",
        },
    )
    assert response.status_code == 302
    customer = Customer.objects.get(name="Anna")
    assert customer.phone == "+8613800138001"
    assert Case.objects.get().channel == "social"


@pytest.mark.parametrize(
    "data, message",
    [
        ({"name": "Anna", "kind": "inquiry", "source": "phone", "text": "hi"}, "email address or phone number"),
        ({"email": "a@example.com", "kind": "inquiry", "source": "phone", "text": "hi"}, "name"),
        ({"name": "A", "email": "not-an-email", "kind": "inquiry", "source": "phone", "text": "hi"}, "not an email"),
        ({"name": "A", "email": "a@example.com", "kind": "inquiry", "source": "phone", "text": " "}, "message first"),
        ({"name": "A", "email": "a@example.com", "kind": "return", "source": "phone", "text": "hi"}, "convert it"),
        (
            {"name": "A", "email": "a@example.com", "kind": "inquiry", "source": "pigeon", "text": "hi"},
            "Unknown source",
        ),
        ({"customer": "999999", "kind": "inquiry", "source": "phone", "text": "hi"}, "no such customer"),
        ({"kind": "inquiry", "source": "phone", "text": "hi"}, "Choose the customer"),
    ],
)
def test_bad_input_is_refused_with_a_message_and_nothing_is_written(client, agent, data, message):
    client.force_login(agent)
    response = client.post(URL, data)
    assert response.status_code == 400 and message in response.content.decode()
    assert not Case.objects.exists() and not Customer.objects.exists()
    if data.get("text", "").strip():
        assert data["text"] in response.content.decode()  # what the agent typed is kept


def test_who_may_open_a_case_from_the_desk(client, agent, manager, integration_user, outsider):
    data = {"name": "A", "email": "a@example.com", "kind": "inquiry", "source": "phone", "text": "hi"}
    assert client.get(URL).status_code == 302  # anonymous: to the sign-in page
    assert client.post(URL, data).status_code == 302 and not Case.objects.exists()
    for user in (outsider, integration_user):
        client.force_login(user)
        assert client.get(URL).status_code == 403
        assert client.post(URL, data).status_code == 403
    assert not Case.objects.exists()
    for user in (agent, manager):
        client.force_login(user)
        assert client.get(URL).status_code == 200
        assert client.post(URL, data).status_code == 302
    assert Case.objects.count() == 2


def test_the_customer_search_runs_a_fixed_number_of_queries(client, agent, django_assert_num_queries):
    for i in range(15):
        CustomerFactory(name=f"王{i}")
    client.force_login(agent)
    with django_assert_num_queries(5):  # session, user, permissions (2), the customers
        page = client.get(URL, {"q": "王"})
    assert page.content.decode().count('name="customer"') == 16  # 15 found and "a new customer"


def test_the_menu_links_the_new_case_page(client, agent):
    client.force_login(agent)
    assert 'href="/desk/new-case/"' in client.get("/desk/").content.decode()
