"""The menu of the base layout: each app adds its pages from its AppConfig.ready(), with the
action of its own policy table that opening the page needs, so the menu shows a user exactly
the pages their role may open. Items whose page does not exist are skipped."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse

from common.policy import has_pages


@dataclass(frozen=True)
class MenuItem:
    label: object  # a lazy translation
    url_name: str
    icon: str
    order: int
    allows: Callable[[object], bool]  # the app's policy: may this user open the page?


_ITEMS: dict[str, MenuItem] = {}


def register_menu_item(
    label, url_name: str, *, icon: str, order: int, allows: Callable[[object], bool]
) -> None:
    """Add (or replace) the menu entry of the page `url_name`."""
    _ITEMS[url_name] = MenuItem(label, url_name, icon, order, allows)


def _url_or_none(url_name: str) -> str | None:
    try:
        return reverse(url_name)
    except NoReverseMatch:
        return None


def menu_for(request: HttpRequest) -> list[dict]:
    """The menu entries `request.user` may open, in order, the current one marked active."""
    user = getattr(request, "user", None)
    if not has_pages(user):
        # Integration clients use the API only; they get no menu.
        return []
    items = []
    for item in sorted(_ITEMS.values(), key=lambda i: i.order):
        if not item.allows(user):
            continue
        url = _url_or_none(item.url_name)
        if url is None:
            continue
        items.append(
            {
                "label": item.label,
                "url": url,
                "icon": item.icon,
                "active": request.path.startswith(url) and url != "/",
            }
        )
    return items
