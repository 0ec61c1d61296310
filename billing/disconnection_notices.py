"""Who is told about a disconnection: the supervisor who must approve it."""

from django.urls import reverse
from django.utils.translation import gettext as _

from accounts_manager.models import NoticeCategory
from accounts_manager.services import notify_user, supervisor_of
from billing.models import Disconnection


def ask_for_approval(disconnection: Disconnection) -> None:
    """The customer's supervisor is told a disconnection waits for their approval."""
    supervisor = supervisor_of(disconnection.customer)
    if supervisor is None:
        return
    notify_user(
        supervisor,
        key=f"disconnection:{disconnection.pk}:approval",
        title=_("Disconnection waiting for your approval: %(customer)s")
        % {"customer": disconnection.customer},
        body=_("Scheduled for %(date)s; arrears %(amount)s.")
        % {"date": disconnection.scheduled_for, "amount": disconnection.arrears_amount},
        link=reverse("billing:disconnection_detail", args=[disconnection.pk]),
        category=NoticeCategory.APPROVAL,
    )
