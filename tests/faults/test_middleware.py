"""The 503 of aftersales.middleware in-process (the real outage is in test_database_outage.py):
which errors it answers for, in which shape, and that it leaves every other error alone."""

from __future__ import annotations

import json
from unittest import mock

import pytest
from django.db.utils import IntegrityError, InterfaceError, OperationalError
from django.test import RequestFactory
from django.utils import translation

from aftersales.middleware import DatabaseUnavailableMiddleware

MESSAGE = "The service is temporarily unavailable. Please try again in a moment."


@pytest.fixture(autouse=True)
def _english():
    """A request made with RequestFactory does not pass LocaleMiddleware: the language is whatever
    the thread had, so these tests say which one they read."""
    with translation.override("en"):
        yield


def middleware() -> DatabaseUnavailableMiddleware:
    return DatabaseUnavailableMiddleware(lambda request: None)


@pytest.mark.parametrize("error", [OperationalError("server closed the connection"), InterfaceError("closed")])
def test_an_api_request_gets_json_503_with_retry_after(error):
    response = middleware().process_exception(RequestFactory().get("/api/v1/cases/"), error)
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert response["Content-Type"] == "application/json"
    assert json.loads(response.content) == {"detail": MESSAGE, "code": "service_unavailable"}


def test_a_page_gets_the_html_503_page_without_the_error_text():
    response = middleware().process_exception(
        RequestFactory().get("/desk/"), OperationalError('connection to server at "db" failed: secret detail')
    )
    assert response.status_code == 503
    assert response["Content-Type"].startswith("text/html")
    html = response.content.decode()
    assert "Service temporarily unavailable" in html and MESSAGE in html
    assert "secret detail" not in html and "OperationalError" not in html


@pytest.mark.parametrize("error", [IntegrityError("duplicate key"), ValueError("a bug"), KeyError("x")])
def test_other_errors_are_not_turned_into_503(error):
    # An IntegrityError is a bug or a race the code must handle, not an outage: it stays a 500.
    assert middleware().process_exception(RequestFactory().get("/api/v1/cases/"), error) is None


@pytest.mark.django_db
def test_a_view_whose_query_fails_answers_503_through_the_whole_stack(client, agent):
    client.force_login(agent)
    with mock.patch(
        "cases.desk.views.queue_page.selectors.desk_queue", side_effect=OperationalError("the server went away")
    ):
        response = client.get("/desk/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 503
    assert response["Content-Language"] == "zh-hans"
    assert '<html lang="zh-hans">' in response.content.decode()
