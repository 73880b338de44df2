from django.urls import path

from feedback import public_views, views

app_name = "feedback"
urlpatterns = [
    path("s/<str:token>/", views.answer, name="answer"),
    path("s/<str:token>/thanks/", views.thanks, name="thanks"),
    path("new/", public_views.free_feedback, name="free"),
]
