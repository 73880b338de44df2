from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerSplitView

from aftersales.health import healthz
from cases.desk.urls import desk_patterns
from channels_app import chat_demo

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/kpis/", include("analytics.api.urls")),
    path("api/v1/", include("cases.api.urls")),
    path("api/v1/channels/", include("channels_app.api.urls")),
    path("api/v1/feedback/", include("feedback.api.urls")),
    path("api/v1/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves Swagger UI's start-up script as a file: no inline script (the CSP).
    path("api/v1/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path("api/v1/redoc/", SpectacularRedocView.as_view(url_name="api-schema"), name="api-redoc"),
    path("admin/", admin.site.urls),
    path("portal/", include("channels_app.portal_urls")),
    path("feedback/", include("feedback.urls")),
    path("desk/calls/", include("channels_app.desk_urls")),
    path("desk/chats/", include("channels_app.desk_chat_urls")),
    path("chat/demo/", chat_demo.demo, name="chat-demo"),
    path("desk/feedback/", include("feedback.desk_urls")),
    path("desk/account/", include("accounts.urls")),
    path("desk/", include("cases.desk.queue_tools_urls")),
    path("desk/", include(desk_patterns)),
    path("dashboard/", include("analytics.urls")),
    path("", include("cases.desk.urls")),
]

# No public route to MEDIA_ROOT, not even with DEBUG: attachments (customers' photos and files) are
# served only by the views that check who asks (desk:photo, portal:photo).
