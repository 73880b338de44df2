from django.urls import path

from cases.api import views

app_name = "api"

urlpatterns = [
    path("orders/<str:number>/", views.OrderView.as_view(), name="order"),
    path("cases/", views.CaseListView.as_view(), name="case-list"),
    path("cases/<str:number>/", views.CaseDetailView.as_view(), name="case-detail"),
    path("cases/<str:number>/transitions/", views.CaseTransitionListView.as_view(), name="case-transitions"),
    path("cases/<str:number>/transitions/<str:name>/", views.CaseTransitionView.as_view(), name="case-transition"),
    path("cases/<str:number>/convert/", views.CaseConvertView.as_view(), name="case-convert"),
    path("cases/<str:number>/reclassify/", views.CaseReclassifyView.as_view(), name="case-reclassify"),
    path("cases/<str:number>/messages/", views.CaseMessageView.as_view(), name="case-messages"),
    path("cases/<str:number>/split/", views.CaseSplitView.as_view(), name="case-split"),
    path("cases/<str:number>/merge/", views.CaseMergeView.as_view(), name="case-merge"),
    path("cases/<str:number>/classify/", views.CaseClassifyView.as_view(), name="case-classify"),
    path("cases/<str:number>/refunds/", views.CaseRefundListView.as_view(), name="case-refunds"),
    path("refunds/<int:pk>/outcome/", views.RefundOutcomeView.as_view(), name="refund-outcome"),
    path("notifications/", views.NotificationListView.as_view(), name="notification-list"),
    path("notifications/<int:pk>/read/", views.NotificationReadView.as_view(), name="notification-read"),
    path("revisits/", views.RevisitListView.as_view(), name="revisit-list"),
    path("revisits/<int:pk>/complete/", views.RevisitCompleteView.as_view(), name="revisit-complete"),
]
