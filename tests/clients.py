"""Clients signed in the ways the product signs people in, for any test: staff through the API with
a token, customers through the portal's verified session."""

from __future__ import annotations

from django.test import Client
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from channels_app import portal


def token_client(user, language: str = "en") -> APIClient:
    """An API client that sends ``user``'s token and asks for answers in ``language``."""
    client = APIClient(HTTP_ACCEPT_LANGUAGE=language)
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=user)[0].key}")
    return client


def portal_session(client: Client, customer) -> Client:
    """A verified portal session for ``customer``, as channels_app.portal.sign_in leaves it."""
    session = client.session
    session[portal.SESSION_KEY] = {
        "customer": customer.pk,
        "until": (timezone.now() + portal.SESSION_TTL).isoformat(),
    }
    session.save()
    return client
