"""The bell of the base layout: the user's unread in-app notices (one query)."""

from django.urls import reverse

from accounts_manager.models import Notice
from common.policy import has_pages


def notices(request):
    """`unread_notices` and `notices_url` for a signed-in person (not an integration client)."""
    user = getattr(request, "user", None)
    if not has_pages(user):
        return {"unread_notices": 0, "notices_url": None}
    return {
        "unread_notices": Notice.objects.for_user(user).unread().count(),
        "notices_url": reverse("accounts_manager:notices"),
    }
