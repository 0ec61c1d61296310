"""Visit pages, under /visits/."""

from django.urls import path

from visits import views

app_name = "visits"
urlpatterns = [
    path("", views.visit_list, name="list"),
    path("new/", views.visit_create, name="create"),
    path("plans/", views.plan_list, name="plans"),
    path("plans/generate/", views.plan_generate, name="generate"),
    path("<int:pk>/", views.visit_detail, name="detail"),
    path("customer/<int:pk>/", views.customer_visits_tab, name="customer_visits_tab"),
]
