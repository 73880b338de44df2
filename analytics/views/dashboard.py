"""The KPI dashboard, the cases behind one of its figures, and its exports (CSV, Excel)."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpResponseBadRequest
from django.shortcuts import render
from django.views.decorators.http import require_GET

from analytics import exports, kpis
from analytics.presenters.dashboard import back_url, cases_context, dashboard_context, drill_args
from analytics.views import VIEW_DASHBOARD, message, require
from core.desk import desk_required

PAGE_SIZE = 50


# --- the dashboard -------------------------------------------------------------------------------------


@require_GET
@desk_required
def home(request):
    """The KPI dashboard for a period, filters and an optional split."""
    require(request, VIEW_DASHBOARD)
    try:
        req = kpis.parse_request(request.GET)
    except kpis.BadRequest as error:
        context = dashboard_context(request.GET, None, None)
        return render(request, "dashboard/home.html", {**context, "error": message(error)}, status=400)
    report = kpis.cached_report(req)
    return render(request, "dashboard/home.html", dashboard_context(request.GET, req, report))


@require_GET
@desk_required
def cases(request):
    """The cases behind one figure of the dashboard, newest first, 50 a page."""
    require(request, VIEW_DASHBOARD)
    kpi, value, bucket = drill_args(request.GET)
    try:
        req = kpis.parse_request(request.GET)
        queryset = kpis.drill_down(req, kpi, value=value, bucket=bucket)
    except kpis.BadRequest as error:
        return render(
            request,
            "dashboard/cases.html",
            {"section": "home", "error": message(error), "page": None, "back_url": back_url(request.GET)},
            status=400,
        )
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "dashboard/cases.html", cases_context(request.GET, req, page))


# --- exports (analytics.exports writes the files) -------------------------------------------------------


def _parsed_or_400(request):
    try:
        return kpis.parse_request(request.GET), None
    except kpis.BadRequest as error:
        return None, HttpResponseBadRequest(message(error), content_type="text/plain; charset=utf-8")


@require_GET
@desk_required
def export_csv(request):
    require(request, VIEW_DASHBOARD)
    req, refused = _parsed_or_400(request)
    if refused:
        return refused
    return exports.report_csv(req)


@require_GET
@desk_required
def export_xlsx(request):
    require(request, VIEW_DASHBOARD)
    req, refused = _parsed_or_400(request)
    if refused:
        return refused
    return exports.report_xlsx(req)


@require_GET
@desk_required
def cases_csv(request):
    require(request, VIEW_DASHBOARD)
    req, refused = _parsed_or_400(request)
    if refused:
        return refused
    kpi, value, bucket = drill_args(request.GET)
    try:
        return exports.cases_csv(req, kpi, value, bucket)
    except kpis.BadRequest as error:
        return HttpResponseBadRequest(message(error), content_type="text/plain; charset=utf-8")
