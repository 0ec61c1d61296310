"""The site's URLs plus two that fail, for the tests of the 500 handler."""

from django.urls import path

from config.urls import handler400, handler403, handler404, handler500, urlpatterns  # noqa: F401


def boom(request):
    raise RuntimeError("boom")


urlpatterns = [
    path("boom/", boom),
    path("api/v1/boom/", boom),
    *urlpatterns,
]
