"""Visit plans and visits, under /visits/."""

app_name = "visits"
urlpatterns: list = []
