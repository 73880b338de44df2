"""The agents' scorecards: every agent's card and the weights (managers), one agent's card."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_GET, require_http_methods

from analytics import kpis, scorecards
from analytics.models import ScorecardSettings
from analytics.presenters.dashboard import request_query
from analytics.presenters.scorecards import AREAS, period_fields, scorecard_context, scorecards_context
from analytics.views import CHANGE_WEIGHTS, OWN_SCORECARD, VIEW_DASHBOARD, message, require
from core.desk import desk_required


def _period_request(request) -> kpis.ReportRequest:
    return kpis.parse_request({k: v for k, v in request.GET.items() if k in ("start", "end")})


def _scorecards_page(request, req, *, error: str = "", status: int = 200, weights: dict | None = None):
    cards = scorecards.scorecards(req) if req is not None else []  # best score first
    current = weights or {area: str(value) for area, value in ScorecardSettings.get_solo().weights().items()}
    context = scorecards_context(request.GET, req, cards, current)
    context.update({"error": error, "may_change_weights": request.user.has_perms(CHANGE_WEIGHTS)})
    return render(request, "dashboard/scorecards.html", context, status=status)


@require_http_methods(["GET", "POST"])
@desk_required
def scorecard_list(request):
    """Managers: every agent's scorecard for the period, and the weights. Agents: their own card."""
    if not request.user.has_perm(VIEW_DASHBOARD):
        if request.method == "GET" and request.user.has_perm(OWN_SCORECARD):
            own = reverse("dashboard:scorecard", args=[request.user.pk])
            return redirect(f"{own}?{request.GET.urlencode()}" if request.GET else own)
        raise PermissionDenied
    try:
        req = _period_request(request)
    except kpis.BadRequest as error:
        return _scorecards_page(request, None, error=message(error), status=400)
    if request.method == "POST":
        require(request, *CHANGE_WEIGHTS)
        raw = {area: request.POST.get(f"weight_{area}", "").strip()[:10] for area in AREAS}
        try:
            scorecards.save_weights(weights=raw, actor=request.user)
        except kpis.BadRequest as error:
            return _scorecards_page(request, req, error=message(error), status=400, weights=raw)
        return redirect(f"{reverse('dashboard:scorecards')}?{request.GET.urlencode()}")
    return _scorecards_page(request, req)


@require_GET
@desk_required
def scorecard(request, agent_id: int):
    """One agent's scorecard: the five areas (radar chart), the KPIs and how each area is scored."""
    if agent_id == request.user.pk:
        if not (request.user.has_perm(OWN_SCORECARD) or request.user.has_perm(VIEW_DASHBOARD)):
            raise PermissionDenied
    else:
        require(request, VIEW_DASHBOARD)
    agent = get_object_or_404(get_user_model(), pk=agent_id)
    manager = request.user.has_perm(VIEW_DASHBOARD)
    try:
        req = _period_request(request)
    except kpis.BadRequest as error:
        return render(
            request,
            "dashboard/scorecard.html",
            {"section": "scorecards", "error": message(error), "agent": agent, "card": None},
            status=400,
        )
    cards = scorecards.scorecards(req, agent_ids=[agent_id])
    if not cards:
        raise Http404
    drill_base = {**request_query(req), "agent": str(agent_id)}
    drill_url = reverse("dashboard:cases")

    def drill(kpi: str) -> str:
        return f"{drill_url}?{urlencode({**drill_base, 'kpi': kpi})}" if manager else ""

    context = scorecard_context(cards[0], agent, drill)
    context.update({"period": period_fields(request.GET), "req": req, "manager": manager})
    return render(request, "dashboard/scorecard.html", context)
