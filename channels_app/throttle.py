"""Rate limits of the public channel endpoints (portal codes, chat), counted in the cache."""

from __future__ import annotations

from django.core.cache import cache


def count_attempt(key: str, *, seconds: int) -> int:
    """Count one attempt under ``key`` in a window of ``seconds``; returns the attempts so far."""
    cache.add(key, 0, timeout=seconds)
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=seconds)
        return 1
