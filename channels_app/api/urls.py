from django.urls import path

from channels_app.api import chat, inbound, phone

app_name = "channels"

urlpatterns = [
    path("email/<slug:code>/inbound/", inbound.EmailInboundView.as_view(), name="email-inbound"),
    path("social/<slug:code>/webhook/", inbound.SocialInboundView.as_view(), name="social-webhook"),
    *chat.urlpatterns,
    *phone.urlpatterns,
]
