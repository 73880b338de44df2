from django.conf import settings
from django.contrib.auth import views as auth_views
from django.urls import path
from django.utils.module_loading import import_string

from cases.desk import views

app_name = "cases"
urlpatterns = [path("", views.home, name="home")]

desk_patterns = (
    [
        path("", views.queue, name="queue"),
        path(
            "login/",
            # The form comes from the settings (DESK_LOGIN_FORM: accounts' asks for the TOTP code too).
            auth_views.LoginView.as_view(
                template_name="desk/login.html", authentication_form=import_string(settings.DESK_LOGIN_FORM)
            ),
            name="login",
        ),
        path("logout/", auth_views.LogoutView.as_view(next_page="desk:login"), name="logout"),
        path("new-case/", views.new_case, name="new_case"),
        path("cases/<str:number>/", views.case_view, name="case"),
        path("cases/<str:number>/split/", views.split, name="split"),
        path("cases/<str:number>/steps/<str:name>/", views.step, name="step"),
        path("cases/<str:number>/message/", views.message, name="message"),
        path("cases/<str:number>/assign/", views.assign, name="assign"),
        path("cases/<str:number>/classify/", views.classify, name="classify"),
        path("cases/<str:number>/conversion/", views.convert_page, name="conversion"),
        path("cases/<str:number>/convert/", views.convert, name="convert"),
        path("cases/<str:number>/reclassify/", views.reclassify, name="reclassify"),
        path("cases/<str:number>/costs/", views.cost, name="cost"),
        path("cases/<str:number>/link/", views.link, name="link"),
        path("cases/<str:number>/tags/", views.tags, name="tags"),
        path("cases/<str:number>/macro/", views.apply_macro, name="macro"),
        path("cases/<str:number>/replacement/", views.replacement, name="replacement"),
        path("cases/<str:number>/approval/", views.ask_approval, name="ask_approval"),
        path("cases/<str:number>/approval/decide/", views.decide, name="decide"),
        path("cases/<str:number>/lines/<int:line_id>/disposition/", views.disposition, name="disposition"),
        path("cases/<str:number>/warehouse-photos/", views.warehouse_photos, name="warehouse_photos"),
        path("cases/<str:number>/photos/<int:pk>/", views.photo, name="photo"),
        path("cases/<str:number>/reveal-contact/", views.reveal_contact, name="reveal_contact"),
    ],
    "desk",
)
