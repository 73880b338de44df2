"""The manager's dashboard, mounted at /dashboard/ (namespace ``dashboard``)."""

from django.urls import path

from analytics import views

app_name = "dashboard"
urlpatterns = [
    path("", views.home, name="home"),
    path("cases/", views.cases, name="cases"),
    path("cases.csv", views.cases_csv, name="cases_csv"),
    path("export.csv", views.export_csv, name="export_csv"),
    path("export.xlsx", views.export_xlsx, name="export_xlsx"),
    path("scorecards/", views.scorecard_list, name="scorecards"),
    path("scorecards/<int:agent_id>/", views.scorecard, name="scorecard"),
    path("targets/", views.targets, name="targets"),
    path("targets/<int:pk>/", views.target_edit, name="target"),
    path("targets/<int:pk>/delete/", views.target_delete, name="target_delete"),
]
