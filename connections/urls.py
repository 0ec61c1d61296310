from django.urls import path

from connections import views

app_name = "connections"
urlpatterns = [
    path("", views.project_list, name="list"),
    path("new/", views.project_create, name="create"),
    path("review/", views.weekly_review, name="review"),
    path("<int:pk>/", views.project_detail, name="detail"),
    path("<int:pk>/<slug:action>/", views.project_action, name="action"),
    path("attachments/<int:pk>/", views.attachment_download, name="attachment"),
    path("customer/<int:pk>/", views.customer_tab, name="customer_tab"),
]
