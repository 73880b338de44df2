"""The survey link: signed, valid for ``FeedbackSettings.valid_days``, refused when altered; the page
is public, so the token is the only key, and one customer's token never opens another's case."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import signing
from django.urls import reverse

from core import clock
from feedback import services
from feedback.models import FeedbackSettings, InvitationStatus, SurveyResponse
from tests.cases.factories import CustomerFactory
from tests.feedback.factories import make_invitation

pytestmark = pytest.mark.django_db


def page(client, token: str, method: str = "get", **data):
    return getattr(client, method)(reverse("feedback:answer", args=[token]), data)


def other_character(token: str, index: int) -> str:
    swapped = "A" if token[index] != "A" else "B"
    return token[:index] + swapped + token[index + 1 :]


def test_a_token_names_its_invitation_and_the_link_is_absolute(invitation, settings):
    settings.SITE_URL = "https://service.example.cn/"
    token = services.token_for(invitation)
    assert services.invitation_for_token(token) == invitation
    assert services.survey_link(invitation) == f"https://service.example.cn/feedback/s/{token}/"


def test_the_invitation_event_carries_the_link(invitation):
    event = invitation.case.events.get(type="survey")
    assert event.public and "/feedback/s/" in event.note and invitation.case.number in event.note


@pytest.mark.parametrize("where", ["payload", "signature"])
def test_a_changed_character_is_refused_with_400(client, invitation, where):
    token = services.token_for(invitation)
    payload, _sig = token.rsplit(":", 1)
    index = {"payload": 1, "signature": len(token) - 3}[where]
    tampered = other_character(token, index)
    assert tampered != token
    with pytest.raises(services.LinkInvalid):
        services.invitation_for_token(tampered)
    response = page(client, tampered)
    assert response.status_code == 400
    assert "not valid" in response.content.decode()
    assert invitation.case.number not in response.content.decode()


def test_a_token_signed_with_another_salt_is_refused(client, invitation):
    foreign = signing.dumps({"i": invitation.pk}, salt="cases.portal-login", compress=True)
    assert page(client, foreign).status_code == 400
    assert page(client, foreign, "post", csat="5").status_code == 400
    assert not SurveyResponse.objects.exists()


def test_a_well_signed_token_of_no_invitation_is_refused(client, invitation):
    for payload in ({"i": invitation.pk + 10_000}, {"x": 1}, [invitation.pk], "hello"):
        assert page(client, signing.Signer(salt=services.SALT).sign_object(payload)).status_code == 400


@pytest.mark.parametrize("garbage", ["x", "garbage", "....", "eyJpIjoxfQ", "a:b:c", "%00", "😀"])
def test_garbage_is_refused_with_400(client, invitation, garbage):
    assert page(client, garbage).status_code == 400


def test_no_token_is_not_a_page(client, invitation):
    assert client.get("/feedback/s//").status_code == 404
    assert client.get("/feedback/s/").status_code == 404
    assert client.get("/feedback/").status_code == 404


def test_any_visitor_with_the_token_may_answer_without_logging_in(client, invitation):
    token = services.token_for(invitation)
    assert page(client, token).status_code == 200
    assert page(client, token, "post", csat="4").status_code == 303
    assert SurveyResponse.objects.get().customer == invitation.customer


def test_one_customers_token_never_shows_another_customers_case(client):
    mine = make_invitation(customer=CustomerFactory(language="en", email="mine@example.com"))
    theirs = make_invitation(customer=CustomerFactory(language="en", email="theirs@example.com"))
    html = page(client, services.token_for(mine)).content.decode()
    assert mine.case.number in html and theirs.case.number not in html
    # A token cannot be re-pointed: the id is under the signature.
    forged = services.token_for(mine).replace(services.token_for(mine).split(":")[0], "eyJpIjo5OTl9")
    assert page(client, forged).status_code == 400
    page(client, services.token_for(mine), "post", csat="2")
    theirs.refresh_from_db()
    assert theirs.status == InvitationStatus.SENT
    assert SurveyResponse.objects.get().case == mine.case


def test_the_link_expires_after_valid_days_by_the_products_clock(client, invitation, monkeypatch):
    days = FeedbackSettings.get_solo().valid_days
    token = services.token_for(invitation)
    sent = invitation.sent_at
    monkeypatch.setattr(clock, "now", lambda: sent + timedelta(days=days) - timedelta(minutes=1))
    assert services.invitation_for_token(token) == invitation
    assert page(client, token).status_code == 200
    monkeypatch.setattr(clock, "now", lambda: sent + timedelta(days=days, seconds=1))
    with pytest.raises(services.LinkExpired):
        services.invitation_for_token(token)
    response = page(client, token)
    assert response.status_code == 410 and "expired" in response.content.decode()
    assert page(client, token, "post", csat="5").status_code == 410
    assert not SurveyResponse.objects.exists()


def test_an_expired_invitation_is_refused_even_before_its_date(client, invitation):
    services.expire_due(at=invitation.expires_at)
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.EXPIRED
    assert page(client, services.token_for(invitation)).status_code == 410


def test_the_token_carries_its_expiry_and_the_products_clock_enforces_it(client, invitation, monkeypatch):
    """Past the expiry the token carries, the link is refused even before the beat task marked it."""
    token = services.token_for(invitation)
    assert token == services.token_for(invitation)  # one link for the invitation and its reminder
    monkeypatch.setattr(clock, "now", lambda: invitation.expires_at + timedelta(seconds=1))
    with pytest.raises(services.LinkExpired):
        services.invitation_for_token(token)
    assert page(client, token).status_code == 410


def test_a_token_with_another_expiry_is_refused(client, invitation):
    forged = signing.Signer(salt=services.SALT).sign_object(
        {"i": invitation.pk, "e": int(invitation.expires_at.timestamp()) + 86_400}, compress=True
    )
    assert page(client, forged).status_code == 400


def test_an_answered_link_still_says_thank_you_after_its_date(client, invitation, monkeypatch):
    token = services.token_for(invitation)
    page(client, token, "post", csat="5")
    monkeypatch.setattr(clock, "now", lambda: invitation.expires_at + timedelta(hours=1))
    response = client.get(reverse("feedback:answer", args=[token]), follow=True)
    assert response.status_code == 200 and "Thank you" in response.content.decode()


def test_the_link_problem_page_speaks_the_visitors_language(client, invitation):
    response = client.get(reverse("feedback:answer", args=["garbage"]) + "?lang=zh-hans")
    assert response.status_code == 400 and 'lang="zh-hans"' in response.content.decode()
