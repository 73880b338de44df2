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

The views are thin: the chat's logic is ``channels_app.chat``. Here, by subject: ``sessions`` (start,
end), ``messages`` (poll, write), ``events`` (the event stream), ``proof`` (code, verify); ``base``
(the anonymous, CORS-enabled view they share), ``serializers`` (in, out, the answers' shaping and
the schema's shared parameters).
"""

from __future__ import annotations

from django.urls import path

from channels_app.api.chat import events, messages, proof, sessions

urlpatterns = [
    path("chat/sessions/", sessions.ChatStartView.as_view(), name="chat-start"),
    path("chat/sessions/<str:token>/messages/", messages.ChatMessagesView.as_view(), name="chat-messages"),
    path("chat/sessions/<str:token>/events/", events.ChatEventsView.as_view(), name="chat-events"),
    path("chat/sessions/<str:token>/end/", sessions.ChatEndView.as_view(), name="chat-end"),
    path("chat/sessions/<str:token>/code/", proof.ChatCodeView.as_view(), name="chat-code"),
    path("chat/sessions/<str:token>/verify/", proof.ChatVerifyView.as_view(), name="chat-verify"),
]
