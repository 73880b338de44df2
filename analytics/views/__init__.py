"""The manager's dashboard pages (/dashboard/, namespace ``dashboard``): KPI tiles and charts, the
cases behind a figure, the agents' scorecards and their weights, the KPI targets, the export routes.

Thin views: every figure comes from ``analytics.kpis`` (``report``, ``drill_down``) and
``analytics.scorecards``; a view checks who may see it, parses the query (``kpis.parse_request``:
bad input is the page again with the message and status 400) and hands the figures to a presenter,
which shapes them for the template and, as JSON in the page (``json_script``), for
``static/dashboard/dashboard.js``, which draws the ECharts charts from it (no inline script).

Who: desk staff (``core.desk.desk_required``: anonymous visitors go to the desk sign-in page,
users without a desk role get 403) holding ``analytics.view_dashboard`` (managers) for every page
and export; an agent (``analytics.view_own_scorecard``) opens only their own scorecard. Writes need
their model permission on top: ``change_scorecardsettings`` (weights), ``add/change/delete_kpitarget``.

The pages, one module each: ``dashboard`` (the KPIs, the cases behind a figure, the exports),
``scorecards``, ``targets``; what they show is shaped in ``analytics.presenters``. This module holds
the permissions they check.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied

from analytics import kpis

VIEW_DASHBOARD = "analytics.view_dashboard"
OWN_SCORECARD = "analytics.view_own_scorecard"
CHANGE_WEIGHTS = (VIEW_DASHBOARD, "analytics.change_scorecardsettings")


def require(request, *perms: str) -> None:
    """403 unless the user holds every one of ``perms``."""
    if not request.user.has_perms(perms):
        raise PermissionDenied


def message(error: kpis.BadRequest) -> str:
    """What a refused report request says to the person."""
    return str(getattr(error, "message", "") or (error.args[0] if error.args else error))
