"""The navigation of the base layout (common.navigation) and the user's role."""

from common.navigation import menu_for
from common.roles import role_of


def navigation(request):
    """`nav_items` for the user's role and `user_role`."""
    user = getattr(request, "user", None)
    return {"nav_items": menu_for(request), "user_role": role_of(user)}
