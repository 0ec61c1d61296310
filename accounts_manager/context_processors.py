"""The bell of the base layout: the user's unread in-app notices (one query)."""

from django.urls import reverse

from accounts_manager.models import Notice
from common.roles import Role, role_of


def notices(request):
    """`unread_notices` and `notices_url` for a signed-in person (not an integration client)."""
    user = getattr(request, "user", None)
    role = role_of(user)
    if role is None or role == Role.INTEGRATION:
        return {"unread_notices": 0, "notices_url": None}
    return {
        "unread_notices": Notice.objects.for_user(user).unread().count(),
        "notices_url": reverse("accounts_manager:notices"),
    }
