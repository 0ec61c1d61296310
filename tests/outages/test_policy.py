"""Who may do what with outages (outages.permissions), refused alike by the page, the API and
the service."""

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from common.actors import SYSTEM
from outages import services
from outages.models import PlannedOutage
from tests.outages.factories import make_outage

pytestmark = pytest.mark.django_db
URL = "/api/v1/outages/"

# Approval is a supervisor's decision alone (API.md): administrators too get 403.
APPROVE = [
    ("sup_east", True),
    ("admin_user", False),
    ("mgr_a", False),
    ("auditor", False),
    ("integration", False),
]


@pytest.fixture
def submitted(grid, sup_east):
    outage = make_outage(sup_east, [grid["e1"]])
    return services.submit_outage(outage, acting_user=sup_east)


def _page_code(who: str, allowed: bool) -> int:
    # A manager's pages show only outages that hit their customers: this one is not found.
    return 302 if allowed else 404 if who == "mgr_a" else 403


def _status(outage) -> str:
    return PlannedOutage.objects.get(pk=outage.pk).status


@pytest.mark.parametrize(("who", "allowed"), APPROVE)
def test_approving_an_outage_through_the_api(api, request, submitted, who, allowed):
    response = api(request.getfixturevalue(who)).post(
        f"{URL}{submitted.pk}/approve/", {}, format="json"
    )
    assert response.status_code == (200 if allowed else 403)
    assert _status(submitted) == ("approved" if allowed else "submitted")


@pytest.mark.parametrize(("who", "allowed"), APPROVE)
def test_approving_an_outage_through_the_page(client, request, submitted, who, allowed):
    client.force_login(request.getfixturevalue(who))
    response = client.post(
        reverse("outages:action", args=[submitted.pk, "approve"]), {"override_reason": ""}
    )
    assert response.status_code == _page_code(who, allowed)
    assert _status(submitted) == ("approved" if allowed else "submitted")


@pytest.mark.parametrize(("who", "allowed"), [*APPROVE, (None, False)])
def test_approving_an_outage_through_the_service(request, submitted, who, allowed):
    user = request.getfixturevalue(who) if who else SYSTEM  # a job or a command
    if allowed:
        assert services.approve_outage(submitted, acting_user=user).status == "approved"
    else:
        with pytest.raises(PermissionDenied):
            services.approve_outage(submitted, acting_user=user)
        assert _status(submitted) == "submitted"


# Running an outage (every other action): supervisors and administrators; the dispatch system
# only reads (SPEC "Who uses it").
RUN = [
    ("sup_east", True),
    ("admin_user", True),
    ("mgr_a", False),
    ("auditor", False),
    ("integration", False),
]


@pytest.mark.parametrize(("who", "allowed"), RUN)
def test_cancelling_an_outage_through_the_api(api, request, submitted, who, allowed):
    response = api(request.getfixturevalue(who)).post(
        f"{URL}{submitted.pk}/cancel/", {"reason": "施工调整"}, format="json"
    )
    assert response.status_code == (200 if allowed else 403)
    assert _status(submitted) == ("cancelled" if allowed else "submitted")


@pytest.mark.parametrize(("who", "allowed"), RUN)
def test_cancelling_an_outage_through_the_page(client, request, submitted, who, allowed):
    client.force_login(request.getfixturevalue(who))
    response = client.post(
        reverse("outages:action", args=[submitted.pk, "cancel"]), {"reason": "施工调整"}
    )
    assert response.status_code == _page_code(who, allowed)
    assert _status(submitted) == ("cancelled" if allowed else "submitted")


@pytest.mark.parametrize(("who", "allowed"), RUN)
def test_cancelling_an_outage_through_the_service(request, submitted, who, allowed):
    user = request.getfixturevalue(who)
    if allowed:
        services.cancel_outage(submitted, acting_user=user, reason="施工调整")
    else:
        with pytest.raises(PermissionDenied):
            services.cancel_outage(submitted, acting_user=user, reason="施工调整")
    assert _status(submitted) == ("cancelled" if allowed else "submitted")


def test_the_dispatch_system_reads_outages_and_affected_customers(api, integration, submitted):
    client = api(integration)
    assert client.get(f"{URL}{submitted.pk}/").status_code == 200
    assert client.get(f"{URL}{submitted.pk}/impacts/").status_code == 200
    assert client.patch(f"{URL}{submitted.pk}/", {"reason": "x"}, format="json").status_code == 403
