"""The workbench actions on live chats, included at ``/desk/chats/`` (namespace ``desk_chats``)."""

from django.urls import path

from channels_app import desk_views

app_name = "desk_chats"

urlpatterns = [
    path("<str:number>/link/", desk_views.link_chat, name="link"),
]
