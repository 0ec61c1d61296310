from django.urls import path

from accounts_manager.api.views import (
    AssignmentViewSet,
    FollowUpViewSet,
    ManagerViewSet,
    NoticeViewSet,
    TokenView,
    UserViewSet,
)

ROUTES = [
    ("users", UserViewSet, "user"),
    ("managers", ManagerViewSet, "manager"),
    ("assignments", AssignmentViewSet, "assignment"),
    ("followups", FollowUpViewSet, "followup"),
    ("notices", NoticeViewSet, "notice"),
]
EXTRA_URLS = [path("auth/token/", TokenView.as_view(), name="api-token")]
