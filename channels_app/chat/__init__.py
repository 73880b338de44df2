"""Live chat: a visitor on the shop's site talks to an agent through the embeddable widget.

The widget's public ``key`` names the widget; the session ``token`` (returned once, when the chat
starts) is the visitor's secret for everything after. Every visitor message goes through
``intake.receive`` like a mail would, so it joins the customer's case and timeline; the agent's
public replies on channel ``chat`` come back as outbound ``Message`` rows of the session
(``replies._chat_reply``), which the widget reads by polling or server-sent events.

Who the visitor is: an order number plus the email on that order makes them that order's
customer; an email alone makes them that email's customer (``identity.match_sender``); an order
number with another email, or alone, identifies nobody: they get a customer of their own. Nothing
is proven by what was typed: anyone who knows an order number and the email on it could type them.
So a visitor only ever sees their own session: its messages and, when this chat opened it, its case
number. Never the customer's name, orders or other cases; the agent reads an internal note saying
how the visitor identified themselves.

Identities nobody borrows (issue 16): a chat whose visitor typed an email claims that customer
(``ChatSession.needs_proof``) and, until proven, joins no existing case: its first message opens a
case of its own, every entry of it flagged ``sender_verified: False`` (the desk's badge), and
nothing of the customer's goes to it (replies on other cases, survey links: ``replies``). Proof is
the portal's one-time code (``request_code`` / ``prove``: ``portal.request_code`` and
``portal.verify_code``, the same code, delivery to the email or phone on file, limits and expiry),
or an agent who checked and links it with a reason (``link_chats``, a case event). On proof the
chat becomes a verified channel of that customer and the case says so (an entry with
``sender_verified: True``). We chose to keep a chat that already has its case on that case rather
than move it into the customer's open case: moving a live conversation would split it between two
timelines mid-sentence; the agent sees both cases in the customer 360 and may link them. A chat
proven before its first message joins the customer's open case about the proven order, as a
verified chat always did.

Where things are (this package's names are its public API, used by ``channels_app.api.chat`` and
the desk):

- ``sessions``: the widget and the session a key or token opens, starting and ending a chat, what
  of it the visitor may see;
- ``visitors``: who the visitor is taken for, and the identity their messages are sent under;
- ``conversation``: the visitor's messages through the intake, reading them back, event streams;
- ``proof``: the one-time code, and the agent's link on the desk side;
- ``checks``: the limits, the cleaning of typed input, and the errors.
"""

from __future__ import annotations

from channels_app.chat.checks import (
    MAX_CLIENT_ID,
    MAX_NAME,
    MAX_ORDER_NUMBER,
    MAX_TEXT,
    MESSAGE_LIMIT,
    PAGE,
    START_LIMIT,
    ChatEnded,
    ChatNotFound,
    OriginNotAllowed,
    StreamingOff,
    TooManyRequests,
    clean_text,
)
from channels_app.chat.conversation import Posted, messages_after, open_stream, post_visitor_message, watch
from channels_app.chat.proof import Proof, link_chats, prove, request_code
from channels_app.chat.sessions import (
    Started,
    end_session,
    origin_allowed,
    session_for,
    start_session,
    touch,
    visible_case_number,
    widget_for,
)

__all__ = [
    "MAX_CLIENT_ID",
    "MAX_NAME",
    "MAX_ORDER_NUMBER",
    "MAX_TEXT",
    "MESSAGE_LIMIT",
    "PAGE",
    "START_LIMIT",
    "ChatEnded",
    "ChatNotFound",
    "OriginNotAllowed",
    "Posted",
    "Proof",
    "Started",
    "StreamingOff",
    "TooManyRequests",
    "clean_text",
    "end_session",
    "link_chats",
    "messages_after",
    "open_stream",
    "origin_allowed",
    "post_visitor_message",
    "prove",
    "request_code",
    "session_for",
    "start_session",
    "touch",
    "visible_case_number",
    "watch",
    "widget_for",
]
