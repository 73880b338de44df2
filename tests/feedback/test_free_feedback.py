"""Free feedback: the customers' form (/feedback/new/) and the desk's list (/desk/feedback/)
where a manager re-categorises it and marks it handled."""

from __future__ import annotations

import re

import pytest
from django.core.cache import cache
from django.test import Client

from feedback.free import RATE_LIMIT
from feedback.models import FeedbackCategory, FreeFeedback
from feedback.services import submit_free_feedback
from tests.cases.factories import TeamFactory

pytestmark = pytest.mark.django_db

URL = "/feedback/new/"
DESK = "/desk/feedback/"


@pytest.fixture(autouse=True)
def _own_cache(settings):
    """The rate limit counts in the cache: a cache of this test's own (the shared Redis database is
    other test runs' too, and a FLUSHDB there would reset their counters)."""
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "fb-free"}}
    cache.clear()
    yield
    cache.clear()


# --- the customers' form --------------------------------------------------------------------------------


def test_the_form_needs_no_account_and_offers_the_categories_and_let_us_sort_it(client):
    page = client.get(URL)
    assert page.status_code == 200
    html = page.content.decode()
    assert 'name="csrfmiddlewaretoken"' in html
    assert "Let us sort it" in html
    for category in FeedbackCategory.objects.all():
        assert f'value="{category.code}"' in html and category.name_en in html


def test_the_form_speaks_chinese_when_the_customer_chose_it(client):
    client.cookies["django_language"] = "zh-hans"
    html = client.get(URL, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "产品质量" in html and "Product quality" not in html


def test_the_portal_start_page_links_to_the_form(client):
    assert URL in client.get("/portal/").content.decode()


def test_feedback_without_a_topic_is_sorted_by_keywords_and_routed_to_the_team(client):
    team = TeamFactory()
    FeedbackCategory.objects.filter(code="logistics").update(team=team)
    response = client.post(URL, {"text": "快递三天了还没到，物流信息也不更新", "category": "", "contact": ""})
    assert response.status_code == 302 and response["Location"] == URL + "?sent=1"
    item = FreeFeedback.objects.get()
    assert item.channel == "portal" and item.language == "zh-hans"
    assert item.category.code == "logistics" and item.categorised_by == "keywords" and item.team == team
    assert "快递" in item.matched
    thanks = client.get(response["Location"])
    assert "Thank you" in thanks.content.decode()


def test_a_topic_the_customer_picks_is_kept_over_the_keywords(client):
    team = TeamFactory()
    FeedbackCategory.objects.filter(code="suggestion").update(team=team)
    response = client.post(
        URL, {"text": "Please add Alipay as a payment option", "category": "suggestion", "contact": "ann@example.com"}
    )
    assert response.status_code == 302
    item = FreeFeedback.objects.get()
    assert item.category.code == "suggestion" and item.categorised_by == "customer" and item.team == team
    assert item.contact == "ann@example.com"


@pytest.mark.parametrize(
    "data, message",
    [
        ({"text": "   "}, "Write your feedback first."),
        ({"text": "x" * 2001}, "too long"),
        ({"text": "ok", "contact": "not a contact"}, "email address or a phone number"),
        ({"text": "ok", "category": "no-such-topic"}, "Choose one of the listed topics"),
    ],
    ids=["empty", "too-long", "bad-contact", "unknown-topic"],
)
def test_bad_input_is_refused_with_a_clear_message_and_nothing_is_stored(client, data, message):
    response = client.post(URL, data)
    assert response.status_code == 400
    html = response.content.decode()
    assert message in html and 'role="alert"' in html
    assert FreeFeedback.objects.count() == 0
    if data["text"].strip() and len(data["text"]) < 100:
        assert data["text"] in html  # the customer's text stays in the form


def test_a_phone_number_is_a_contact_too(client):
    assert client.post(URL, {"text": "配送太慢了", "contact": "+86 138 0013 8000"}).status_code == 302
    assert FreeFeedback.objects.get().contact == "+8613800138000"


def test_the_form_refuses_a_post_without_the_csrf_token():
    strict = Client(enforce_csrf_checks=True)
    assert strict.post(URL, {"text": "hello"}).status_code == 403
    page = strict.get(URL)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode()).group(1)
    assert strict.post(URL, {"text": "hello", "csrfmiddlewaretoken": token}).status_code == 302
    assert FreeFeedback.objects.count() == 1


def test_one_address_may_send_only_so_many_in_ten_minutes(client):
    for n in range(RATE_LIMIT):
        assert client.post(URL, {"text": f"feedback {n}"}).status_code == 302
    refused = client.post(URL, {"text": "one more"})
    assert refused.status_code == 429 and "Wait a few minutes" in refused.content.decode()
    assert FreeFeedback.objects.count() == RATE_LIMIT
    other = client.post(URL, {"text": "from elsewhere"}, REMOTE_ADDR="10.1.2.3")
    assert other.status_code == 302


def test_customer_text_is_escaped_on_the_desk(client, manager):
    submit_free_feedback(text="<script>alert(1)</script> 快递", channel="portal")
    client.force_login(manager)
    html = client.get(DESK).content.decode()
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;" in html


# --- the desk's list: who ------------------------------------------------------------------------------


def _item(text: str = "快递三天了还没到", **kw) -> FreeFeedback:
    return submit_free_feedback(text=text, channel=kw.pop("channel", "portal"), **kw)


def test_anonymous_visitors_are_sent_to_the_sign_in_page(client):
    item = _item()
    for response in (
        client.get(DESK),
        client.post(f"{DESK}{item.pk}/handled/"),
        client.post(f"{DESK}{item.pk}/category/", {"category": "payment"}),
    ):
        assert response.status_code == 302 and response["Location"].startswith("/desk/login/")
    item.refresh_from_db()
    assert item.handled_at is None and item.category.code == "logistics"


def test_a_user_without_a_role_is_refused(client, outsider):
    item = _item()
    client.force_login(outsider)
    assert client.get(DESK).status_code == 403
    assert client.post(f"{DESK}{item.pk}/handled/").status_code == 403
    item.refresh_from_db()
    assert item.handled_at is None


def test_an_agent_reads_free_feedback_but_cannot_change_it(client, agent):
    item = _item()
    client.force_login(agent)
    page = client.get(DESK)
    assert page.status_code == 200 and item.text in page.content.decode()
    assert "Mark handled" not in page.content.decode()
    assert client.post(f"{DESK}{item.pk}/handled/").status_code == 403
    assert client.post(f"{DESK}{item.pk}/category/", {"category": "payment"}).status_code == 403
    item.refresh_from_db()
    assert item.handled_at is None and item.category.code == "logistics"


def test_a_manager_re_categorises_feedback_and_it_moves_to_that_team(client, manager):
    team = TeamFactory()
    FeedbackCategory.objects.filter(code="service").update(team=team)
    item = _item("Delivery guy was rude")
    client.force_login(manager)
    response = client.post(f"{DESK}{item.pk}/category/", {"category": "service", "next": f"{DESK}?state=all"})
    assert response.status_code == 302 and response["Location"] == f"{DESK}?state=all"
    item.refresh_from_db()
    assert item.category.code == "service" and item.team == team and item.categorised_by == "staff"
    assert client.post(f"{DESK}{item.pk}/category/", {"category": "none"}).status_code == 302
    item.refresh_from_db()
    assert item.category is None and item.team is None
    assert client.post(f"{DESK}{item.pk}/category/", {"category": "bogus"}).status_code == 400


def test_a_manager_marks_feedback_handled_once(client, manager):
    item = _item()
    client.force_login(manager)
    assert client.post(f"{DESK}{item.pk}/handled/", {"next": "https://evil.example/"}).status_code == 302
    item.refresh_from_db()
    first = item.handled_at
    assert first is not None
    assert client.post(f"{DESK}{item.pk}/handled/")["Location"] == DESK
    item.refresh_from_db()
    assert item.handled_at == first
    assert item.text not in client.get(DESK).content.decode()  # open ones by default
    assert item.text in client.get(f"{DESK}?state=handled").content.decode()


def test_missing_feedback_is_a_404(client, manager):
    client.force_login(manager)
    assert client.post(f"{DESK}999999/handled/").status_code == 404


# --- the desk's list: filters, pages, queries --------------------------------------------------------


def test_the_list_filters_by_category_and_team(client, manager):
    team = TeamFactory()
    FeedbackCategory.objects.filter(code="payment").update(team=team)
    parcel, refund, thanks = _item("parcel lost"), _item("refund not received"), _item("thanks, all good")
    client.force_login(manager)

    def shown(query: str) -> set[int]:
        return {item.pk for item, _label in client.get(DESK + query).context["rows"]}

    assert shown("") == {parcel.pk, refund.pk, thanks.pk}
    assert shown("?category=payment") == {refund.pk}
    assert shown(f"?team={team.pk}") == {refund.pk}
    assert shown("?category=none") == {thanks.pk}
    assert shown("?team=none") == {parcel.pk, thanks.pk}


def test_the_list_pages_by_cursor_without_repeating_a_row(client, manager):
    items = [_item(f"refund number {n}") for n in range(55)]
    client.force_login(manager)
    first = client.get(DESK)
    assert len(first.context["rows"]) == 50 and first.context["next_url"]
    second = client.get(DESK + first.context["next_url"])
    seen = [i.pk for i, _ in first.context["rows"]] + [i.pk for i, _ in second.context["rows"]]
    assert sorted(seen) == sorted(i.pk for i in items) and not second.context["next_url"]
    assert client.get(DESK + "?after=garbage").status_code == 200


def test_the_list_runs_a_fixed_number_of_queries(client, manager, django_assert_num_queries):
    team = TeamFactory()
    FeedbackCategory.objects.update(team=team)
    _item()
    client.force_login(manager)
    client.get(DESK)
    # session, user, the user's permissions (2: groups, own), the page, the categories, the teams
    with django_assert_num_queries(7):
        assert client.get(DESK).status_code == 200
    for n in range(30):
        _item(f"The zipper broke after {n} days", contact=f"c{n}@example.com")
    with django_assert_num_queries(7):
        assert client.get(DESK).status_code == 200
