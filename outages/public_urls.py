"""Pages customers open from a notice, without logging in (mounted at /n/)."""

from django.urls import path

from outages import public_views

app_name = "outages_public"
urlpatterns = [
    path("<str:token>/", public_views.confirm_notice, name="confirm"),
]
