"""The one place the cases app reads the clock, so tests can freeze it."""

from datetime import datetime

from django.utils import timezone


def now() -> datetime:
    return timezone.now()
