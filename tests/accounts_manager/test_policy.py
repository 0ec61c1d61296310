"""Who may assign customers, hand portfolios over, change users and work the queue: refused
alike by the page, the API and the service (accounts_manager.policy)."""

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from accounts_manager import services
from accounts_manager.models import FollowUp, FollowUpStatus, User
from common.actors import SYSTEM
from common.errors import DomainError
from customers import portfolios as portfolio_moves
from customers.models import Assignment
from tests.factories import FollowUpFactory

pytestmark = pytest.mark.django_db

# Assigning the unassigned east customer to mgr_a.
ASSIGN = [
    ("sup_east", True),
    ("admin_user", True),
    ("mgr_a", False),  # not even to themselves: managers take only what they register
    ("mgr_b", False),
    ("auditor", False),
    ("integration", False),  # SPEC: the integration clients do not assign customers
]


@pytest.mark.parametrize(("who", "allowed"), ASSIGN)
def test_assigning_a_customer_through_the_api(api, request, mgr_a, portfolios, who, allowed):
    customer = portfolios["none"]
    response = api(request.getfixturevalue(who)).post(
        "/api/v1/assignments/", {"customer": customer.pk, "manager": mgr_a.pk}
    )
    assert response.status_code == (201 if allowed else 403)
    assert Assignment.objects.filter(customer=customer).exists() is allowed


@pytest.mark.parametrize(("who", "allowed"), ASSIGN)
def test_assigning_a_customer_through_the_page(client, request, mgr_a, portfolios, who, allowed):
    customer = portfolios["none"]
    client.force_login(request.getfixturevalue(who))
    response = client.post(
        reverse("accounts_manager:assign", args=[customer.pk]), {"manager": mgr_a.pk}
    )
    assert response.status_code == (302 if allowed else 403)
    assert Assignment.objects.filter(customer=customer).exists() is allowed


@pytest.mark.parametrize(("who", "allowed"), ASSIGN)
def test_assigning_a_customer_through_the_service(request, mgr_a, portfolios, who, allowed):
    customer = portfolios["none"]
    user = request.getfixturevalue(who)
    if allowed:
        portfolio_moves.assign_customer(customer, manager=mgr_a, acting_user=user)
    else:
        with pytest.raises(PermissionDenied):
            portfolio_moves.assign_customer(customer, manager=mgr_a, acting_user=user)
    assert Assignment.objects.filter(customer=customer).exists() is allowed


@pytest.mark.parametrize("who", ["mgr_a", "auditor", "integration"])
def test_handover_is_refused_by_the_service_too(request, mgr_a, mgr_b, portfolios, who):
    with pytest.raises(PermissionDenied):
        portfolio_moves.handover_portfolio(
            mgr_b, to_manager=mgr_a, acting_user=request.getfixturevalue(who)
        )
    assert Assignment.objects.open().get(customer=portfolios["b"]).manager == mgr_b


@pytest.mark.parametrize("who", ["mgr_a", "auditor", "integration"])
def test_handover_page_is_refused(client, request, mgr_a, mgr_b, portfolios, who):
    client.force_login(request.getfixturevalue(who))
    response = client.post(reverse("accounts_manager:handover", args=[mgr_b.pk]), {"to": mgr_a.pk})
    assert response.status_code == 403
    assert Assignment.objects.open().get(customer=portfolios["b"]).manager == mgr_b


# --- users -----------------------------------------------------------------------------------


def test_an_administrator_cannot_deactivate_themselves_through_the_api(api, admin_user):
    response = api(admin_user).patch(
        f"/api/v1/users/{admin_user.pk}/", {"is_active": False}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 400
    assert response.json()["is_active"] == [
        "You cannot deactivate your own account; ask another administrator."
    ]
    admin_user.refresh_from_db()
    assert admin_user.is_active


def test_an_administrator_cannot_give_up_their_own_role(api, admin_user):
    response = api(admin_user).patch(f"/api/v1/users/{admin_user.pk}/", {"role": "auditor"})
    assert response.status_code == 400
    assert "role" in response.json()
    admin_user.refresh_from_db()
    assert admin_user.is_superuser


def test_another_administrator_may_deactivate_an_administrator(api, admin_user):
    other = services.create_user(
        username="admin2", password="Strong-Pass-2025", role="admin", acting_user=SYSTEM
    )
    response = api(admin_user).patch(f"/api/v1/users/{other.pk}/", {"is_active": False})
    assert response.status_code == 200, response.json()
    assert not User.objects.get(pk=other.pk).is_active


def test_self_deactivation_is_refused_by_the_service(admin_user):
    with pytest.raises(DomainError) as refused:
        services.update_user(admin_user, acting_user=admin_user, is_active=False)
    assert refused.value.field == "is_active"


def test_the_admin_site_does_not_let_an_administrator_lock_themselves_out(client, admin_user):
    client.force_login(admin_user)
    page = client.get(reverse("admin:accounts_manager_user_change", args=[admin_user.pk]))
    assert page.status_code == 200
    form = page.context["adminform"].form
    assert "is_active" not in form.fields
    assert "is_superuser" not in form.fields


def test_nobody_is_their_own_supervisor(api, admin_user, sup_east):
    response = api(admin_user).patch(f"/api/v1/users/{sup_east.pk}/", {"supervisor": sup_east.pk})
    assert response.status_code == 400
    assert "supervisor" in response.json()
    with pytest.raises(DomainError):
        services.update_user(sup_east, acting_user=admin_user, supervisor=sup_east)


@pytest.mark.parametrize("who", ["sup_east", "mgr_a", "integration"])
def test_only_administrators_manage_users_even_through_the_service(request, mgr_b, who):
    user = request.getfixturevalue(who)
    with pytest.raises(PermissionDenied):
        services.update_user(mgr_b, acting_user=user, name="x")
    with pytest.raises(PermissionDenied):
        services.create_user(
            username="x", password="Strong-Pass-2025", role="auditor", acting_user=user
        )


# --- the work queue --------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["integration", "auditor"])
def test_readers_cannot_close_follow_ups(api, client, request, mgr_a, customer_for, who):
    user = request.getfixturevalue(who)
    followup = FollowUpFactory(customer=customer_for(mgr_a), manager=mgr_a)
    response = api(user).patch(f"/api/v1/followups/{followup.pk}/", {"status": "done"})
    assert response.status_code == 403
    client.force_login(user)
    response = client.post(reverse("accounts_manager:followup_close", args=[followup.pk]))
    assert response.status_code == 403
    with pytest.raises(PermissionDenied):
        services.close_followup(followup, acting_user=user)
    assert FollowUp.objects.get(pk=followup.pk).status == FollowUpStatus.OPEN


def test_a_closed_follow_up_is_not_reopened_through_the_api(api, mgr_a, customer_for):
    followup = FollowUpFactory(customer=customer_for(mgr_a), manager=mgr_a)
    services.close_followup(followup, acting_user=mgr_a)
    response = api(mgr_a).patch(f"/api/v1/followups/{followup.pk}/", {"status": "open"})
    assert response.status_code == 400
    assert "status" in response.json()
