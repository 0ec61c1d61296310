"""The page a customer opens from its project link, without logging in (mounted at /p/)."""

from django.urls import path

from connections import public_views

app_name = "connections_public"
urlpatterns = [
    path("<str:token>/", public_views.progress, name="progress"),
]
