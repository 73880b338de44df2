from django.urls import path

from analytics.api import views

app_name = "kpis_api"

urlpatterns = [
    path("", views.ReportView.as_view(), name="kpis-report"),
    path("cases/", views.DrillDownView.as_view(), name="kpis-cases"),
    path("scorecards/", views.ScorecardListView.as_view(), name="kpis-scorecards"),
    path("scorecards/weights/", views.WeightsView.as_view(), name="kpis-weights"),
    path("scorecards/<int:agent_id>/", views.ScorecardView.as_view(), name="kpis-scorecard"),
]
