"""Long-lived streams (server-sent events, ``text/event-stream``) may hold only part of a server
process: a cap per process and a cap per client, so the other requests always find a free thread.

The web server runs gunicorn's threaded workers (``aftersales/gunicorn_conf.py``): each open stream
holds one thread of its process for up to CHAT_SSE_SECONDS. ``StreamCapMiddleware`` counts the
streams each process is serving; a stream beyond ``STREAMS_PER_PROCESS`` (and never more than the
process's threads less ``STREAMS_SPARE_THREADS``) is answered at once with 503, and a client (by
``core.client_ip``) beyond ``STREAMS_PER_CLIENT`` gets 429, both with Retry-After. The chat widget
then polls instead. Under a worker with one thread (gunicorn's sync worker) every stream is refused:
the worker would otherwise be gone for the stream's whole length.

The slot is given back when the server closes the response (WSGI calls ``close()`` at the end of
every response, also when the client went away), or when the response is garbage-collected.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponseBase, JsonResponse
from django.utils.translation import gettext as _

from core.client_ip import client_ip

EVENT_STREAM = "text/event-stream"


class StreamSlots:
    """The streams one process is serving, in all and per client."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.total = 0
        self.by_client: Counter[str] = Counter()
        self.server_threads: int | None = None  # set by the gunicorn worker hook; None: not known

    def limit(self) -> int:
        """How many streams this process may serve at once."""
        cap = int(getattr(settings, "STREAMS_PER_PROCESS", 4))
        if self.server_threads is not None:
            spare = int(getattr(settings, "STREAMS_SPARE_THREADS", 2))
            cap = min(cap, self.server_threads - spare)
        return max(cap, 0)

    def acquire(self, client: str) -> str:
        """ "" when a slot was taken for ``client``; else why not: "process" or "client"."""
        per_client = int(getattr(settings, "STREAMS_PER_CLIENT", 2))
        with self._lock:
            if self.total >= self.limit():
                return "process"
            if self.by_client[client] >= per_client:
                return "client"
            self.total += 1
            self.by_client[client] += 1
        return ""

    def release(self, client: str) -> None:
        with self._lock:
            self.total = max(self.total - 1, 0)
            self.by_client[client] -= 1
            if self.by_client[client] <= 0:
                del self.by_client[client]


SLOTS = StreamSlots()


class _HeldStream:
    """The stream's content; closing it (or losing it) gives the slot back, once."""

    def __init__(self, content: Iterable[Any], client: str, slots: StreamSlots) -> None:
        self._content, self._client, self._slots, self._held = iter(content), client, slots, True

    def __iter__(self) -> Iterator[Any]:
        return self

    def __next__(self) -> Any:
        return next(self._content)

    def close(self) -> None:
        if self._held:
            self._held = False
            self._slots.release(self._client)

    def __del__(self) -> None:
        self.close()


def _refusal(original: HttpResponseBase, reason: str) -> JsonResponse:
    retry = int(getattr(settings, "STREAMS_RETRY_AFTER", 30))
    if reason == "client":
        status, detail = 429, _("Too many live connections from your address. Updates continue by polling.")
    else:
        status, detail = 503, _("The server is busy with live connections. Updates continue by polling.")
    answer = JsonResponse({"detail": detail, "code": "too_many_streams"}, status=status)
    answer["Retry-After"] = str(retry)
    for header in ("Access-Control-Allow-Origin", "Vary"):
        if header in original:
            answer[header] = original[header]
    return answer


class StreamCapMiddleware:
    """Caps the event streams of this process (see the module's docstring)."""

    def __init__(self, get_response: Callable[[HttpRequest], Any], slots: StreamSlots | None = None) -> None:
        self.get_response = get_response
        self.slots = slots or SLOTS

    def __call__(self, request: HttpRequest) -> Any:
        response = self.get_response(request)
        if not getattr(response, "streaming", False) or not response.get("Content-Type", "").startswith(EVENT_STREAM):
            return response
        client = client_ip(request)
        refused = self.slots.acquire(client)
        if refused:
            # Dropped unstarted: its generator never ran, so nothing was polled or opened. (Not
            # response.close(): that would announce the end of the request before it ends.)
            return _refusal(response, refused)
        response.streaming_content = _HeldStream(response.streaming_content, client, self.slots)
        return response
