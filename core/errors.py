"""Domain errors: what a service raises when it refuses, carrying the HTTP status of its answer.

A service raises a ``DomainError`` (or a subclass) with a message a person can read (translated
text); the API answers it as ``{"detail": message, "code": code}`` with ``http_status``
(``core.api.exception_handler``) and the desk shows the page again with the message at that status
(``core.desk.answer_write``). Each app subclasses these for its own refusals (``cases.exceptions``:
``CaseError`` and the state machine's errors; ``channels_app.chat.ChatNotFound``, ...); a handler
that catches ``DomainError`` catches every app's.

``InvalidInput`` 400, ``Forbidden`` 403 (``permission_denied``), ``Conflict`` 409.
"""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """Base of the domain errors. ``message`` is translated text a person can read; ``details``
    maps fields to their messages (``{"text": ["This field is required."]}``) when there are any."""

    http_status = 400
    code = "error"

    def __init__(self, message: str, *, details: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details or {}


class InvalidInput(DomainError):
    """What was sent cannot be used (a missing field, an unknown choice, a bad number)."""

    http_status = 400
    code = "invalid"


class Forbidden(DomainError):
    """The actor's role does not allow this."""

    http_status = 403
    code = "permission_denied"


class Conflict(DomainError):
    """The data changed or is in use in a way that stops this write: reload and try again."""

    http_status = 409
    code = "conflict"
