"""The KPI targets a manager sets: list, add, change, delete."""

from __future__ import annotations

from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from analytics.forms import KpiTargetForm
from analytics.models import KpiTarget
from analytics.presenters.targets import target_rows
from analytics.views import VIEW_DASHBOARD, require
from core.desk import desk_required


def _targets_page(request, *, form=None, edit=None, error: str = "", status: int = 200):
    may_change = request.user.has_perm("analytics.change_kpitarget")
    rows = target_rows(list(KpiTarget.objects.order_by("kpi")), edit=edit, may_change=may_change)
    return render(
        request,
        "dashboard/targets.html",
        {
            "section": "targets",
            "error": error,
            "rows": rows,
            "form": form or KpiTargetForm(),
            "may_add": request.user.has_perm("analytics.add_kpitarget"),
            "may_change": may_change,
            "may_delete": request.user.has_perm("analytics.delete_kpitarget"),
        },
        status=status,
    )


@require_http_methods(["GET", "POST"])
@desk_required
def targets(request):
    """The KPI targets: list them; POST adds one."""
    require(request, VIEW_DASHBOARD, "analytics.view_kpitarget")
    if request.method == "POST":
        require(request, "analytics.add_kpitarget")
        form = KpiTargetForm(request.POST)
        if not form.is_valid():
            return _targets_page(request, form=form, error=_("The target was not saved: see below."), status=400)
        form.save()
        return redirect("dashboard:targets")
    return _targets_page(request)


@require_POST
@desk_required
def target_edit(request, pk: int):
    """Change one target."""
    require(request, VIEW_DASHBOARD, "analytics.change_kpitarget")
    target = get_object_or_404(KpiTarget, pk=pk)
    form = KpiTargetForm(request.POST, instance=target, prefix=f"t{pk}")
    if not form.is_valid():
        target.refresh_from_db()
        return _targets_page(request, edit=form, error=_("The target was not saved: see below."), status=400)
    form.save()
    return redirect("dashboard:targets")


@require_POST
@desk_required
def target_delete(request, pk: int):
    """Delete one target."""
    require(request, VIEW_DASHBOARD, "analytics.delete_kpitarget")
    get_object_or_404(KpiTarget, pk=pk).delete()
    return redirect("dashboard:targets")
