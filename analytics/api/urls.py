from django.urls import path

from analytics.api import report_views, scorecard_views

app_name = "kpis_api"

urlpatterns = [
    path("", report_views.ReportView.as_view(), name="kpis-report"),
    path("cases/", report_views.DrillDownView.as_view(), name="kpis-cases"),
    path("scorecards/", scorecard_views.ScorecardListView.as_view(), name="kpis-scorecards"),
    path("scorecards/weights/", scorecard_views.WeightsView.as_view(), name="kpis-weights"),
    path("scorecards/<int:agent_id>/", scorecard_views.ScorecardView.as_view(), name="kpis-scorecard"),
]
