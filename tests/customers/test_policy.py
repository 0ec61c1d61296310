"""Who may change the register, refused alike by the page, the API and the service.

One table per rule: role × action → allowed or not, then the same case through each door.
"""

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from common.errors import DomainError
from customers import services
from customers.models import Contact, Customer
from tests.customers.test_api import new_customer_payload
from tests.customers.test_services import customer_fields
from tests.customers.test_views import customer_post_data, login
from tests.factories import ContactFactory, FeederFactory

pytestmark = pytest.mark.django_db

# Registering a customer in the WEST region: a regional supervisor or manager of the east may
# not; a supervisor over all regions and an administrator may.
REGISTER_IN_WEST = [
    ("mgr_a", False),
    ("sup_east", False),
    ("sup_all", True),
    ("admin_user", True),
]

# Moving mgr_a's east customer to the WEST region.
MOVE_TO_WEST = [
    ("mgr_a", False),  # the customer's own manager
    ("sup_east", False),  # it would leave the supervisor's region
    ("sup_all", True),
    ("admin_user", True),
]


@pytest.mark.parametrize(("who", "allowed"), REGISTER_IN_WEST)
def test_registering_in_another_region_through_the_api(api, request, west, who, allowed):
    payload = new_customer_payload(FeederFactory(region=west), region="WEST")
    response = api(request.getfixturevalue(who)).post("/api/v1/customers/", payload)
    if allowed:
        assert response.status_code == 201, response.json()
    else:
        assert response.status_code == 400
        assert "region" in response.json()
        assert not Customer.objects.exists()


@pytest.mark.parametrize(("who", "allowed"), REGISTER_IN_WEST)
def test_registering_in_another_region_through_the_page(client, request, west, who, allowed):
    feeder = FeederFactory(region=west)
    login(client, request.getfixturevalue(who))
    response = client.post(reverse("customers:create"), customer_post_data([feeder]))
    if allowed:
        assert response.status_code == 302
        assert Customer.objects.get().region == west
    else:
        assert response.status_code == 200
        assert response.context["form"].errors["region"]
        assert not Customer.objects.exists()


@pytest.mark.parametrize(("who", "allowed"), REGISTER_IN_WEST)
def test_registering_in_another_region_through_the_service(request, west, who, allowed):
    user = request.getfixturevalue(who)
    if allowed:
        assert services.create_customer(acting_user=user, **customer_fields(west)).pk
    else:
        with pytest.raises(DomainError) as refused:
            services.create_customer(acting_user=user, **customer_fields(west))
        assert refused.value.field == "region"


@pytest.mark.parametrize(("who", "allowed"), MOVE_TO_WEST)
def test_moving_a_customer_to_another_region_through_the_api(
    api, request, mgr_a, sup_east, customer_for, west, who, allowed
):
    customer = customer_for(mgr_a)
    response = api(request.getfixturevalue(who)).patch(
        f"/api/v1/customers/{customer.pk}/", {"region": "WEST"}, format="json"
    )
    customer.refresh_from_db()
    if allowed:
        assert response.status_code == 200, response.json()
        assert customer.region == west
    else:
        assert response.status_code == 400
        assert "region" in response.json()
        assert customer.region.code == "EAST"
        # The region's supervisor still oversees it.
        assert api(sup_east).get(f"/api/v1/customers/{customer.pk}/").status_code == 200


def test_a_manager_moving_a_customer_gets_a_message_on_region(api, mgr_a, customer_for, west):
    customer = customer_for(mgr_a)
    url = f"/api/v1/customers/{customer.pk}/"
    response = api(mgr_a).patch(url, {"region": "WEST"}, format="json", HTTP_ACCEPT_LANGUAGE="en")
    assert response.json() == {
        "region": ["Only a supervisor or an administrator can move a customer to another region."],
        "code": "region_change_not_allowed",
    }
    # The other fields of the same customer remain the manager's to change.
    assert api(mgr_a).patch(url, {"name": "新名称"}, format="json").status_code == 200


@pytest.mark.parametrize(("who", "allowed"), MOVE_TO_WEST)
def test_moving_a_customer_to_another_region_through_the_page(
    client, request, mgr_a, customer_for, west, who, allowed
):
    customer = customer_for(mgr_a)
    feeder = customer.supply_points.get().feeder
    login(client, request.getfixturevalue(who))
    data = customer_post_data(
        [feeder], region=west.pk, credit_code=customer.credit_code, account_no=customer.account_no
    )
    data["supply-INITIAL_FORMS"] = "1"
    response = client.post(reverse("customers:edit", args=[customer.pk]), data)
    customer.refresh_from_db()
    if allowed:
        assert response.status_code == 302
        assert customer.region == west
    else:
        assert response.status_code == 200
        assert response.context["form"].errors["region"]
        assert customer.region.code == "EAST"


@pytest.mark.parametrize(("who", "allowed"), MOVE_TO_WEST)
def test_moving_a_customer_to_another_region_through_the_service(
    request, mgr_a, customer_for, west, who, allowed
):
    customer = customer_for(mgr_a)
    user = request.getfixturevalue(who)
    if allowed:
        assert services.update_customer(customer, acting_user=user, region=west).region == west
    else:
        with pytest.raises(DomainError) as refused:
            services.update_customer(customer, acting_user=user, region=west)
        assert refused.value.field == "region"


# Roles that may not write the register at all (SPEC: the integration clients push bills,
# payments and complaints; the auditor reads).
@pytest.mark.parametrize("who", ["integration", "auditor"])
def test_readers_cannot_write_the_register_through_the_api(api, request, mgr_a, customer_for, who):
    customer = customer_for(mgr_a)
    contact = ContactFactory(customer=customer)
    client = api(request.getfixturevalue(who))
    feeder = customer.supply_points.get().feeder
    attempts = [
        client.post("/api/v1/customers/", new_customer_payload(feeder), format="json"),
        client.patch(f"/api/v1/customers/{customer.pk}/", {"name": "x"}, format="json"),
        client.post("/api/v1/contacts/", {"customer": customer.pk, "name": "x", "role": "other"}),
        client.patch(f"/api/v1/contacts/{contact.pk}/", {"name": "x"}, format="json"),
        client.delete(f"/api/v1/contacts/{contact.pk}/"),
    ]
    assert [r.status_code for r in attempts] == [403] * 5
    assert Customer.objects.count() == 1
    assert Contact.objects.get().name == contact.name


@pytest.mark.parametrize("who", ["integration", "auditor"])
def test_readers_cannot_write_the_register_through_the_pages(
    client, request, mgr_a, customer_for, who
):
    customer = customer_for(mgr_a)
    contact = ContactFactory(customer=customer)
    login(client, request.getfixturevalue(who))
    feeder = customer.supply_points.get().feeder
    posts = [
        (reverse("customers:create"), customer_post_data([feeder])),
        (reverse("customers:edit", args=[customer.pk]), customer_post_data([feeder])),
        (reverse("customers:contact_create", args=[customer.pk]), {"name": "x"}),
        (reverse("customers:contact_delete", args=[customer.pk, contact.pk]), {}),
    ]
    assert [client.post(url, data).status_code for url, data in posts] == [403] * 4
    assert Customer.objects.count() == 1
    assert Contact.objects.filter(pk=contact.pk).exists()


@pytest.mark.parametrize("who", ["integration", "auditor"])
def test_readers_cannot_write_the_register_through_the_services(
    request, mgr_a, customer_for, east, who
):
    user = request.getfixturevalue(who)
    customer = customer_for(mgr_a)
    contact = ContactFactory(customer=customer)
    calls = [
        lambda: services.create_customer(acting_user=user, **customer_fields(east)),
        lambda: services.update_customer(customer, acting_user=user, name="x"),
        lambda: services.create_contact(customer=customer, acting_user=user, name="x"),
        lambda: services.update_contact(contact, acting_user=user, name="x"),
        lambda: services.delete_contact(contact, acting_user=user),
    ]
    for call in calls:
        with pytest.raises(PermissionDenied):
            call()


def test_a_manager_cannot_change_another_portfolio_even_through_the_service(
    mgr_a, mgr_b, customer_for
):
    foreign = customer_for(mgr_b)
    with pytest.raises(PermissionDenied):
        services.update_customer(foreign, acting_user=mgr_a, name="篡改")
    with pytest.raises(PermissionDenied):
        services.create_contact(customer=foreign, acting_user=mgr_a, name="x", role="other")


def test_a_manager_registers_customers_for_themselves_only(mgr_a, mgr_b, east):
    with pytest.raises(DomainError) as refused:
        services.create_customer(acting_user=mgr_a, manager=mgr_b, **customer_fields(east))
    assert refused.value.field == "manager"
    assert not Customer.objects.exists()
