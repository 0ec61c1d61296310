"""This app's pages in the menu of the base layout (common.navigation), shown to the roles its
policy table lets open them."""

from django.utils.translation import gettext_lazy as _

from common.navigation import register_menu_item
from common.policy import has_pages
from connections.policy import POLICY

register_menu_item(
    _("Connections"),
    "connections:list",
    icon="bi-plug",
    order=65,
    allows=has_pages,
)
register_menu_item(
    _("Weekly project review"),
    "connections:review",
    icon="bi-calendar-week",
    order=66,
    allows=POLICY.allowing("review"),
)
