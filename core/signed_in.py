"""Who the customer of a request is, when a channel has verified them (the portal's one-time code).

``channels_app`` registers its lookup from its ``AppConfig.ready()``; another app (the free feedback
form of ``feedback``) asks here, so what a signed-in customer leaves is linked to them (and found by
their export and erasure) without that app importing ``channels_app``."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest

Lookup = Callable[[HttpRequest], "int | None"]

_lookups: list[Lookup] = []


def register(lookup: Lookup) -> None:
    """Add a lookup: the id of the customer the request is signed in as, or None."""
    if lookup not in _lookups:
        _lookups.append(lookup)


def customer_id(request: HttpRequest) -> int | None:
    """The id of the verified customer of ``request``, or None for an anonymous visitor."""
    for lookup in _lookups:
        found = lookup(request)
        if found is not None:
            return found
    return None
