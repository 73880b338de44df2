from django.urls import path

from feedback.api import views

app_name = "feedback_api"

urlpatterns = [
    path("responses/", views.ResponseListView.as_view(), name="response-list"),
    path("responses/import/", views.ResponseImportView.as_view(), name="response-import"),
    path("responses/export/", views.ResponseExportView.as_view(), name="response-export"),
    path("free/", views.FreeFeedbackView.as_view(), name="free-feedback"),
]
