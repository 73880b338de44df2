"""What the queue page shows for "faster hands" (issue 18): the saved views in the side bar with
their capped counts, the form that saves the current filters, and the bulk actions' choices.

A fixed number of queries however many views, cases or macros: the views, their counts (one query
for all), the staff who may be assigned, the macros.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib.auth import get_user_model
from django.http import QueryDict
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from cases import selectors
from cases.models import QUEUE_FILTER_FIELDS, Priority
from cases.workflow import bulk
from cases.workflow.steps import step_label

if TYPE_CHECKING:
    from django.contrib.auth.models import User

SHARE = "cases.share_savedview"  # cases.workflow.saved_views.SHARE


def count_label(count: int) -> str:
    return f"{selectors.VIEW_COUNT_CAP}+" if count > selectors.VIEW_COUNT_CAP else str(count)


def current_filters(query: QueryDict) -> dict[str, str]:
    """The queue's parameters a view would save: the queue, the search and the filters set."""
    keys = ("queue", "q", *QUEUE_FILTER_FIELDS)
    return {key: query.get(key, "") for key in keys if query.get(key, "")}


def view_url(filters: dict[str, Any]) -> str:
    return "?" + urlencode(sorted((str(k), str(v)) for k, v in filters.items()))


def queue_tools(*, user: User, query: QueryDict) -> dict[str, Any]:
    """The side bar's saved views (with counts, the one shown marked) and the bulk actions' choices."""
    views = selectors.saved_views(user=user)
    counts = selectors.saved_view_counts(user=user, views=views)
    here = view_url(current_filters(query) or {"queue": "mine"})
    may_share = user.has_perm(SHARE)
    return {
        "saved_views": [
            {
                "view": view,
                "url": view_url(view.filters),
                "count": count_label(counts[view.pk]),
                "current": view_url(view.filters) == here,
                "may_change": view.owner_id == user.pk or (view.shared and may_share),
            }
            for view in views
        ],
        "save_filters": current_filters(query),
        "may_share": may_share,
        "bulk_limit": bulk.BULK_LIMIT,
        "bulk_staff": get_user_model().objects.filter(is_active=True, is_staff=True).order_by("username"),
        "bulk_priorities": Priority.choices,
        "bulk_steps": [(name, step_label(name)) for name in bulk.BULK_STEPS],
        "bulk_macros": list(selectors.macros()),
    }


def bulk_summary(outcomes: list[bulk.BulkOutcome], missing: list[str]) -> dict[str, Any]:
    """The summary page of a bulk action: what was done, what was refused and why."""
    refused = [o for o in outcomes if not o.done] + [
        bulk.BulkOutcome(number=n, done=False, message=_("There is no such case, or you may not see it."))
        for n in missing
    ]
    return {"done": [o for o in outcomes if o.done], "refused": refused}
