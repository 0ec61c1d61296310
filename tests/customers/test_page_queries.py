"""Query counts of the customer pages an account manager opens most (the pages of
`manage.py bench_load`): exact, and the same for 2 customers as for 12."""

import pytest
from django.urls import reverse

from tests.factories import ContactFactory

pytestmark = pytest.mark.django_db


def test_a_managers_customer_list_in_seven_queries(
    client, mgr_a, customer_for, django_assert_num_queries
):
    client.force_login(mgr_a)
    for count in (2, 12):
        while len(client.get(reverse("customers:list")).context["customers"]) < count:
            customer_for(mgr_a, risk_level="high")
        # session, user, role, count, the region filter's choices, the page, unread notices
        with django_assert_num_queries(7):
            response = client.get(reverse("customers:list"))
        assert len(response.context["customers"]) == count


def test_a_managers_customer_page_in_eight_queries(
    client, mgr_a, customer_for, django_assert_num_queries
):
    customer = customer_for(mgr_a)
    client.force_login(mgr_a)
    for contacts in (1, 6):
        while customer.contacts.count() < contacts:
            ContactFactory(customer=customer)
        with django_assert_num_queries(8):
            response = client.get(reverse("customers:detail", args=[customer.pk]))
        assert len(response.context["contacts"]) == contacts
