"""Notice coverage is defined once (outages.selectors.COVERAGE): the outage API, the outage
list and coverage pages (figures and the "notice state" filter) and the supervisors' dashboard
all answer the same numbers for the same outage."""

import pytest
from django.urls import reverse
from django.utils import timezone

from outages import notices
from outages.models import Notification, OutageImpact
from tests.outages.factories import approved_outage, supplied_customer

pytestmark = pytest.mark.django_db

EXPECTED = {
    "affected": 5,
    "notified": 2,
    "delivered": 1,
    "confirmed": 2,
    "unreachable": 1,
    "important_unconfirmed": 1,
}


@pytest.fixture
def outage(grid, sup_east, mgr_a):
    """One customer in each notice state, and one whose impact was removed."""
    customers = {
        name: supplied_customer(grid["e1"], contacts=0 if name == "silent" else 1, manager=mgr_a)
        for name in ("delivered", "sent", "called", "silent", "pending", "removed")
    }
    outage = approved_outage(sup_east, [grid["e1"]])
    notices.plan_notices(outage)
    now = timezone.now()
    Notification.objects.filter(outage=outage, customer=customers["delivered"]).update(
        status="delivered"
    )
    Notification.objects.filter(outage=outage, customer=customers["sent"]).update(status="sent")
    impacts = OutageImpact.objects.filter(outage=outage)
    impacts.filter(customer=customers["delivered"]).update(confirmed_at=now)
    impacts.filter(customer=customers["sent"]).update(important=True)
    impacts.filter(customer=customers["called"]).update(important=True, call_confirmed_at=now)
    impacts.filter(customer=customers["removed"]).update(removed_at=now, important=True)
    assert impacts.get(customer=customers["silent"]).reachable is False
    return outage


def test_api_pages_and_dashboard_count_the_same(outage, api, client, sup_east):
    assert api(sup_east).get(f"/api/v1/outages/{outage.pk}/coverage/").json() == EXPECTED
    client.force_login(sup_east)
    listed = client.get(reverse("outages:list")).context["rows"]
    assert [r["coverage"] for r in listed if r["outage"].pk == outage.pk] == [EXPECTED]
    assert client.get(reverse("outages:detail", args=[outage.pk])).context["coverage"] == EXPECTED
    url = reverse("outages:coverage", args=[outage.pk])
    assert client.get(url).context["coverage"] == EXPECTED
    board = api(sup_east).get("/api/v1/dashboard/").json()["outages"]
    assert [o["coverage"] for o in board["upcoming"] if o["id"] == outage.pk] == [EXPECTED]

    # The coverage page's state filter lists exactly the customers each figure counts.
    def listed_in(state):
        return client.get(url, {"state": state}).context["page_obj"].paginator.count

    assert listed_in("unreachable") == EXPECTED["unreachable"]
    assert listed_in("confirmed") == EXPECTED["confirmed"]
    assert listed_in("important_unconfirmed") == EXPECTED["important_unconfirmed"]
    assert listed_in("not_notified") == EXPECTED["affected"] - EXPECTED["notified"]
    assert listed_in("unconfirmed") == EXPECTED["affected"] - EXPECTED["confirmed"]


def test_outage_list_coverage_does_not_grow_with_outages(
    grid, sup_east, mgr_a, client, django_assert_num_queries, django_assert_max_num_queries
):
    supplied_customer(grid["e1"], contacts=1, manager=mgr_a)
    approved_outage(sup_east, [grid["e1"]])
    client.force_login(sup_east)
    client.get(reverse("outages:list"))  # warm the session and caches
    with django_assert_max_num_queries(8) as one:
        client.get(reverse("outages:list"))
    for _ in range(3):
        approved_outage(sup_east, [grid["e1"]])
    with django_assert_num_queries(len(one.captured_queries)):
        response = client.get(reverse("outages:list"))
    assert len(response.context["rows"]) == 4
