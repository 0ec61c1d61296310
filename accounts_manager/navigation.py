"""This app's pages in the menu of the base layout (common.navigation), shown to the roles its
policy table lets open them."""

from django.utils.translation import gettext_lazy as _

from accounts_manager.policy import POLICY
from common.navigation import register_menu_item

register_menu_item(
    _("My day"),
    "accounts_manager:my_day",
    icon="bi-sun",
    order=10,
    allows=POLICY.allowing("view_my_day"),
)
register_menu_item(
    _("Managers"),
    "accounts_manager:manager_list",
    icon="bi-people",
    order=90,
    allows=POLICY.allowing("view_managers"),
)
