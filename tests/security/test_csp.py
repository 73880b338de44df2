"""The Content-Security-Policy header (django-csp) on every kind of HTML page, and the templates
written so that it holds: no inline script, no on*= handler, no javascript: link anywhere in the
project's templates (the browser test, test_csp_browser.py, shows the pages then run clean)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.core.cache import cache
from django.test import Client

from cases.services import create_case
from channels_app.models import ChatWidget
from tests.cases.factories import CustomerFactory
from tests.feedback.factories import answer_url, make_invitation

pytestmark = pytest.mark.django_db

REPO = Path(__file__).resolve().parents[2]


def policy_of(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    return {part.split()[0]: part.split()[1:] for part in header.split(";") if part.strip()}


@pytest.fixture
def pages(agent, manager, admin_user):
    cache.clear()
    case = create_case(customer=CustomerFactory(), kind="complaint", channel="email")
    widget = ChatWidget.objects.create(code="csp-page", name="Demo shop")
    survey = answer_url(make_invitation())
    return {
        None: [
            "/",
            "/desk/login/",
            "/portal/",
            "/admin/login/",
            survey,
            f"/chat/demo/?widget={widget.key}",
            "/feedback/new/",
        ],
        agent: ["/desk/", "/desk/?queue=open", f"/desk/cases/{case.number}/", "/desk/account/two-factor/"],
        manager: ["/dashboard/"],
        admin_user: ["/admin/", "/admin/auth/user/", "/api/v1/docs/", "/api/v1/redoc/"],
    }


def test_every_page_carries_a_policy_with_no_inline_or_eval_script(pages):
    seen = 0
    for user, paths in pages.items():
        client = Client()
        if user is not None:
            client.force_login(user)
        for path in paths:
            response = client.get(path)
            assert response.status_code == 200, path
            assert response["Content-Type"].startswith("text/html"), path
            policy = policy_of(response)
            scripts = policy["script-src"]
            assert scripts[0] == "'self'", (path, scripts)
            assert not {"'unsafe-inline'", "'unsafe-eval'", "*", "data:", "http:", "https:"} & set(scripts), path
            assert all(s == "'self'" or s.startswith("'nonce-") for s in scripts), (path, scripts)
            assert policy["default-src"] == ["'self'"]
            assert policy["object-src"] == ["'none'"] and policy["frame-ancestors"] == ["'none'"]
            assert policy["base-uri"] == ["'self'"] and policy["form-action"] == ["'self'"]
            seen += 1
    assert seen >= 15


def test_a_refusal_page_carries_it_too(client, outsider):
    client.force_login(outsider)
    forbidden = client.get("/desk/")
    assert forbidden.status_code == 403 and "script-src" in forbidden["Content-Security-Policy"]


# --- the templates ------------------------------------------------------------------------------

SCRIPT = re.compile(r"<script\b([^>]*)>(.*?)</script>", re.S | re.I)
HANDLER = re.compile(r"<[a-z][^>]*\s(on[a-z]+)\s*=", re.I)
JS_URL = re.compile(r"""(href|src|action)\s*=\s*["']?\s*javascript:""", re.I)


def project_templates() -> list[Path]:
    folders = [REPO / "templates"] + [p for p in REPO.glob("*/templates") if ".venv" not in str(p)]
    return [path for folder in folders for path in folder.rglob("*.html")]


def test_no_template_has_an_inline_script_or_an_event_handler():
    offenders = []
    for path in project_templates():
        text = path.read_text()
        for attrs, body in SCRIPT.findall(text):
            executable = "application/json" not in attrs and "application/ld+json" not in attrs
            if executable and body.strip() and "csp_nonce" not in attrs.lower() and "CSP_NONCE" not in attrs:
                offenders.append(f"{path.relative_to(REPO)}: inline <script>")
        offenders += [f"{path.relative_to(REPO)}: {m}= handler" for m in HANDLER.findall(text)]
        offenders += [f"{path.relative_to(REPO)}: javascript: URL" for _ in JS_URL.findall(text)]
    assert len(project_templates()) > 30  # the walk really read the templates
    assert offenders == []


def test_the_scan_finds_what_it_looks_for():
    """The patterns above are not blind: each catches the thing it is for."""
    sample = '<button onclick="go()">x</button><script>alert(1)</script><a href="javascript:go()">y</a>'
    assert HANDLER.findall(sample) == ["onclick"]
    assert SCRIPT.findall(sample)[0][1] == "alert(1)"
    assert len(JS_URL.findall(sample)) == 1
