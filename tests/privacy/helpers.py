"""Plain helpers of the privacy tests."""

from __future__ import annotations

from django.core.files.storage import default_storage


def file_exists(name: str) -> bool:
    """Whether a stored file (an attachment, a raw email) is still in the storage."""
    return default_storage.exists(name)
