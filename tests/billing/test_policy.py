"""Who may do what in billing (billing.policy), refused alike by the page, the API and the
service; and refusals that reveal nothing of other portfolios."""

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from billing import disconnections
from billing.models import Disconnection, Payment
from common.actors import SYSTEM
from risk import overrides as risk_overrides
from tests.billing.test_disconnections import case  # noqa: F401 (fixture)
from tests.billing.test_disconnections import request as request_disconnection

pytestmark = pytest.mark.django_db

# Approving a disconnection is a supervisor's decision alone (API.md): administrators too get
# 403.
APPROVE = [
    ("sup_east", True),
    ("admin_user", False),
    ("mgr_a", False),
    ("auditor", False),
    ("integration", False),
]


@pytest.fixture
def requested(case):  # noqa: F811 (the fixture imported above)
    """A requested disconnection of mgr_a's customer (see test_disconnections.case)."""
    customer, _notice = case
    return request_disconnection(customer, acting_user=SYSTEM)


@pytest.mark.parametrize(("who", "allowed"), APPROVE)
def test_approving_a_disconnection_through_the_api(api, request, requested, who, allowed):
    response = api(request.getfixturevalue(who)).post(
        f"/api/v1/disconnections/{requested.pk}/approve/", {}, format="json"
    )
    assert response.status_code == (200 if allowed else 403), response.json()
    assert Disconnection.objects.get(pk=requested.pk).status == (
        "approved" if allowed else "requested"
    )


@pytest.mark.parametrize(("who", "allowed"), APPROVE)
def test_approving_a_disconnection_through_the_page(client, request, requested, who, allowed):
    client.force_login(request.getfixturevalue(who))
    response = client.post(
        reverse("billing:disconnection_detail", args=[requested.pk]), {"action": "approve"}
    )
    assert response.status_code == (302 if allowed else 403)
    assert Disconnection.objects.get(pk=requested.pk).status == (
        "approved" if allowed else "requested"
    )


@pytest.mark.parametrize(("who", "allowed"), [*APPROVE, (None, False)])
def test_approving_a_disconnection_through_the_service(request, requested, who, allowed):
    user = request.getfixturevalue(who) if who else SYSTEM  # a job or a command
    if allowed:
        assert disconnections.approve_disconnection(requested, acting_user=user).status == (
            "approved"
        )
    else:
        with pytest.raises(PermissionDenied):
            disconnections.approve_disconnection(requested, acting_user=user)


def test_the_administrators_refusal_comes_in_the_requests_language(api, admin_user, requested):
    url = f"/api/v1/disconnections/{requested.pk}/approve/"
    english = api(admin_user).post(url, {}, format="json", HTTP_ACCEPT_LANGUAGE="en")
    chinese = api(admin_user).post(url, {}, format="json")
    assert english.json() == {"detail": "You do not have permission to perform this action."}
    assert chinese.json() == {"detail": "您没有执行该操作的权限。"}


# Writes on a customer's collection that a role may not do, through the API.
@pytest.mark.parametrize("who", ["integration", "auditor"])
def test_collection_writes_are_refused_to_readers(api, request, mgr_a, customer_for, who):
    customer = customer_for(mgr_a)
    client = api(request.getfixturevalue(who))
    now = timezone.now().isoformat()
    attempts = [
        client.post("/api/v1/collection-actions/", {"customer": customer.pk, "kind": "call"}),
        client.post(
            "/api/v1/promises/",
            {"customer": customer.pk, "amount": "10.00", "due_date": "2099-01-01"},
        ),
        client.post(
            "/api/v1/disconnections/", {"customer": customer.pk, "scheduled_for": now[:10]}
        ),
    ]
    assert [r.status_code for r in attempts] == [403, 403, 403]


@pytest.mark.parametrize("who", ["integration", "auditor"])
def test_collection_pages_are_refused_to_readers(client, request, mgr_a, customer_for, who):
    customer = customer_for(mgr_a)
    client.force_login(request.getfixturevalue(who))
    pages = ["payment_create", "action_create", "promise_create", "disconnection_request"]
    codes = [
        client.post(reverse(f"billing:{name}", args=[customer.pk]), {}).status_code
        for name in pages
    ]
    assert codes == [403] * len(pages)


@pytest.mark.parametrize("who", ["mgr_a", "auditor", "integration"])
def test_bill_import_page_is_refused(client, request, who):
    client.force_login(request.getfixturevalue(who))
    assert client.post(reverse("billing:import_upload", args=["bills"]), {}).status_code == 403


@pytest.mark.parametrize("who", ["mgr_a", "sup_east", "auditor"])
def test_only_the_billing_system_and_administrators_push_bills(
    api, request, mgr_a, customer_for, who
):
    customer = customer_for(mgr_a)
    client = api(request.getfixturevalue(who))
    bill = {"customer": customer.pk, "period": "2025-01", "total": "10.00"}
    assert client.post("/api/v1/bills/", bill, format="json").status_code == 403
    assert client.post("/api/v1/bills/import/", [bill], format="json").status_code == 403


# --- a taken payment reference ---------------------------------------------------------------


def _payment(customer, reference="BANK-0001", amount="10.00"):
    return {
        "customer": customer.pk,
        "amount": amount,
        "paid_at": timezone.now().isoformat(),
        "channel": "bank",
        "reference": reference,
    }


def test_a_reference_of_another_portfolio_is_only_already_used(api, mgr_a, mgr_b, customer_for):
    theirs = customer_for(mgr_b)
    mine = customer_for(mgr_a)
    assert api(mgr_b).post("/api/v1/payments/", _payment(theirs), format="json").status_code == 201
    for language, message in (
        ("en", "This reference is already used."),
        ("zh-hans", "该流水号已被使用。"),
    ):
        response = api(mgr_a).post(
            "/api/v1/payments/", _payment(mine), format="json", HTTP_ACCEPT_LANGUAGE=language
        )
        assert response.status_code == 400
        assert response.json() == {"reference": [message], "code": "reference_taken"}
    assert Payment.objects.count() == 1


def test_the_same_payment_again_is_answered_with_200(api, mgr_a, customer_for):
    mine = customer_for(mgr_a)
    first = api(mgr_a).post("/api/v1/payments/", _payment(mine), format="json")
    again = api(mgr_a).post("/api/v1/payments/", _payment(mine), format="json")
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"]


def test_a_reference_of_another_portfolio_on_the_payment_page(client, mgr_a, mgr_b, customer_for):
    theirs = customer_for(mgr_b)
    mine = customer_for(mgr_a)
    from billing import payments

    payments.record_payment(
        theirs,
        amount=10,
        paid_at=timezone.now(),
        channel="bank",
        reference="BANK-0001",
        acting_user=mgr_b,
    )
    client.force_login(mgr_a)
    response = client.post(
        reverse("billing:payment_create", args=[mine.pk]),
        {
            "amount": "10.00",
            "paid_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
            "channel": "bank",
            "reference": "BANK-0001",
        },
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 200
    assert response.context["form"].errors["reference"] == ["This reference is already used."]
    assert Payment.objects.count() == 1


# --- risk: scans and overrides ---------------------------------------------------------------


@pytest.mark.parametrize("who", ["mgr_a", "auditor", "integration"])
def test_only_supervisors_and_administrators_start_a_scan_even_through_the_service(request, who):
    from risk import services as risk

    with pytest.raises(PermissionDenied):
        risk.request_risk_scan(acting_user=request.getfixturevalue(who))


def test_a_manager_cannot_override_another_portfolios_risk_through_the_service(
    mgr_a, mgr_b, customer_for
):

    foreign = customer_for(mgr_b)
    with pytest.raises(PermissionDenied):
        risk_overrides.set_risk_override(foreign, level="low", reason="已核实", acting_user=mgr_a)
    own = customer_for(mgr_a)
    assert risk_overrides.set_risk_override(own, level="low", reason="已核实", acting_user=mgr_a).pk


@pytest.mark.parametrize(
    "model", ["billing_collectionaction", "billing_paymentpromise", "accounts_manager_followup"]
)
def test_the_admin_site_does_not_bypass_the_services(client, admin_user, model):
    """Collection actions, promises and follow-ups are recorded through the services (pages
    and API), which check their rules; the admin only looks them up."""
    client.force_login(admin_user)
    assert client.get(reverse(f"admin:{model}_changelist")).status_code == 200
    assert client.get(reverse(f"admin:{model}_add")).status_code == 403
