from django.urls import path

from accounts_manager import views

app_name = "accounts_manager"
urlpatterns = [
    path("my-day/", views.my_day, name="my_day"),
    path("my-day/<int:pk>/close/", views.followup_close, name="followup_close"),
    path("notices/", views.notices, name="notices"),
    path("notices/read/", views.notices_mark_read, name="notices_mark_read"),
    path("notices/<int:pk>/open/", views.notice_open, name="notice_open"),
    path("notices/wecom/", views.wecom_preferences, name="wecom_preferences"),
    path("managers/", views.manager_list, name="manager_list"),
    path("managers/<int:pk>/", views.manager_detail, name="manager_detail"),
    path("managers/<int:pk>/handover/", views.handover, name="handover"),
    path("assign/<int:customer_pk>/", views.assign, name="assign"),
]
