"""The confirmation page a customer reaches from the link in a notice (no login)."""

from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from outages.confirmations import confirm_receipt
from outages.models import Notification


@login_not_required
@never_cache
@require_http_methods(["GET", "POST"])
def confirm_notice(request: HttpRequest, token: str) -> HttpResponse:
    """GET shows the notice and a confirm button; POST confirms receipt.

    Confirming takes a POST so that link scanners in mail and SMS apps, which open links
    by GET, do not confirm on the customer's behalf. The token confirms only its own notice.
    """
    if request.method == "POST":
        notification, newly = confirm_receipt(token)
    else:
        notification = (
            Notification.objects.filter(token=token).select_related("outage", "customer").first()
        )
        newly = False
    if notification is None:
        return render(request, "outages/public_confirm_invalid.html", status=404)
    feeders = list(notification.outage.feeders.all())
    return render(
        request,
        "outages/public_confirm.html",
        {
            "notification": notification,
            "outage": notification.outage,
            "feeders": feeders,
            "newly_confirmed": newly,
        },
    )
