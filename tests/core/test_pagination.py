"""core.pagination: one cursor codec for every list. A position goes out and comes back the same; a
cursor that was tampered with, cut, or made for another ordering never comes back as a position:
the API answers 400, the desk's lists start from the first page."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from hypothesis import given
from hypothesis import strategies as st
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from cases.api.pagination import CasePagination
from cases.models import Case
from core.pagination import (
    InvalidCursor,
    KeysetOrdering,
    decode_cursor,
    encode_cursor,
    instant,
    optional_instant,
    read_cursor,
)
from tests.cases.factories import CaseFactory

MOMENT = datetime(2026, 3, 1, 9, 30, 15, 123456, tzinfo=UTC)
moments = st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC))
ids = st.integers(min_value=1, max_value=2**63 - 1)


@given(value=st.none() | moments, pk=ids)
def test_a_position_comes_back_as_it_went_out(value, pk):
    cursor = encode_cursor((value, pk), ordering="sla_due_at")
    assert decode_cursor(cursor, (optional_instant, int), ordering="sla_due_at") == (value, pk)


@given(rank=st.integers(min_value=0, max_value=9), due=moments, pk=ids)
def test_a_three_part_position_comes_back_too(rank, due, pk):
    cursor = encode_cursor((rank, due, pk))
    assert read_cursor(cursor, (int, instant, int)) == (rank, due, pk)


def test_a_cursor_is_url_safe_text():
    cursor = encode_cursor((MOMENT, 10**12), ordering="-created_at")
    assert set(cursor) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_=")


def _forge(payload) -> str:
    return base64.urlsafe_b64encode(json.dumps(payload).encode()).decode()


GOOD = encode_cursor((MOMENT, 7), ordering="sla_due_at")


@pytest.mark.parametrize(
    "cursor",
    [
        "garbage",
        "%%%",
        GOOD[:-6],  # cut short
        GOOD[:10] + ("A" if GOOD[10] != "A" else "B") + GOOD[11:],  # one character changed
        base64.urlsafe_b64encode(b"\xff\xfe").decode(),  # not text
        _forge([MOMENT.isoformat(), 7]),  # not an object
        _forge({"o": "-created_at", "p": [MOMENT.isoformat(), 7]}),  # another ordering
        _forge({"o": "sla_due_at", "p": [MOMENT.isoformat()]}),  # a value missing
        _forge({"o": "sla_due_at", "p": [MOMENT.isoformat(), 7, 8]}),  # a value too many
        _forge({"o": "sla_due_at", "p": ["yesterday", 7]}),  # not a moment
        _forge({"o": "sla_due_at", "p": [12345, 7]}),  # a number for a moment
        _forge({"o": "sla_due_at", "p": [MOMENT.isoformat(), "seven"]}),  # not an id
        _forge({"o": "sla_due_at", "p": [MOMENT.isoformat(), None]}),  # no id
        _forge({"o": "sla_due_at"}),  # no position
    ],
)
def test_a_tampered_cursor_is_refused(cursor):
    with pytest.raises(InvalidCursor):
        decode_cursor(cursor, (optional_instant, int), ordering="sla_due_at")
    assert read_cursor(cursor, (optional_instant, int), ordering="sla_due_at") is None


def test_a_moment_that_must_be_there_may_not_be_none():
    cursor = encode_cursor((None, 7))
    assert read_cursor(cursor, (optional_instant, int)) == (None, 7)
    assert read_cursor(cursor, (instant, int)) is None


def test_no_cursor_is_the_first_page():
    assert read_cursor("", (instant, int)) is None


# --- the API's paginator -------------------------------------------------------------------------------


def _request(**params) -> Request:
    return Request(APIRequestFactory().get("/api/v1/cases/", params))


@pytest.mark.parametrize(
    "cursor",
    [
        "garbage",
        GOOD[:-6],  # cut short
        encode_cursor((MOMENT, 7), ordering="-created_at"),  # made for the other ordering
        _forge({"o": "sla_due_at", "p": ["yesterday", 7]}),
    ],
)
def test_the_api_answers_a_tampered_cursor_with_400(cursor):
    with pytest.raises(ValidationError) as refused:
        CasePagination().paginate_queryset(Case.objects.none(), _request(cursor=cursor, ordering="sla_due_at"))
    assert list(refused.value.detail) == ["cursor"]


@pytest.mark.django_db
def test_the_api_reads_its_own_next_link():
    now = datetime.now(UTC)
    cases = [CaseFactory(sla_due_at=now + timedelta(hours=i)) for i in range(3)] + [CaseFactory(sla_due_at=None)]
    paginator = CasePagination()
    seen = []
    request = _request(page_size=2)
    while True:
        rows = paginator.paginate_queryset(Case.objects.all(), request)
        seen += [case.pk for case in rows]
        link = paginator.get_next_link()
        if link is None:
            break
        cursor = parse_qs(urlsplit(link).query)["cursor"][0]
        request = _request(page_size=2, cursor=cursor)
    assert seen == [case.pk for case in cases]  # by deadline, the case without one last


def test_the_ordering_reads_back_the_kinds_of_its_field():
    assert KeysetOrdering("sla_due_at", nullable=True).cursor_kinds() == (optional_instant, int)
    assert KeysetOrdering("created_at", descending=True).cursor_kinds() == (instant, int)
