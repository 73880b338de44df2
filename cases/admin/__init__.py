"""Django admin for every model of the cases app, by domain; the state machine's steps are buttons on a case.

Steps and edits go through ``cases.services`` so the admin writes the same CaseEvent rows, bumps the same
version and honours the same permissions as the API. Each model is registered once, here, through
``core.admin_registry.register``: other apps extend these admins (an inline, an action, masked columns)
by declaring an extension in their ``admin_extensions`` module, never by unregistering them.
"""

from cases.admin import case, catalog, desk, money, policy, sla, team  # noqa: F401 - each module registers its models
