"""The load test's SMS gateway: the text of each portal code message goes to Redis, where the
simulated customers (locustfile.py) read their code, as a person reads their phone."""

from __future__ import annotations

import re

import redis
from django.conf import settings


def key(phone: str) -> str:
    """The phone's last 11 digits, however it is written (as the portal compares phones)."""
    return "load-sms:" + re.sub(r"\D", "", phone)[-11:]


def keep(phone: str, text: str) -> None:
    client = redis.Redis.from_url(settings.REDIS_URL)
    try:
        client.set(key(phone), text, ex=600)
    finally:
        client.close()
