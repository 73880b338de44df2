"""The database goes away under a running web tier, and comes back.

A private PostgreSQL cluster (initdb + pg_ctl, on a free port) holds a copy of the migrated test
database; gunicorn serves the product from it as the Procfile runs it. While the cluster is stopped,
every page and API route that needs the database answers 503 with Retry-After and a translated
message (an HTML page for pages, the API's JSON error shape under /api/), never a traceback or a
500; once the cluster is back, the same gunicorn workers answer normally again: nobody restarts
the web tier.
"""

from __future__ import annotations

import json

import pytest
from django.db import connection
from django.utils import translation

from tests.faults.servers import Gunicorn, PrivatePostgres, fetch, manage_shell
from tests.processes import Redis

SEED = """
import json
from django.conf import settings
from django.contrib.auth import get_user_model
from django.test import Client
from rest_framework.authtoken.models import Token
from cases.models import Customer
from core.roles import ensure_roles
from cases.services import create_case

agent = get_user_model().objects.create_user("outage-agent", "outage-agent@example.com", is_staff=True)
agent.groups.add(ensure_roles()["agent"])
customer = Customer.objects.create(name="Outage Customer", email="outage@example.com")
case = create_case(customer=customer, kind="complaint", channel="email", subject="Outage case")
client = Client()
client.force_login(agent)
print(json.dumps({
    "cookie": settings.SESSION_COOKIE_NAME + "=" + client.cookies[settings.SESSION_COOKIE_NAME].value,
    "token": Token.objects.create(user=agent).key,
    "case": case.number,
}))
"""

MESSAGE = "The service is temporarily unavailable. Please try again in a moment."
RAW_EMAIL = (
    b"From: someone@example.com\\r\\nTo: service@example.com\\r\\nSubject: Hello\\r\\n\\r\\nAre you there?\\r\\n"
)


def requests_of(seed: dict) -> list[tuple[str, str, bytes | None, dict]]:
    """(kind, path, body, headers): pages of an agent, the API with a token, the email intake."""
    page = {"Cookie": seed["cookie"], "Accept-Language": "zh-hans"}
    api = {"Authorization": f"Token {seed['token']}", "Accept-Language": "zh-hans"}
    return [
        ("html", "/desk/", None, page),
        ("html", f"/desk/cases/{seed['case']}/", None, page),
        ("json", "/api/v1/cases/", None, api),
        ("json", f"/api/v1/cases/{seed['case']}/", None, api),
        ("json", "/api/v1/channels/email/outage/inbound/", RAW_EMAIL, {**api, "Content-Type": "message/rfc822"}),
    ]


@pytest.mark.slow
@pytest.mark.django_db  # only for the migrated test database, copied into the private cluster
def test_pages_and_api_answer_503_while_the_database_is_down_and_recover_without_a_restart(tmp_path):
    postgres, redis, web = PrivatePostgres(), Redis(tmp_path), None
    try:
        postgres.init().start()
        url = postgres.copy_database(connection.settings_dict, "aftersales_outage")
        seed = manage_shell(SEED, url, tmp_path)
        redis.start()
        web = Gunicorn(tmp_path, url, redis.url)
        web.wait_ready()
        calls = requests_of(seed)
        reads = [call for call in calls if call[2] is None]
        for _kind, path, body, headers in reads:
            status, _headers, _text = fetch(web.base + path, data=body, headers=headers)
            assert status == 200, path
        workers = web.workers()
        assert len(workers) == 2

        postgres.stop()
        with translation.override("zh-hans"):
            expected = translation.gettext(MESSAGE)
        for kind, path, body, headers in calls:
            for _attempt in range(2):  # both gunicorn workers: each had a connection that is now dead
                status, answer, text = fetch(web.base + path, data=body, headers=headers)
                assert status == 503, (path, status, text[:300])
                assert answer["Retry-After"] == "30"
                assert answer["Content-Language"] == "zh-hans"
                assert "Traceback" not in text and "OperationalError" not in text
                if kind == "json":
                    assert answer["Content-Type"] == "application/json"
                    assert json.loads(text) == {"detail": expected, "code": "service_unavailable"}
                else:
                    assert answer["Content-Type"].startswith("text/html")
                    assert '<html lang="zh-hans">' in text and expected in text

        postgres.start()
        for _kind, path, body, headers in reads * 2:
            status, _headers, _text = fetch(web.base + path, data=body, headers=headers)
            assert status == 200, path
        assert web.proc.poll() is None and web.workers() == workers, "gunicorn or one of its workers restarted"
        log = web.output()
        assert "Traceback" not in log, log[-3000:]
        assert "Database unavailable for GET /desk/" in log
    finally:
        if web is not None:
            web.stop()
        redis.stop()
        postgres.remove()
