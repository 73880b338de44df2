"""Who may call what: the Django permissions the role groups carry (cases/roles.py).

Each view lists, per HTTP method, the permissions a user needs (all of them). Anonymous requests
are refused with 401 (the token authenticator comes first, so the answer says how to
authenticate); a user without them gets 403. What a transition needs on top is checked by the
service (``TransitionForbidden`` -> 403), per step.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import BasePermission

# Reading the desk: the case and its internal timeline (agents, managers, admins). The
# integration role can view a case (the answer to its POST) but not the timeline, so it cannot
# browse the queue.
READ_CASES = ("cases.view_case", "cases.view_caseevent")
CREATE_CASE = ("cases.add_case",)
# Running a step starts here; the service then checks the step's own permission.
TRANSITION_CASE = ("cases.view_case",)
READ_ORDER = ("cases.view_order",)
# A staff user's own notifications (the workbench's bell): agents, managers, admins.
READ_NOTIFICATIONS = ("cases.view_notification",)
READ_REVISITS = ("cases.view_revisittask",)
COMPLETE_REVISIT = ("cases.view_revisittask", "cases.change_revisittask")
# The refund ledger: read a case's refunds (agents, managers, admins, the shop); report what became
# of a refund (the shop's integration, managers, admins).
READ_REFUNDS = ("cases.view_case", "cases.view_refund")
SETTLE_REFUND = ("cases.view_refund", "cases.settle_refund")
UPSERT_ORDER = ("cases.add_order", "cases.change_order", "cases.add_customer", "cases.change_customer")


class HasRolePermissions(BasePermission):
    """Grants a request when the user holds every permission ``view.required_permissions[method]`` lists.

    HEAD counts as GET; OPTIONS (the API's self-description) only needs a signed-in user; a
    method the view does not list is refused.
    """

    message = _("Your role does not allow this.")

    def has_permission(self, request, view) -> bool:
        user = request.user
        if not (user and user.is_authenticated):
            return False
        if request.method == "OPTIONS":
            return True
        method = "GET" if request.method == "HEAD" else request.method
        required = getattr(view, "required_permissions", {}).get(method)
        if required is None:
            return False
        return user.has_perms(required)
