"""The navigation of the base layout, by role. Items whose page does not exist are skipped."""

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from common.roles import Role, role_of

_ALL = frozenset(Role)
_MANAGERS = frozenset({Role.ACCOUNT_MANAGER})
_OVERSIGHT = frozenset({Role.SUPERVISOR, Role.ADMIN, Role.AUDITOR})

# (label, url name, icon, roles)
NAVIGATION = [
    (_("My day"), "accounts_manager:my_day", "bi-sun", _MANAGERS | _OVERSIGHT),
    (_("Dashboard"), "dashboard:index", "bi-speedometer2", _OVERSIGHT),
    (_("Customers"), "customers:list", "bi-building", _ALL),
    (_("Arrears"), "billing:arrears", "bi-cash-coin", _ALL),
    (_("Risk"), "risk:overview", "bi-exclamation-triangle", _OVERSIGHT | _MANAGERS),
    (_("Outages"), "outages:list", "bi-lightning", _ALL),
    (_("Complaints"), "complaints:list", "bi-chat-left-text", _ALL),
    (_("Visits"), "visits:list", "bi-geo-alt", _MANAGERS | _OVERSIGHT),
    (_("Managers"), "accounts_manager:manager_list", "bi-people", _OVERSIGHT),
]


def _url_or_none(url_name: str) -> str | None:
    try:
        return reverse(url_name)
    except NoReverseMatch:
        return None


def navigation(request):
    """`nav_items` for the user's role, `user_role`, and the unread in-app notices (one query)."""
    user = getattr(request, "user", None)
    role = role_of(user) if user is not None else None
    if role is None or role == Role.INTEGRATION:
        # Integration clients use the API only; they get no menu.
        return {"nav_items": [], "user_role": role, "unread_notices": 0, "notices_url": None}
    items = []
    path = request.path
    for label, url_name, icon, roles in NAVIGATION:
        if role not in roles:
            continue
        url = _url_or_none(url_name)
        if url is None:
            continue
        items.append(
            {
                "label": label,
                "url": url,
                "icon": icon,
                "active": path.startswith(url) and url != "/",
            }
        )
    notices_url = _url_or_none("accounts_manager:notices")
    unread = 0
    if notices_url is not None:
        from accounts_manager.models import Notice

        unread = Notice.objects.for_user(user).unread().count()
    return {
        "nav_items": items,
        "user_role": role,
        "unread_notices": unread,
        "notices_url": notices_url,
    }
