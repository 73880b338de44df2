"""Phone numbers are E.164 everywhere (core.phones): a US number stays a US number, the Chinese
spellings of one number meet, a caller is matched to the customer whatever way they wrote it, a
number a person typed that cannot exist is refused with a message, and one a telephony system
sends that does not parse is kept out of identity matching."""

from __future__ import annotations

import importlib
import json

import phonenumbers
import pytest
from django.apps import apps as django_apps
from django.core.cache import cache
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from cases.models import Case, Customer, Order
from cases.services import create_case
from channels_app import identity, signing
from channels_app.models import ContactIdentity, Message, PhoneLine, PortalCode
from core import phones
from feedback.models import FreeFeedback
from tests.cases.factories import CustomerFactory, OrderFactory

CALLS = "/desk/calls/new/"
EVENTS = "/api/v1/channels/phone/hotline/events/"

# --- the parser -------------------------------------------------------------------------------------------


def test_a_us_number_is_not_turned_into_a_chinese_one():
    assert identity.normal_phone("+1 415 555 0100") == "+14155550100"


@pytest.mark.parametrize(
    "written", ["13800138000", "+86 138 0013 8000", "0086 138 0013 8000", "008613800138000", "138-0013-8000"]
)
def test_the_chinese_spellings_of_one_mobile_number_are_one_e164(written):
    assert phones.e164(written) == "+8613800138000"


@pytest.mark.parametrize("written", ["12345", "call me", "+86 138 0013", "+1 415 555", "1" * 80, ""])
def test_text_that_is_no_valid_number_is_refused_with_a_message(written):
    with pytest.raises(phones.InvalidPhoneNumber) as refused:
        phones.e164(written)
    assert refused.value.message
    assert phones.e164_or_none(written) is None and phones.e164_or_raw(written) == written


def test_the_default_region_comes_from_the_settings(settings):
    settings.PHONE_DEFAULT_REGION = "US"
    assert phones.e164("(415) 555-0100") == "+14155550100"
    assert phones.e164("+86 138 0013 8000") == "+8613800138000"


CN_MOBILE = st.builds(
    lambda prefix, rest: prefix + rest,
    st.sampled_from(["130", "135", "138", "139", "150", "158", "177", "186", "189", "199"]),
    st.text(alphabet="0123456789", min_size=8, max_size=8),
)
REGIONS = ["CN", "US", "GB", "DE", "FR", "JP", "HK", "SG", "AU", "IE"]


@st.composite
def foreign_numbers(draw):
    region = draw(st.sampled_from(REGIONS))
    kind = draw(st.sampled_from([phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE]))
    number = phonenumbers.example_number_for_type(region, kind)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _spellings(e164_number: str) -> list[str]:
    number = phonenumbers.parse(e164_number)
    fmt = phonenumbers.PhoneNumberFormat
    spelled = [
        e164_number,
        phonenumbers.format_number(number, fmt.INTERNATIONAL),
        phonenumbers.format_number(number, fmt.RFC3966).removeprefix("tel:"),
        "00" + e164_number[1:],  # the international prefix dialled from China
        " " + phonenumbers.format_number(number, fmt.INTERNATIONAL).replace(" ", "-") + " ",
    ]
    if number.country_code == 86:
        spelled.append(phonenumbers.format_number(number, fmt.NATIONAL))
        spelled.append(str(number.national_number))
    return spelled


@given(CN_MOBILE)
def test_spellings_of_a_chinese_mobile_number_give_one_e164(national):
    assert len({phones.e164(spelled) for spelled in _spellings("+86" + national)}) == 1
    assert phones.e164(national) == "+86" + national


@given(foreign_numbers())
def test_spellings_of_any_countrys_number_give_its_own_e164(number):
    assert {phones.e164(spelled) for spelled in _spellings(number)} == {number}


@given(
    st.one_of(st.text(max_size=40), CN_MOBILE, foreign_numbers(), st.from_regex(r"\+?[0-9 ()-]{4,20}", fullmatch=True))
)
def test_the_parser_is_idempotent(text):
    once = phones.e164_or_none(text)
    if once is not None:
        assert once.startswith("+") and once[1:].isdigit()
        assert phones.e164(once) == once
    assert phones.e164_or_raw(phones.e164_or_raw(text)) == phones.e164_or_raw(text)


# --- matching a caller --------------------------------------------------------------------------------------


@pytest.fixture
def line(db):
    return PhoneLine.objects.create(code="hotline", name="Hotline", number="+864008001234")


def post_call(client, line, *, number: str, call_id: str):
    body = {"call_id": call_id, "event": "ended", "direction": "inbound", "from": number, "duration": 60}
    raw = json.dumps(body).encode()
    headers = signing.signed_headers(secret=line.secret, body=raw)
    return client.post(EVENTS, data=raw, content_type="application/json", headers=headers)


@pytest.mark.django_db
def test_a_caller_is_matched_to_the_customer_however_the_number_is_written(client, line):
    customer = CustomerFactory(phone="+8613800138000")
    case = create_case(customer=customer, kind="complaint", channel="email")
    for n, written in enumerate(["13800138000", "+86 138 0013 8000", "0086 138 0013 8000", "008613800138000"]):
        response = post_call(client, line, number=written, call_id=f"c-{n}")
        assert response.status_code == 202, response.content
        assert response.json()["case"] == case.number
    assert Customer.objects.count() == 1
    assert list(ContactIdentity.objects.values_list("kind", "value")) == [("phone", "+8613800138000")]
    assert set(Message.objects.values_list("sender", flat=True)) == {"+8613800138000"}


@pytest.mark.django_db
def test_a_us_caller_is_not_taken_for_a_chinese_customer(client, line):
    chinese = CustomerFactory(phone="+8614155550100")  # what the old digits-only rule made of the US number
    american = CustomerFactory(phone="+14155550100")
    case = create_case(customer=american, kind="complaint", channel="email")
    response = post_call(client, line, number="+1 415 555 0100", call_id="us-1")
    assert response.status_code == 202 and response.json()["case"] == case.number
    assert not Case.objects.filter(customer=chinese).exists()
    assert ContactIdentity.objects.get().customer == american


@pytest.mark.django_db
def test_a_logged_call_from_a_us_number_joins_the_us_customers_case(client, agent):
    american = CustomerFactory(phone="+14155550100")
    case = create_case(customer=american, kind="complaint", channel="email")
    client.force_login(agent)
    form = {"direction": "in", "number": "+1 (415) 555-0100", "duration": "1:00", "summary": "Called about it"}
    response = client.post(CALLS, {**form, "outcome": "follow_up", "case": "", "line": ""})
    assert response.status_code == 302 and case.number in response["Location"]
    assert Customer.objects.count() == 1


@pytest.mark.django_db
def test_a_pushed_call_from_a_number_that_does_not_parse_matches_nobody(client, line):
    CustomerFactory(phone="12345")  # a legacy row the migration could not read
    for n in range(2):
        response = post_call(client, line, number="12345", call_id=f"odd-{n}")
        assert response.status_code == 202, response.content
    assert ContactIdentity.objects.count() == 0, "the raw value is not stored as an identity"
    callers = Customer.objects.exclude(phone="12345")
    assert callers.count() == 2 and set(callers.values_list("phone", flat=True)) == {""}
    assert Case.objects.count() == 2 and set(Message.objects.values_list("sender", flat=True)) == {"12345"}
    keys = set(Message.objects.values_list("data__sender_key", flat=True))
    assert len(keys) == 2, "two senders that do not parse are not one participant"


# --- where a person types a number ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_logging_a_call_with_an_invalid_number_is_400_with_a_message(client, agent):
    client.force_login(agent)
    form = {"direction": "in", "number": "12345", "duration": "1:00", "summary": "?", "outcome": "follow_up"}
    response = client.post(CALLS, {**form, "case": "", "line": ""})
    assert response.status_code == 400 and "is not a valid phone number" in response.content.decode()
    assert (Message.objects.count(), Customer.objects.count()) == (0, 0)


@pytest.fixture
def shop_order(db):
    cache.clear()
    order = OrderFactory(number="SO-8001", customer=CustomerFactory(email="li@example.com", phone="+8613800138000"))
    yield order
    cache.clear()


@pytest.mark.parametrize("written", ["13800138000", "0086 138 0013 8000", "+86 138-0013-8000"])
def test_the_portal_finds_an_order_by_any_spelling_of_its_phone(client, shop_order, written, capsys):
    response = client.post("/portal/", {"order_number": "SO-8001", "contact": written})
    assert response.status_code == 302
    assert "SMS to +8613800138000" in capsys.readouterr().out
    assert PortalCode.objects.get().sent_to == "+8613800138000"


def test_the_portal_does_not_take_a_chinese_number_for_a_us_customers(client, shop_order, capsys):
    shop_order.customer.phone = "+14155550100"
    shop_order.customer.save()
    response = client.post("/portal/", {"order_number": "SO-8001", "contact": "415 555 0100"})  # +86 415…
    assert response.status_code == 302 and not PortalCode.objects.exists(), "the neutral answer, no code"
    assert "SMS to" not in capsys.readouterr().out
    response = client.post("/portal/", {"order_number": "SO-8001", "contact": "+1 415 555 0100"})
    assert response.status_code == 302 and PortalCode.objects.get().sent_to == "+14155550100"


def test_the_portal_refuses_an_invalid_number_with_a_message(client, shop_order):
    response = client.post("/portal/", {"order_number": "SO-8001", "contact": "12345"})
    assert response.status_code == 400 and "is not a valid phone number" in response.content.decode()
    assert not PortalCode.objects.exists()


def _token_client(user) -> APIClient:
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=user)[0].key}")
    return api


def _order(phone: str) -> dict:
    return {
        "customer": {"external_id": "C-1", "name": "王小明", "phone": phone},
        "status": "delivered",
        "placed_at": "2026-03-01T10:00:00+08:00",
        "currency": "CNY",
        "lines": [{"line_no": 1, "sku": "S-1", "name": "Socks", "quantity": 1, "unit_price": "9", "paid_amount": "9"}],
    }


@pytest.mark.django_db
def test_a_shop_push_stores_the_customers_phone_as_e164(integration_user):
    response = _token_client(integration_user).put("/api/v1/orders/SO-1/", _order("138 0013 8000"), format="json")
    assert response.status_code in (200, 201), response.content
    assert Customer.objects.get().phone == "+8613800138000"


@pytest.mark.django_db
def test_a_shop_push_with_an_invalid_phone_is_400_and_writes_nothing(integration_user):
    response = _token_client(integration_user).put("/api/v1/orders/SO-1/", _order("12345"), format="json")
    assert response.status_code == 400
    assert "is not a valid phone number" in json.dumps(response.json(), ensure_ascii=False)
    assert (Customer.objects.count(), Order.objects.count()) == (0, 0)


@pytest.mark.django_db
def test_the_customer_admin_stores_e164_and_refuses_an_invalid_number(client, admin_user):
    customer = CustomerFactory(phone="+8613800138000")
    client.force_login(admin_user)
    url = f"/admin/cases/customer/{customer.pk}/change/"
    # Personal data is editable once revealed with a reason (core/admin_masking.py).
    revealed = client.post(f"/admin/cases/customer/{customer.pk}/reveal/", {"reason": "The customer asked by phone"})
    assert revealed.status_code == 302
    form = {"name": customer.name, "email": "", "tier": "regular", "language": "zh-hans", "external_id": ""}
    form.update({"identities-TOTAL_FORMS": "0", "identities-INITIAL_FORMS": "0"})  # its identities inline
    response = client.post(url, {**form, "phone": "12345"})
    assert response.status_code == 200 and "is not a valid phone number" in response.content.decode()
    customer.refresh_from_db()
    assert customer.phone == "+8613800138000"
    response = client.post(url, {**form, "phone": "+1 415 555 0100"})
    assert response.status_code == 302
    customer.refresh_from_db()
    assert customer.phone == "+14155550100"


@pytest.mark.django_db
def test_free_feedback_refuses_an_invalid_phone_contact(client):
    cache.clear()
    response = client.post("/feedback/new/", {"text": "配送太慢了", "contact": "123456"})
    assert response.status_code == 400 and "is not a valid phone number" in response.content.decode()
    assert not FreeFeedback.objects.exists()


# --- the data migrations, called directly on rows ---------------------------------------------------------------


def _migration(app: str, name: str):
    return importlib.import_module(f"{app}.migrations.{name}")


@pytest.mark.django_db
def test_the_migration_converts_customers_phones_and_leaves_unreadable_ones():
    written = ["138 0013 8000", "+1 (415) 555-0100", "0086-139-1234-5678", "call me", "", "+8613700000000"]
    rows = [CustomerFactory(phone=p) for p in written]
    _migration("cases", "0015_phone_e164").customers_to_e164(django_apps, None)
    assert [Customer.objects.get(pk=r.pk).phone for r in rows] == [
        "+8613800138000",
        "+14155550100",
        "+8613912345678",
        "call me",
        "",
        "+8613700000000",
    ]


@pytest.mark.django_db
def test_the_migration_converts_identities_lines_messages_and_codes():
    a, b = CustomerFactory(), CustomerFactory()
    old = ContactIdentity.objects.create(customer=a, kind="phone", value="8613800138000", verified=True)
    twin_new = ContactIdentity.objects.create(customer=a, kind="phone", value="+8613900000000", verified=False)
    twin_old = ContactIdentity.objects.create(customer=a, kind="phone", value="8613900000000", verified=True)
    other_new = ContactIdentity.objects.create(customer=b, kind="phone", value="+8613700000000")
    other_old = ContactIdentity.objects.create(customer=a, kind="phone", value="8613700000000")
    odd = ContactIdentity.objects.create(customer=b, kind="phone", value="8614155550100")
    email = ContactIdentity.objects.create(customer=b, kind="email", value="8613800138001")
    line = PhoneLine.objects.create(code="l1", name="Line", number="400-800-1234")
    message = Message.objects.create(
        direction="in",
        channel="phone",
        dedupe_key="phone:l1:x",
        sender="138 0013 8000",
        data={"sender_key": "phone::8613800138000"},
        created_at=timezone.now(),
    )
    outgoing = Message.objects.create(
        direction="out", channel="phone", dedupe_key="phone:l1:y", recipient="13800138000", created_at=timezone.now()
    )
    order = OrderFactory(customer=a)
    code = PortalCode.objects.create(
        order=order,
        customer=a,
        sent_to="138 0013 8000",
        code_hash="x",
        created_at=order.placed_at,
        expires_at=order.placed_at,
    )
    _migration("channels_app", "0006_phone_e164").to_e164(django_apps, None)

    def value(row):
        return ContactIdentity.objects.get(pk=row.pk).value

    assert value(old) == "+8613800138000"
    assert not ContactIdentity.objects.filter(pk=twin_old.pk).exists(), "the same customer's twin is merged"
    assert ContactIdentity.objects.get(pk=twin_new.pk).verified
    assert (value(other_new), value(other_old)) == ("+8613700000000", "8613700000000"), "another's is left"
    assert value(odd) == "8614155550100" and value(email) == "8613800138001"
    assert PhoneLine.objects.get(pk=line.pk).number == "+864008001234"
    message.refresh_from_db()
    outgoing.refresh_from_db()
    assert (message.sender, message.data["sender_key"]) == ("+8613800138000", "phone::+8613800138000")
    assert outgoing.recipient == "+8613800138000"
    assert PortalCode.objects.get(pk=code.pk).sent_to == "+8613800138000"


@pytest.mark.django_db
def test_the_migration_converts_free_feedback_phone_contacts():
    from feedback.models import FreeFeedback as Feedback

    rows = [
        Feedback.objects.create(text="t", channel="portal", contact=c, created_at=timezone.now())
        for c in ("138 0013 8000", "a@example.com", "call me")
    ]
    _migration("feedback", "0003_contact_phone_e164").contacts_to_e164(django_apps, None)
    assert [Feedback.objects.get(pk=r.pk).contact for r in rows] == ["+8613800138000", "a@example.com", "call me"]
