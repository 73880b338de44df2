"""Weak passwords are refused wherever a password is set (the validators of the settings, the
admin's "add user" and "change password" forms): too short, common, all digits, or like the
username; a long, uncommon one is accepted."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import Client

from tests.accounts.factories import UserFactory

pytestmark = pytest.mark.django_db

STRONG = "Harbour-lantern-47-quietly"


@pytest.mark.parametrize(
    ("password", "why"),
    [
        ("Sh0rt-pass", "too short"),  # 10 characters: the minimum is 12
        ("password1234", "too common"),
        ("qwertyuiop123", "too common"),
        ("839201748392", "entirely numeric"),
        ("li.na.agent.2024", "too similar"),
    ],
)
def test_weak_passwords_are_refused_by_the_validators(password, why):
    user = get_user_model()(username="li.na.agent", email="li.na.agent@example.com")
    with pytest.raises(ValidationError) as refused:
        validate_password(password, user=user)
    assert any(why in message for message in refused.value.messages), refused.value.messages


def test_a_long_uncommon_password_passes():
    user = get_user_model()(username="li.na.agent", email="li.na.agent@example.com")
    assert validate_password(STRONG, user=user) is None


def test_the_admin_refuses_a_weak_password_for_a_new_user(admin_user):
    client = Client()
    client.force_login(admin_user)

    weak = client.post(
        "/admin/auth/user/add/",
        {"username": "new-agent", "password1": "12345678", "password2": "12345678", "usable_password": "true"},
    )

    assert weak.status_code == 200  # the form again, with the reasons
    html = weak.content.decode()
    assert "too short" in html and "too common" in html and "entirely numeric" in html
    assert not get_user_model().objects.filter(username="new-agent").exists()

    strong = client.post(
        "/admin/auth/user/add/",
        {"username": "new-agent", "password1": STRONG, "password2": STRONG, "usable_password": "true"},
    )
    assert strong.status_code == 302
    assert get_user_model().objects.get(username="new-agent").check_password(STRONG)


def test_the_admin_refuses_a_weak_new_password_for_an_existing_user(admin_user):
    agent = UserFactory(username="agent-pw", role="agent")
    client = Client()
    client.force_login(admin_user)

    response = client.post(
        f"/admin/auth/user/{agent.pk}/password/",
        {"password1": "agentpw", "password2": "agentpw", "usable_password": "true"},
    )

    assert response.status_code == 200
    agent.refresh_from_db()
    assert agent.check_password("correct horse battery staple")  # unchanged
    assert not agent.check_password("agentpw")
