"""A schemathesis fuzz of the whole API from its own OpenAPI schema (/api/v1/schema/).

Every operation, valid and invalid inputs (schemathesis' positive and negative modes), as the
admin (a staff token that passes every permission check, so the requests reach the serializers
and services), in-process against the WSGI app and the test database. No answer may be a server
error, and answers must match the schema: the status codes and content types it documents and
the JSON bodies of the documented responses. The number of examples is bounded so the run stays
within the test suite's budget (about a minute on this machine).
"""

from __future__ import annotations

import copy
import json
from urllib.parse import unquote, urlsplit

import pytest
import schemathesis
from django.core import signals
from django.core.handlers.wsgi import WSGIHandler
from django.db import close_old_connections
from django.test import Client
from django.urls import Resolver404, resolve
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from rest_framework.authtoken.models import Token
from schemathesis.checks import not_a_server_error
from schemathesis.generation.modes import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.accounts.factories import UserFactory
from tests.clients import token_client
from tests.security.access_world import build_world

EXAMPLES = 25
# The email webhook takes a raw message: its body goes out as the bytes generated.
schemathesis.serializer.alias("message/rfc822", "application/octet-stream")


def documented_content_type(ctx, response, case):
    """schemathesis' content-type check, except for a path no route matches (a path parameter
    outside its converter, say ``-100`` for ``<int:pk>``): Django's own 404 page answers that one,
    before any API view, as HTML."""
    path = unquote(urlsplit(response.request.url).path)
    try:
        resolve(path)
    except Resolver404:
        return None
    return content_type_conformance(ctx, response, case)


CHECKS = [not_a_server_error, status_code_conformance, documented_content_type, response_schema_conformance]


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    """The attachments these tests write go to a temporary MEDIA_ROOT."""
    settings.MEDIA_ROOT = str(tmp_path / "media")


SERVED: list[dict] = []


@pytest.fixture
def api_schema(db, settings):
    settings.DESK_TEAMS_RESTRICT = True
    world = build_world()
    if not SERVED:  # the schema as /api/v1/schema/ serves it, fetched once per run
        answer = Client().get("/api/v1/schema/?format=json")
        assert answer.status_code == 200
        SERVED.append(answer.json())
    # As django.test.Client does: the end of a request must not close the test's connection (and
    # with it the transaction the test runs in). After the Client's request above, which connects
    # the receivers again when it ends.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        schema = schemathesis.openapi.from_dict(copy.deepcopy(SERVED[0]))
        schema.app = WSGIHandler()
        schema.world = world
        schema.token = Token.objects.get_or_create(user=world.admin)[0].key
        yield schema
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


def documented_operations() -> list[tuple[str, str]]:
    """(METHOD, path) of every operation the schema documents, read at collection time."""
    from drf_spectacular.generators import SchemaGenerator

    spec = SchemaGenerator().get_schema(request=None, public=True)
    return sorted((method.upper(), path) for path, ops in spec["paths"].items() for method in ops if method in METHODS)


METHODS = {"get", "put", "post", "patch", "delete"}
OPERATIONS = documented_operations()


def test_the_served_schema_documents_the_operations_fuzzed(api_schema):
    served = {
        (result.ok().method.upper(), result.ok().path) for result in api_schema.get_all_operations()
    }  # fmt: skip
    assert served == set(OPERATIONS) and len(served) > 20
    # Served with teams restricting (as the fixture sets), the lists keep their documented filters.
    case_list = {p["name"] for p in SERVED[0]["paths"]["/api/v1/cases/"]["get"]["parameters"]}
    assert {"status", "kind", "channel", "team", "cursor"} <= case_list


@pytest.mark.parametrize(("method", "path"), OPERATIONS, ids=[f"{m} {p}" for m, p in OPERATIONS])
def test_no_api_operation_answers_a_server_error_or_off_schema(method, path, api_schema):
    operation = api_schema[path][method]
    strategy = st.one_of(operation.as_strategy(GenerationMode.POSITIVE), operation.as_strategy(GenerationMode.NEGATIVE))
    headers = {"Authorization": f"Token {api_schema.token}"}

    @given(case=strategy)
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        derandomize=True,  # the same examples every run: a failure in CI reproduces locally
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    def fuzz(case):
        response = case.call(app=api_schema.app, headers=headers)
        case.validate_response(response, checks=CHECKS)

    fuzz()


# --- the server errors the fuzz found, pinned down ------------------------------------------------------


def test_a_nul_character_in_a_chat_start_is_a_clear_400(client, db):
    """PostgreSQL cannot hold NUL; the chat's key lookup used to fail with a 500."""
    from django.core.cache import cache

    cache.clear()
    response = client.post(
        "/api/v1/channels/chat/sessions/", {"widget": "\x00key", "email": "a@example.com", "name": "x\x00"}
    )
    assert response.status_code == 400
    assert set(response.json()["details"]) == {"widget", "name"}


def test_a_nul_character_in_an_imported_answer_is_a_row_error_and_nothing_is_stored(db):
    from feedback.models import SurveyResponse

    api = token_client(UserFactory(username="nul-admin", role="admin"))
    rows = [{"external_id": "e1", "case": "RMA-\x00", "csat": 5, "answered_at": "2026-01-01T10:00:00+08:00"}]
    response = api.post("/api/v1/feedback/responses/import/", rows, format="json")
    assert response.status_code == 400
    assert "NUL" in json.dumps(response.json())
    assert not SurveyResponse.objects.exists()
