"""The dashboard's view-models: reports and scorecards shaped for the templates and the charts.

``figures`` (tiles, formats, labels) ← ``charts`` (what dashboard.js draws) ← ``dashboard`` (the KPI
page and the cases behind a figure) ← ``scorecards``; ``targets`` (the targets page). Presentation
only: the figures come from ``analytics.kpis`` and ``analytics.scorecards``, the views in
``analytics.views`` check who may see a page, parse its query and render.
"""
