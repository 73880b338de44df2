"""The live chat API's serializers (one per direction), the shaping of its answers, and the schema's
shared parameters and error answers (``channels_app.api.chat``)."""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse
from rest_framework import serializers

from channels_app import chat
from channels_app.models import ChatSession, ChatWidget, Direction, Message
from core.api import ErrorSerializer


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


# --- the answers ------------------------------------------------------------------------------------


def started_out(*, started: chat.Started, widget: ChatWidget) -> dict:
    """The body of ``ChatStartedOut``: what the visitor may see of the chat they started."""
    session = started.session
    return {
        "token": session.token,
        "session": session.pk,
        "case": chat.visible_case_number(session),
        "greeting": widget.greeting or _("Hello! How can we help you today?"),
        "message": ChatMessageOut(started.message).data if started.message is not None else None,
        "verified": not session.unverified,
    }


def message_page_out(*, session: ChatSession, rows: list[Message]) -> dict:
    """The body of ``ChatMessagePageOut``: ``rows`` holds up to one message more than a page."""
    return {
        "messages": ChatMessageOut(rows[: chat.PAGE], many=True).data,
        "more": len(rows) > chat.PAGE,
        "ended": session.ended_at is not None,
        "case": chat.visible_case_number(session),
    }


def posted_out(*, session: ChatSession, posted: chat.Posted) -> dict:
    """The body of ``ChatPostedOut``."""
    return {
        "message": ChatMessageOut(posted.message).data,
        "duplicate": posted.duplicate,
        "case": chat.visible_case_number(session),
    }
