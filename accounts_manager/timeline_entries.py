"""Timeline provider of the account managers' work queue: follow-ups."""

from django.db.models import CharField, F
from django.db.models.functions import Concat
from django.utils.translation import gettext_lazy as _

from accounts_manager.models import FollowUp
from customers.timeline import ref, register, text


@register("followup", _("Follow-ups"))
def followups(customer):
    return FollowUp.objects.filter(customer_id=customer.pk).annotate(
        tl_at=F("created_at"),
        tl_kind=text("followup"),
        tl_summary=Concat(text(_("Follow-up: ")), F("summary"), output_field=CharField()),
        tl_ref=ref("followup"),
    )
