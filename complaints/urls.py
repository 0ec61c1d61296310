from django.urls import path

from complaints import views

app_name = "complaints"
urlpatterns = [
    path("", views.complaint_list, name="list"),
    path("new/", views.complaint_create, name="create"),
    path("<int:pk>/", views.complaint_detail, name="detail"),
    path("<int:pk>/<slug:action>/", views.complaint_action, name="action"),
    path("attachments/<int:pk>/", views.attachment_download, name="attachment"),
    path("customer/<int:pk>/", views.customer_complaints_tab, name="customer_complaints_tab"),
]
