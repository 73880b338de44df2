"""The channels' share of the staff roles (``core.roles``); ``register()`` runs from
``ChannelsAppConfig.ready()``.
"""

from __future__ import annotations

from core.roles import AGENT, MANAGER, register_role_permissions

# Agents read the messages, identities and chats of the cases they work.
AGENT_PERMISSIONS = [
    "view_message",
    "view_messageattachment",
    "view_contactidentity",
    "view_chatsession",
]

# Managers merge customers (identities move) and read the channels' configuration and logs;
# the secrets and mail servers of the channels are the administrators' (superusers).
MANAGER_PERMISSIONS = [
    "view_message",
    "view_messageattachment",
    "view_contactidentity",
    "change_contactidentity",
    "view_chatsession",
    "view_emailinbox",
    "view_chatwidget",
    "view_socialaccount",
    "view_phoneline",
    "view_shopwebhook",
    "view_webhookdelivery",
]


def register() -> None:
    """Grant the roles this app's permissions (``core.roles``); from ``ChannelsAppConfig.ready()``."""
    register_role_permissions(AGENT, [f"channels_app.{codename}" for codename in AGENT_PERMISSIONS])
    register_role_permissions(MANAGER, [f"channels_app.{codename}" for codename in MANAGER_PERMISSIONS])
