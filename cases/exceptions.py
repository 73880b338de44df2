"""The cases app's domain errors: the kernel's (``core.errors``) as raised by the cases services.

``CaseError`` is this app's base (``except CaseError`` in cases catches all of them); each error is
also the kernel's kind (``InvalidInput`` is a ``core.errors.InvalidInput``, ``TransitionForbidden``
a ``core.errors.Forbidden``, ``CaseChanged`` a ``core.errors.Conflict``), so other apps catch them
through the kernel's classes without importing these. The API and the desk map each to its HTTP
status in one place (``core.api``, ``core.desk``).
"""

from __future__ import annotations

from core import errors


class CaseError(errors.DomainError):
    """Base of the cases app's domain errors. ``message`` is translated text a person can read."""

    http_status = 400
    code = "case_error"


class InvalidInput(CaseError, errors.InvalidInput):
    http_status = 400
    code = "invalid"


class TransitionNotAllowed(CaseError):
    """The transition does not exist, or the case's state or its conditions do not allow it."""

    http_status = 400
    code = "transition_not_allowed"


class TransitionForbidden(CaseError, errors.Forbidden):
    """The actor lacks the permission the transition requires."""

    http_status = 403
    code = "permission_denied"


class CaseChanged(CaseError, errors.Conflict):
    """Someone else changed the case since it was read: reload and try again."""

    http_status = 409
    code = "case_changed"


class NeedsApproval(CaseError):
    """The resolution is above the actor's approval limit: ask someone allowed to grant it.

    A 403 but not a ``Forbidden``: the actor may ask for the approval, and the desk offers that."""

    http_status = 403
    code = "needs_approval"
