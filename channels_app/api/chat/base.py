"""What every live chat view shares: anonymous and CORS-enabled, the visitor's session by its token,
the checked JSON body, and errors as JSON even where an event stream was asked for."""

from __future__ import annotations

import json

from django.core.serializers.json import DjangoJSONEncoder
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from rest_framework import status
from rest_framework.permissions import AllowAny
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from channels_app import chat
from channels_app.models import ChatSession
from core.errors import InvalidInput

CORS_METHODS = "GET, POST, OPTIONS"
CORS_HEADERS = "Content-Type, Last-Event-ID"


class EventStreamRenderer(BaseRenderer):
    """Lets ``Accept: text/event-stream`` (what an EventSource sends) through content negotiation;
    errors before the stream starts are rendered as JSON."""

    media_type = "text/event-stream"
    format = "sse"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return json.dumps(data, cls=DjangoJSONEncoder).encode()


class ChatView(APIView):
    """Anonymous, CORS-enabled: the key or token in the request is the only credential."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes: list = []
    origin_refused = False

    @property
    def origin(self) -> str:
        return self.request.headers.get("Origin", "")

    @property
    def own_origin(self) -> str:
        return f"{self.request.scheme}://{self.request.get_host()}"

    def session(self, token: str) -> ChatSession:
        return chat.session_for(token=token, origin=self.origin, own_origin=self.own_origin)

    def payload(self, request: Request) -> dict:
        if not hasattr(request.data, "get"):
            raise InvalidInput(_("Send a JSON object."))
        nul = sorted(str(k) for k, v in request.data.items() if isinstance(v, str) and "\x00" in v)  # type: ignore[union-attr]
        if nul:  # PostgreSQL cannot store (or even compare) text with NUL characters
            message = _("The text contains a NUL character.")
            raise InvalidInput(message, details={name: [message] for name in nul})
        return request.data  # type: ignore[return-value]  # an object: it has .get

    def handle_exception(self, exc):
        if isinstance(exc, chat.OriginNotAllowed):
            self.origin_refused = True  # no CORS header: the page cannot read the answer
        response = super().handle_exception(exc)
        if isinstance(getattr(self.request, "accepted_renderer", None), EventStreamRenderer):
            # An error before the stream starts is JSON, and says so (not text/event-stream).
            self.request.accepted_renderer, self.request.accepted_media_type = JSONRenderer(), "application/json"
        return response

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        origin = request.headers.get("Origin")
        # Every success passed the widget's origin check; the other answers (404, 400) say
        # nothing about any widget or visitor, and the widget must read them to recover.
        if origin and not self.origin_refused:
            response["Access-Control-Allow-Origin"] = origin
        patch_vary_headers(response, ["Origin"])
        return response

    def options(self, request, *args, **kwargs):
        """The CORS preflight. It cannot know the widget (its key is in the body), so it allows the
        request; the request itself is then checked against the widget's origins."""
        response = Response(status=status.HTTP_204_NO_CONTENT)
        response["Access-Control-Allow-Methods"] = CORS_METHODS
        response["Access-Control-Allow-Headers"] = CORS_HEADERS
        response["Access-Control-Max-Age"] = "600"
        return response


def message_id(value, name: str) -> int:
    """A message id from the query or a header: none is 0; anything but a whole number is a 400."""
    if value in (None, ""):
        return 0
    try:
        number = int(value)
    except (TypeError, ValueError):
        number = -1
    if number < 0:
        message = _("“%(name)s” must be a message id (a whole number).") % {"name": name}
        raise InvalidInput(message, details={name: [message]})
    return number
