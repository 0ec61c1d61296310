"""Pages of the arrears-risk scan, under /risk/ (namespace `risk`)."""

app_name = "risk"
urlpatterns: list = []
