"""Timeline entries link to the page of what they refer to."""

import pytest
from django.urls import reverse

from common.actors import SYSTEM
from complaints.services import register_complaint
from customers.timeline import ref_url

pytestmark = pytest.mark.django_db


def test_a_complaint_entry_links_to_the_ticket_page(api, mgr_a, customer_for):
    customer = customer_for(mgr_a)
    ticket, _ = register_complaint(
        customer=customer,
        channel="counter",
        category="billing",
        description="电费异常",
        acting_user=SYSTEM,
    )

    rows = api(mgr_a).get(f"/api/v1/customers/{customer.pk}/timeline/?kind=complaint").json()

    complaint_rows = [r for r in rows["results"] if r["ref"] == f"complaint:{ticket.pk}"]
    assert complaint_rows
    assert complaint_rows[0]["url"] == reverse("complaints:detail", args=[ticket.pk])


@pytest.mark.parametrize("value", ["", "followup:7", "complaint:abc", "nonsense", "outage:"])
def test_refs_without_a_page_have_no_link(value):
    assert ref_url(value) is None
