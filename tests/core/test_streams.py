"""core.streams: a process serves at most STREAMS_PER_PROCESS event streams (never more than its
threads less the spare ones), a client at most STREAMS_PER_CLIENT; beyond that the answer is an
immediate 503 / 429 with Retry-After and the stream's generator never runs; a closed stream gives
its slot back. Other responses, streaming downloads included, pass untouched."""

from __future__ import annotations

import json

import pytest
from django.http import HttpResponse, StreamingHttpResponse
from django.test import RequestFactory

from core.streams import StreamCapMiddleware, StreamSlots


@pytest.fixture
def caps(settings):
    settings.STREAMS_PER_PROCESS, settings.STREAMS_PER_CLIENT, settings.STREAMS_SPARE_THREADS = 3, 2, 2
    settings.STREAMS_RETRY_AFTER, settings.TRUSTED_PROXIES = 30, []
    return settings


def stream_app(ran: list):
    def frames():
        ran.append(True)
        yield "retry: 3000\n\n"

    def view(request):
        response = StreamingHttpResponse(frames(), content_type="text/event-stream; charset=utf-8")
        response["Access-Control-Allow-Origin"] = "https://shop.example.com"
        return response

    return view


def call(middleware, ip: str):
    return middleware(RequestFactory().get("/events/", REMOTE_ADDR=ip))


def test_streams_beyond_a_clients_share_get_429_at_once(caps):
    ran: list = []
    middleware = StreamCapMiddleware(stream_app(ran), StreamSlots())
    first, second, third = (call(middleware, "198.51.100.1") for _ in range(3))
    assert first.status_code == second.status_code == 200
    assert third.status_code == 429 and third["Retry-After"] == "30"
    assert json.loads(third.content)["code"] == "too_many_streams"
    assert third["Access-Control-Allow-Origin"] == "https://shop.example.com"  # the widget reads it
    assert ran == [], "no stream was iterated yet, and the refused one never will be"


@pytest.mark.django_db  # closing a response sends request_finished, whose receiver checks the connection
def test_streams_beyond_the_process_cap_get_503_and_closing_one_frees_a_slot(caps):
    middleware = StreamCapMiddleware(stream_app([]), StreamSlots())
    held = [call(middleware, f"198.51.100.{n}") for n in range(3)]
    refused = call(middleware, "198.51.100.9")
    assert [r.status_code for r in held] == [200, 200, 200]
    assert refused.status_code == 503 and refused["Retry-After"] == "30"

    assert b"".join(held[0].streaming_content) == b"retry: 3000\n\n"
    held[0].close()  # what the WSGI server does at the end of every response
    assert call(middleware, "198.51.100.9").status_code == 200


def test_a_worker_with_one_thread_serves_no_stream(caps):
    slots = StreamSlots()
    slots.server_threads = 1  # gunicorn's sync worker: a stream would hold the whole process
    assert call(StreamCapMiddleware(stream_app([]), slots), "198.51.100.1").status_code == 503


def test_the_cap_never_takes_the_spare_threads(caps):
    caps.STREAMS_PER_PROCESS = 100
    slots = StreamSlots()
    slots.server_threads = 4
    middleware = StreamCapMiddleware(stream_app([]), slots)
    assert [call(middleware, f"198.51.100.{n}").status_code for n in range(3)] == [200, 200, 503]


def test_other_responses_pass_untouched(caps):
    caps.STREAMS_PER_PROCESS = 0
    csv = StreamCapMiddleware(lambda r: StreamingHttpResponse(iter(["a,b\n"]), content_type="text/csv"), StreamSlots())
    page = StreamCapMiddleware(lambda r: HttpResponse("ok"), StreamSlots())
    assert call(csv, "198.51.100.1").status_code == 200
    assert call(page, "198.51.100.1").status_code == 200
