"""The desk's feedback pages, mounted at /desk/feedback/ (namespace ``feedback_desk``)."""

from django.urls import path

from feedback import desk_views

app_name = "feedback_desk"
urlpatterns = [
    path("", desk_views.feedback_list, name="list"),
    path("<int:pk>/category/", desk_views.recategorise, name="recategorise"),
    path("<int:pk>/handled/", desk_views.handled, name="handled"),
    path("follow-ups/", desk_views.follow_ups, name="follow_ups"),
    path("follow-ups/<int:pk>/outcome/", desk_views.complete, name="complete"),
]
