"""The manager's dashboard, mounted at /dashboard/ (namespace ``dashboard``)."""

from django.urls import path

from analytics.views import dashboard, scorecards, targets

app_name = "dashboard"
urlpatterns = [
    path("", dashboard.home, name="home"),
    path("cases/", dashboard.cases, name="cases"),
    path("cases.csv", dashboard.cases_csv, name="cases_csv"),
    path("export.csv", dashboard.export_csv, name="export_csv"),
    path("export.xlsx", dashboard.export_xlsx, name="export_xlsx"),
    path("scorecards/", scorecards.scorecard_list, name="scorecards"),
    path("scorecards/<int:agent_id>/", scorecards.scorecard, name="scorecard"),
    path("targets/", targets.targets, name="targets"),
    path("targets/<int:pk>/", targets.target_edit, name="target"),
    path("targets/<int:pk>/delete/", targets.target_delete, name="target_delete"),
]
