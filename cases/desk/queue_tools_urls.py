"""The queue's saved views and bulk actions (issue 18), under /desk/ in their own namespace
("desk_tools": their module stands apart from the case pages' ``cases.desk.urls``)."""

from django.urls import path

from cases.desk.views import queue_tools

app_name = "desk_tools"
urlpatterns = [
    path("views/", queue_tools.save_view, name="save_view"),
    path("views/<int:pk>/rename/", queue_tools.rename_view, name="rename_view"),
    path("views/<int:pk>/delete/", queue_tools.delete_view, name="delete_view"),
    path("bulk/", queue_tools.bulk, name="bulk"),
]
