from django.urls import path

from billing import import_views, views

app_name = "billing"
urlpatterns = [
    path("arrears/", views.arrears_list, name="arrears"),
    path("customers/<int:pk>/", views.customer_billing, name="customer"),
    path(
        "customers/<int:pk>/arrears-tab/", views.customer_arrears_tab, name="customer_arrears_tab"
    ),
    path("customers/<int:pk>/payments/new/", views.payment_create, name="payment_create"),
    path("customers/<int:pk>/actions/new/", views.action_create, name="action_create"),
    path("customers/<int:pk>/promises/new/", views.promise_create, name="promise_create"),
    path(
        "customers/<int:pk>/disconnections/new/",
        views.disconnection_request,
        name="disconnection_request",
    ),
    path("payments/<int:pk>/reverse/", views.payment_reverse, name="payment_reverse"),
    path("actions/<int:pk>/delivery/", views.action_delivery, name="action_delivery"),
    path("disconnections/", views.disconnection_list, name="disconnection_list"),
    path("disconnections/<int:pk>/", views.disconnection_detail, name="disconnection_detail"),
    path(
        "disconnections/<int:pk>/evidence/",
        views.disconnection_evidence,
        name="disconnection_evidence",
    ),
    path("import/<str:kind>/", import_views.import_upload, name="import_upload"),
    path(
        "import/<str:kind>/template.<str:fmt>",
        import_views.import_template_download,
        name="import_template",
    ),
    path("imports/<int:pk>/", import_views.import_preview, name="import_preview"),
    path("imports/<int:pk>/progress/", import_views.import_progress, name="import_progress"),
]
