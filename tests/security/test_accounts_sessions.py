"""Cookies and CSRF. With production settings (DEBUG off, read in a fresh process from the real
settings module) the session cookie is Secure, HttpOnly and SameSite=Lax, the CSRF cookie Secure
and SameSite=Lax, plain HTTP is redirected to HTTPS with HSTS; and a POST without the CSRF token
to the workbench's, the admin's, the portal's and the survey's forms is refused with 403 while
the same POST with the token goes through."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.core import mail
from django.core.cache import cache
from django.test import Client

from cases.models import CaseEvent
from cases.services import create_case
from tests.cases.factories import CustomerFactory, OrderFactory
from tests.production_env import production_env

pytestmark = pytest.mark.django_db

REPO = Path(__file__).resolve().parents[2]
COOKIE_SETTINGS = (
    "SESSION_COOKIE_SECURE",
    "SESSION_COOKIE_HTTPONLY",
    "SESSION_COOKIE_SAMESITE",
    "SESSION_COOKIE_AGE",
    "CSRF_COOKIE_SECURE",
    "CSRF_COOKIE_SAMESITE",
    "CSRF_COOKIE_HTTPONLY",
    "SECURE_SSL_REDIRECT",
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS",
)


@pytest.fixture(scope="module")
def production_cookie_settings(tmp_path_factory):
    """The cookie settings the real settings module gives with DEBUG off (fresh process)."""
    env = production_env(tmp_path_factory.mktemp("home"), path="/usr/bin:/bin")
    code = (
        "import django, json; django.setup(); from django.conf import settings as s; "
        f"print(json.dumps({{name: getattr(s, name) for name in {COOKIE_SETTINGS!r}}}))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, env=env, capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_production_settings_make_the_cookies_secure(production_cookie_settings):
    values = production_cookie_settings
    assert values["SESSION_COOKIE_SECURE"] is True and values["CSRF_COOKIE_SECURE"] is True
    assert values["SESSION_COOKIE_HTTPONLY"] is True
    assert values["SESSION_COOKIE_SAMESITE"] == "Lax" and values["CSRF_COOKIE_SAMESITE"] == "Lax"
    assert values["SESSION_COOKIE_AGE"] == 12 * 3600
    assert values["SECURE_SSL_REDIRECT"] is True and values["SECURE_HSTS_SECONDS"] >= 31536000


def test_with_production_settings_the_login_sets_secure_httponly_samesite_cookies(
    production_cookie_settings, settings, agent
):
    for name, value in production_cookie_settings.items():
        setattr(settings, name, value)
    client = Client(enforce_csrf_checks=True)

    page = client.get("/desk/login/", secure=True)
    csrf = page.cookies["csrftoken"]
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode()).group(1)
    login = client.post(
        "/desk/login/",
        {"username": "agent-a", "password": "correct horse battery staple", "csrfmiddlewaretoken": token},
        secure=True,
        HTTP_REFERER="https://testserver/desk/login/",  # over HTTPS Django checks the Referer too
    )

    assert login.status_code == 302
    session = login.cookies["sessionid"]
    assert session["secure"] is True and session["httponly"] is True and session["samesite"] == "Lax"
    assert 0 < int(session["max-age"]) <= 12 * 3600
    assert csrf["secure"] is True and csrf["samesite"] == "Lax"
    # Plain HTTP is sent to HTTPS, and HTTPS answers carry HSTS.
    plain = Client().get("/desk/login/")
    assert plain.status_code == 301 and plain["Location"].startswith("https://")
    assert "max-age=31536000" in page["Strict-Transport-Security"]


# --- CSRF ------------------------------------------------------------------------------------------


def post_both_ways(client: Client, url: str, data: dict) -> tuple[int, int]:
    """(status without a token, status with the page's token) for the same POST."""
    without = client.post(url, data)
    page = client.get(url if "/message/" not in url else url.rsplit("message/", 1)[0])
    match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode())
    assert match, f"no CSRF token on the page of {url}"
    with_token = client.post(url, {**data, "csrfmiddlewaretoken": match.group(1)})
    return without.status_code, with_token.status_code


def test_the_desk_login_refuses_a_post_without_the_csrf_token(agent):
    without, with_token = post_both_ways(
        Client(enforce_csrf_checks=True),
        "/desk/login/",
        {"username": "agent-a", "password": "correct horse battery staple"},
    )
    assert without == 403 and with_token == 302


def test_the_admin_login_refuses_a_post_without_the_csrf_token(admin_user):
    without, with_token = post_both_ways(
        Client(enforce_csrf_checks=True),
        "/admin/login/",
        {"username": "admin-x", "password": "correct horse battery staple"},
    )
    assert without == 403 and with_token == 302


def test_a_desk_reply_without_the_csrf_token_is_refused_and_sends_nothing(agent):
    case = create_case(customer=CustomerFactory(), kind="complaint", channel="email")
    client = Client(enforce_csrf_checks=True)
    client.force_login(agent)
    url = f"/desk/cases/{case.number}/message/"

    without = client.post(url, {"text": "Forged reply", "public": "1"})
    assert without.status_code == 403
    assert not CaseEvent.objects.filter(case=case, note__contains="Forged reply").exists()

    page = client.get(f"/desk/cases/{case.number}/")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode()).group(1)
    with_token = client.post(url, {"text": "Real reply", "csrfmiddlewaretoken": token})
    assert with_token.status_code in (200, 302)
    assert CaseEvent.objects.filter(case=case, note__contains="Real reply").exists()


def test_the_portal_refuses_a_post_without_the_csrf_token():
    cache.clear()
    customer = CustomerFactory(email="wang@example.com")
    order = OrderFactory(number="SO-CSRF-1", customer=customer)
    client = Client(enforce_csrf_checks=True)

    without, with_token = post_both_ways(client, "/portal/", {"order_number": order.number, "contact": customer.email})

    assert without == 403 and with_token == 302
    assert len(mail.outbox) == 1  # only the POST with the token sent a code
    cache.clear()


def test_the_two_factor_page_refuses_a_post_without_the_csrf_token(agent):
    client = Client(enforce_csrf_checks=True)
    client.force_login(agent)
    client.get("/desk/account/two-factor/")  # a pending set-up exists

    response = client.post("/desk/account/two-factor/", {"action": "confirm", "token": "123456"})

    assert response.status_code == 403


def test_a_logout_without_the_csrf_token_is_refused(agent):
    client = Client(enforce_csrf_checks=True)
    client.force_login(agent)

    assert client.post("/desk/logout/").status_code == 403
    assert "_auth_user_id" in client.session
