"""This app's pages in the menu of the base layout (common.navigation), shown to the roles its
policy table lets open them."""

from django.utils.translation import gettext_lazy as _

from billing.policy import POLICY
from common.navigation import register_menu_item

register_menu_item(
    _("Arrears"), "billing:arrears", icon="bi-cash-coin", order=40, allows=POLICY.allowing("view")
)
