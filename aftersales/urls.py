from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from cases.urls import desk_patterns
from channels_app import chat_views

from .health import healthz

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/kpis/", include("analytics.api.urls")),
    path("api/v1/", include("cases.api.urls")),
    path("api/v1/channels/", include("channels_app.api.urls")),
    path("api/v1/feedback/", include("feedback.api.urls")),
    path("api/v1/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/v1/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("api/v1/redoc/", SpectacularRedocView.as_view(url_name="api-schema"), name="api-redoc"),
    path("admin/", admin.site.urls),
    path("portal/", include("channels_app.urls")),
    path("feedback/", include("feedback.urls")),
    path("desk/calls/", include("channels_app.desk_urls")),
    path("chat/demo/", chat_views.demo, name="chat-demo"),
    path("desk/feedback/", include("feedback.desk_urls")),
    path("desk/", include(desk_patterns)),
    path("dashboard/", include("analytics.urls")),
    path("", include("cases.urls")),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
