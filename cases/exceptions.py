"""Domain errors raised by the services; the API maps each to one HTTP status in one place."""

from __future__ import annotations


class CaseError(Exception):
    """Base of the domain errors. ``message`` is translated text a person can read."""

    http_status = 400
    code = "case_error"

    def __init__(self, message: str, *, details: dict | None = None):
        super().__init__(message)
        self.message = message
        self.details = details or {}


class InvalidInput(CaseError):
    code = "invalid"


class TransitionNotAllowed(CaseError):
    """The transition does not exist, or the case's state or its conditions do not allow it."""

    code = "transition_not_allowed"


class TransitionForbidden(CaseError):
    """The actor lacks the permission the transition requires."""

    http_status = 403
    code = "permission_denied"


class CaseChanged(CaseError):
    """Someone else changed the case since it was read: reload and try again."""

    http_status = 409
    code = "case_changed"


class NeedsApproval(CaseError):
    """The resolution is above the actor's approval limit: ask someone allowed to grant it."""

    http_status = 403
    code = "needs_approval"
