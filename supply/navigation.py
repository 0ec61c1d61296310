"""This app's pages in the menu of the base layout (common.navigation), shown to the roles its
policy table lets open them."""

from django.utils.translation import gettext_lazy as _

from common.navigation import register_menu_item
from supply.policy import POLICY

register_menu_item(
    _("Supply quality"),
    "supply:overview",
    icon="bi-lightning-charge",
    order=55,
    allows=POLICY.allowing("view_oversight"),
)
