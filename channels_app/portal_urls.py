from django.urls import path

from channels_app import portal_views as views  # the portal's pages

app_name = "portal"
urlpatterns = [
    path("", views.start, name="start"),
    path("verify/", views.verify, name="verify"),
    path("sign-out/", views.sign_out, name="sign_out"),
    path("my/", views.home, name="home"),
    path("orders/<str:number>/", views.order, name="order"),
    path("cases/<str:number>/", views.case, name="case"),
    path("cases/<str:number>/tracking/", views.tracking, name="tracking"),
    path("cases/<str:number>/message/", views.message, name="message"),
    path("cases/<str:number>/cancel/", views.cancel, name="cancel"),
    path("cases/<str:number>/slip.pdf", views.slip, name="slip"),
    path("cases/<str:number>/photos/<int:pk>/", views.photo, name="photo"),
]
