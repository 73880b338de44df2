"""Live chat API for the embeddable widget (``static/chat/widget.js``): anonymous visitors.

The widget's public key opens a session; the session token returned then authorises the visitor
(it is in the URL, because an EventSource cannot send headers). A page on another origin may call
these endpoints when the widget lists that origin (``ChatWidget.allowed_origins``, empty: any);
the answers carry the CORS headers for it, and preflight requests are answered here.

======================================================  ============================================
POST /api/v1/channels/chat/sessions/                    start (201); 400 bad input, 404 unknown or
                                                        inactive widget, 403 origin, 429 too many
POST /api/v1/channels/chat/sessions/{token}/messages/   write (201; 200 for a repeated client_id)
GET  /api/v1/channels/chat/sessions/{token}/messages/   poll: messages after ``?after=<id>``
GET  /api/v1/channels/chat/sessions/{token}/events/     the same as server-sent events, for at most
                                                        CHAT_SSE_SECONDS (0: off, 503); reconnect
                                                        with Last-Event-ID
POST /api/v1/channels/chat/sessions/{token}/end/        end the chat
POST /api/v1/channels/chat/sessions/{token}/code/       ask for the one-time code (202, the same
                                                        answer whether one was sent); 400, 429
POST /api/v1/channels/chat/sessions/{token}/verify/     enter it (200 verified; 400 wrong, used or
                                                        expired, nothing changes; 429 too many)
======================================================  ============================================

A visitor who typed an email (and an order number) is not that customer until they enter the code
(``chat.request_code`` / ``chat.prove``): the chat joins none of the customer's cases and gets none of
their replies or survey links (``ChatStartedOut.verified``).

A bad token is a 404 like an unknown one; errors are ``{"detail", "code"}`` (``core.api``).
"""

from __future__ import annotations

import json
import time

from django.core.serializers.json import DjangoJSONEncoder
from django.http import StreamingHttpResponse
from django.urls import path
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from channels_app import chat
from channels_app.models import ChatSession, Direction, Message
from core.api import ErrorSerializer
from core.client_ip import client_ip
from core.errors import InvalidInput

# A comment when nothing else was sent for this long: proxies keep the connection, and a visitor who
# left is noticed at the next write (the worker is then free), not only at CHAT_SSE_SECONDS.
HEARTBEAT_SECONDS = 2
POLL_SECONDS = 1.0
CORS_METHODS = "GET, POST, OPTIONS"
CORS_HEADERS = "Content-Type, Last-Event-ID"


# --- serializers ------------------------------------------------------------------------------------


class ChatStartIn(serializers.Serializer):
    widget = serializers.CharField(help_text="The widget's public key (data-widget of the script tag).")
    email = serializers.CharField(required=False, allow_blank=True, help_text="The visitor's email address.")
    order_number = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=chat.MAX_ORDER_NUMBER,
        help_text="An order number; with the email on that order the visitor is that order's customer. "
        "Email or order number is required.",
    )
    name = serializers.CharField(required=False, allow_blank=True, max_length=chat.MAX_NAME)
    text = serializers.CharField(
        required=False, allow_blank=True, max_length=chat.MAX_TEXT, help_text="The first message (optional)."
    )
    client_id = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=chat.MAX_CLIENT_ID,
        help_text="Idempotency id of the first message.",
    )


class ChatMessageIn(serializers.Serializer):
    text = serializers.CharField(max_length=chat.MAX_TEXT)
    client_id = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=chat.MAX_CLIENT_ID,
        help_text="The widget's id for the message: sent again, it is stored once (answer 200, duplicate true).",
    )


class ChatMessageOut(serializers.Serializer):
    id = serializers.IntegerField(help_text="Ask for messages after the last id you have.")
    direction = serializers.ChoiceField(
        choices=Direction.choices, help_text="in: from the visitor; out: an agent's reply."
    )
    author = serializers.SerializerMethodField(help_text="The visitor's name as given, or the agent's first name.")
    text = serializers.CharField()
    created_at = serializers.DateTimeField()
    client_id = serializers.SerializerMethodField(help_text="The visitor's client_id (inbound messages).")

    def get_author(self, message: Message) -> str:
        if message.direction == Direction.IN:
            return message.sender_name
        actor = message.event.actor if message.event_id else None  # type: ignore[union-attr]  # event_id: an event
        return (actor.get_short_name() if actor is not None else "") or _("Customer service")

    def get_client_id(self, message: Message) -> str:
        return (message.data or {}).get("client_id", "") if message.direction == Direction.IN else ""


class ChatStartedOut(serializers.Serializer):
    token = serializers.CharField(help_text="The visitor's secret for this chat: keep it, send it in the URLs.")
    session = serializers.IntegerField()
    case = serializers.CharField(
        allow_null=True, help_text="The case number when this chat opened a case; null otherwise."
    )
    greeting = serializers.CharField()
    message = ChatMessageOut(allow_null=True, help_text="The first message, when one was sent.")
    verified = serializers.BooleanField(
        help_text="False: the visitor typed a customer's details and must enter the one-time code "
        "(POST .../code/, then .../verify/) before the chat is that customer's."
    )


class ChatPostedOut(serializers.Serializer):
    message = ChatMessageOut()
    duplicate = serializers.BooleanField(help_text="This client_id was sent before: nothing changed.")
    case = serializers.CharField(allow_null=True)


class ChatMessagePageOut(serializers.Serializer):
    messages = ChatMessageOut(many=True)
    more = serializers.BooleanField(help_text="More messages follow: ask again after the last id.")
    ended = serializers.BooleanField()
    case = serializers.CharField(allow_null=True)


class ChatEndedOut(serializers.Serializer):
    ended_at = serializers.DateTimeField()


class ChatCodeIn(serializers.Serializer):
    order_number = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=chat.MAX_ORDER_NUMBER,
        help_text="One of the visitor's orders; default: the order given at the start.",
    )
    via = serializers.ChoiceField(
        choices=["email", "phone"], required=False, help_text="Where the code goes: the email or phone on file."
    )


class ChatCodeSentOut(serializers.Serializer):
    detail = serializers.CharField(help_text="The same sentence whether a code was sent or not.")


class ChatVerifyIn(serializers.Serializer):
    code = serializers.CharField(help_text="The six digits the visitor received.")


class ChatVerifiedOut(serializers.Serializer):
    verified = serializers.BooleanField()
    detail = serializers.CharField()


def error(description: str) -> OpenApiResponse:
    return OpenApiResponse(ErrorSerializer, description=description)


TOKEN = OpenApiParameter("token", str, OpenApiParameter.PATH, description="The session token from the start.")
AFTER = OpenApiParameter("after", int, OpenApiParameter.QUERY, required=False, description="A message id; default 0.")
ORIGIN = OpenApiParameter(
    "Origin", str, OpenApiParameter.HEADER, required=False, description="Checked against the widget's allowed origins."
)
NOT_FOUND = error("Unknown or inactive widget, or no session with this token.")
FORBIDDEN = error("The page's origin is not one of the widget's allowed origins.")
TOO_MANY = error("Too many requests from this address or session; wait and try again.")


# --- views ------------------------------------------------------------------------------------------


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


def _int(value, name: str) -> int:
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


class ChatStartView(ChatView):
    @extend_schema(
        operation_id="chat_session_start",
        summary="Start a chat (the visitor's details, optionally the first message)",
        parameters=[ORIGIN],
        request=ChatStartIn,
        responses={
            201: ChatStartedOut,
            400: error("Bad input (no email nor order number, a bad email, a text too long); nothing written."),
            403: FORBIDDEN,
            404: NOT_FOUND,
            429: TOO_MANY,
        },
        tags=["chat"],
    )
    def post(self, request: Request) -> Response:
        data = self.payload(request)
        widget = chat.widget_for(key=data.get("widget", ""), origin=self.origin, own_origin=self.own_origin)
        started = chat.start_session(
            widget=widget,
            email=data.get("email", ""),
            order_number=data.get("order_number", ""),
            name=data.get("name", ""),
            text=data.get("text", ""),
            client_id=data.get("client_id", ""),
            ip=client_ip(request),
        )
        session = started.session
        body = {
            "token": session.token,
            "session": session.pk,
            "case": chat.visible_case_number(session),
            "greeting": widget.greeting or _("Hello! How can we help you today?"),
            "message": ChatMessageOut(started.message).data if started.message is not None else None,
            "verified": not session.unverified,
        }
        return Response(body, status=status.HTTP_201_CREATED)


class ChatMessagesView(ChatView):
    @extend_schema(
        operation_id="chat_messages_list",
        summary="The chat's messages after an id, both directions, oldest first (for polling)",
        parameters=[TOKEN, AFTER, ORIGIN],
        responses={200: ChatMessagePageOut, 400: error("A bad after."), 403: FORBIDDEN, 404: NOT_FOUND},
        tags=["chat"],
    )
    def get(self, request: Request, token: str) -> Response:
        session = self.session(token)
        after = _int(request.query_params.get("after"), "after")
        rows = chat.messages_after(session=session, after=after, limit=chat.PAGE + 1)
        chat.touch(session)
        body = {
            "messages": ChatMessageOut(rows[: chat.PAGE], many=True).data,
            "more": len(rows) > chat.PAGE,
            "ended": session.ended_at is not None,
            "case": chat.visible_case_number(session),
        }
        return Response(body)

    @extend_schema(
        operation_id="chat_message_create",
        summary="The visitor writes",
        parameters=[TOKEN, ORIGIN],
        request=ChatMessageIn,
        responses={
            201: ChatPostedOut,
            200: OpenApiResponse(ChatPostedOut, description="This client_id was sent before: the stored message."),
            400: error("No text, a text too long, a bad client_id, or the chat has ended; nothing written."),
            403: FORBIDDEN,
            404: NOT_FOUND,
            429: TOO_MANY,
        },
        tags=["chat"],
    )
    def post(self, request: Request, token: str) -> Response:
        session = self.session(token)
        data = self.payload(request)
        posted = chat.post_visitor_message(session=session, text=data.get("text"), client_id=data.get("client_id", ""))
        body = {
            "message": ChatMessageOut(posted.message).data,
            "duplicate": posted.duplicate,
            "case": chat.visible_case_number(session),
        }
        return Response(body, status=status.HTTP_200_OK if posted.duplicate else status.HTTP_201_CREATED)


def _frame(message: Message) -> str:
    data = json.dumps(ChatMessageOut(message).data, cls=DjangoJSONEncoder, ensure_ascii=False)
    return f"id: {message.pk}\nevent: message\ndata: {data}\n\n"


def event_stream(*, session_id: int, after: int, seconds: float):
    """The frames of one stream: new messages as ``message`` events, a comment now and then so
    proxies keep the connection, ``ended`` when the visitor's chat ends; then it closes and the
    EventSource reconnects (``retry``) with Last-Event-ID."""
    yield "retry: 3000\n: connected\n\n"
    quiet_since = time.monotonic()
    for rows in chat.watch(session_id=session_id, after=after, seconds=seconds, poll=POLL_SECONDS):
        if rows is None:
            yield "event: ended\ndata: {}\n\n"
            return
        for message in rows:
            yield _frame(message)
            quiet_since = time.monotonic()
        if time.monotonic() - quiet_since >= HEARTBEAT_SECONDS:
            yield ": keep-alive\n\n"
            quiet_since = time.monotonic()


class ChatEventsView(ChatView):
    renderer_classes = [JSONRenderer, EventStreamRenderer]

    @extend_schema(
        operation_id="chat_events",
        summary="New messages as server-sent events",
        description=(
            "A text/event-stream: `id: <message id>`, `event: message`, `data: <the message as JSON>` for each "
            "message after `after` (or the Last-Event-ID header, whichever is later), comments as heartbeats, "
            "`event: ended` when the chat ends. The stream closes after CHAT_SSE_SECONDS (25 s by default); "
            "the EventSource then reconnects by itself. CHAT_SSE_SECONDS = 0 turns streams off (503): the widget "
            "then polls."
        ),
        parameters=[
            TOKEN,
            AFTER,
            ORIGIN,
            OpenApiParameter(
                "Last-Event-ID", str, OpenApiParameter.HEADER, required=False, description="Sent by the EventSource."
            ),
        ],
        responses={
            (200, "text/event-stream"): OpenApiResponse(OpenApiTypes.STR, description="The event stream."),
            (400, "application/json"): error("A bad after."),
            (403, "application/json"): FORBIDDEN,
            (404, "application/json"): NOT_FOUND,
            (429, "application/json"): TOO_MANY,
            (503, "application/json"): error("Streams are off (CHAT_SSE_SECONDS = 0): poll the messages instead."),
        },
        tags=["chat"],
    )
    def get(self, request: Request, token: str):
        session = self.session(token)
        after = max(
            _int(request.query_params.get("after"), "after"),
            _int(request.headers.get("Last-Event-ID"), "Last-Event-ID"),
        )
        seconds = chat.open_stream(session=session)
        chat.touch(session)
        response = StreamingHttpResponse(
            event_stream(session_id=session.pk, after=after, seconds=seconds),
            content_type="text/event-stream; charset=utf-8",
        )
        response["Cache-Control"] = "no-cache"
        response["X-Accel-Buffering"] = "no"  # nginx: pass each frame on at once
        return response


class ChatEndView(ChatView):
    @extend_schema(
        operation_id="chat_session_end",
        summary="The visitor ends the chat (again: nothing changes)",
        parameters=[TOKEN, ORIGIN],
        request=None,
        responses={200: ChatEndedOut, 403: FORBIDDEN, 404: NOT_FOUND},
        tags=["chat"],
    )
    def post(self, request: Request, token: str) -> Response:
        session = chat.end_session(session=self.session(token))
        return Response(ChatEndedOut(session).data)


class ChatCodeView(ChatView):
    @extend_schema(
        operation_id="chat_code_request",
        summary="Ask for the one-time code that proves the visitor is the customer they named",
        parameters=[TOKEN, ORIGIN],
        request=ChatCodeIn,
        responses={
            202: ChatCodeSentOut,
            400: error("No order number to send a code for, a bad via, the chat ended or is verified already."),
            403: FORBIDDEN,
            404: NOT_FOUND,
            429: TOO_MANY,
        },
        tags=["chat"],
    )
    def post(self, request: Request, token: str) -> Response:
        session = self.session(token)
        data = self.payload(request)
        chat.request_code(
            session=session,
            ip=client_ip(request),
            order_number=data.get("order_number", ""),
            via=data.get("via", "email"),
        )
        return Response(
            {
                "detail": _(
                    "If this order is yours, we have sent a code to the email or phone on file for it. Enter it here."
                )
            },
            status=status.HTTP_202_ACCEPTED,
        )


class ChatVerifyView(ChatView):
    @extend_schema(
        operation_id="chat_code_verify",
        summary="Enter the one-time code: the chat becomes the customer's verified channel",
        parameters=[TOKEN, ORIGIN],
        request=ChatVerifyIn,
        responses={
            200: ChatVerifiedOut,
            400: error("A wrong, used or expired code, or none asked for; nothing changes."),
            403: FORBIDDEN,
            404: NOT_FOUND,
            429: TOO_MANY,
        },
        tags=["chat"],
    )
    def post(self, request: Request, token: str) -> Response:
        session = self.session(token)
        data = self.payload(request)
        chat.prove(session=session, code=data.get("code"), ip=client_ip(request))
        return Response({"verified": True, "detail": _("Thank you: you are verified.")})


urlpatterns = [
    path("chat/sessions/", ChatStartView.as_view(), name="chat-start"),
    path("chat/sessions/<str:token>/messages/", ChatMessagesView.as_view(), name="chat-messages"),
    path("chat/sessions/<str:token>/events/", ChatEventsView.as_view(), name="chat-events"),
    path("chat/sessions/<str:token>/end/", ChatEndView.as_view(), name="chat-end"),
    path("chat/sessions/<str:token>/code/", ChatCodeView.as_view(), name="chat-code"),
    path("chat/sessions/<str:token>/verify/", ChatVerifyView.as_view(), name="chat-verify"),
]
