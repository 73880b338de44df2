"""The KPI targets page as the template reads it: each target with its label, its rule as text and,
for those who may change it, its edit form."""

from __future__ import annotations

from analytics.forms import TARGET_KPIS, KpiTargetForm
from analytics.models import KpiTarget
from analytics.presenters.figures import TILE_BY_KEY, target_text, tile_label


def target_rows(targets: list[KpiTarget], *, edit: KpiTargetForm | None, may_change: bool) -> list[dict]:
    """One row per target; ``edit`` is the form just refused (shown open, with its errors)."""
    labels = {key: tile_label(TILE_BY_KEY[key]) for key in TARGET_KPIS}

    def edit_form(target: KpiTarget):
        """The row's edit form: the one just refused (with its errors), else a fresh one."""
        if edit is not None and edit.instance.pk == target.pk:
            return edit
        return KpiTargetForm(instance=target, prefix=f"t{target.pk}") if may_change else None

    return [
        {
            "target": t,
            "label": labels.get(t.kpi, t.kpi),
            "text": target_text(
                {"comparison": t.comparison, "target": t.value},
                TILE_BY_KEY[t.kpi].fmt if t.kpi in TILE_BY_KEY else "score",
            ),
            "form": edit_form(t),
            "open": edit is not None and edit.instance.pk == t.pk,
        }
        for t in targets
    ]
