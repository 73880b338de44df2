"""The workbench pages of channels_app, included at ``/desk/calls/`` (namespace ``desk_calls``)."""

from django.urls import path

from channels_app import desk_views

app_name = "desk_calls"

urlpatterns = [
    path("new/", desk_views.new_call, name="new"),
]
