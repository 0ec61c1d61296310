"""Writes to the customer register: customers, supply points, contacts."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from common.errors import DomainError
from customers import services
from customers.models import Assignment, Contact, Customer, SupplyPoint
from customers.services import SupplyPointInput
from tests.factories import ContactFactory, CustomerFactory, FeederFactory, make_credit_code

pytestmark = pytest.mark.django_db


def customer_fields(region, **overrides):
    fields = {
        "account_no": "3100099999",
        "name": "华东精密制造有限公司",
        "credit_code": make_credit_code(4242),
        "segment": "industrial",
        "importance": "level2",
        "voltage_kv": Decimal("10"),
        "contract_capacity_kva": Decimal("4000"),
        "typical_daily_load_kw": Decimal("1800"),
        "tariff": "two_part",
        "region": region,
    }
    fields.update(overrides)
    return fields


def test_customer_registered_by_a_manager_is_assigned_to_that_manager(mgr_a, east):
    feeder = FeederFactory(region=east)
    customer = services.create_customer(
        acting_user=mgr_a,
        supply_points=[SupplyPointInput(feeder_id=feeder.pk, is_primary=True)],
        **customer_fields(east),
    )
    assert Assignment.objects.get(customer=customer, end__isnull=True).manager == mgr_a
    assert list(customer.supply_points.values_list("feeder_id", "is_primary")) == [
        (feeder.pk, True)
    ]
    assert customer.history.get().history_user == mgr_a


def test_customer_registered_by_an_administrator_goes_to_the_given_manager(admin_user, mgr_b, east):
    customer = services.create_customer(
        acting_user=admin_user, manager=mgr_b, **customer_fields(east)
    )
    assert Assignment.objects.get(customer=customer).manager == mgr_b


def test_customer_registered_by_a_supervisor_without_manager_is_unassigned(sup_east, east):
    customer = services.create_customer(acting_user=sup_east, **customer_fields(east))
    assert not Assignment.objects.filter(customer=customer).exists()
    assert Customer.objects.unassigned().filter(pk=customer.pk).exists()


@pytest.mark.parametrize(
    "points",
    [
        [(0, True), (1, True)],  # two primaries
        [(0, False), (1, False)],  # no primary
        [(0, True), (0, False)],  # the same feeder twice
    ],
)
def test_bad_supply_points_leave_nothing_written(mgr_a, east, points):
    feeders = [FeederFactory(region=east), FeederFactory(region=east)]
    with pytest.raises(DomainError) as excinfo:
        services.create_customer(
            acting_user=mgr_a,
            supply_points=[SupplyPointInput(feeders[i].pk, primary) for i, primary in points],
            **customer_fields(east),
        )
    assert excinfo.value.field == "supply_points"
    assert not Customer.objects.exists()
    assert not Assignment.objects.exists()


def test_invalid_credit_code_refuses_the_customer(mgr_a, east):
    with pytest.raises(ValidationError) as excinfo:
        services.create_customer(
            acting_user=mgr_a, **customer_fields(east, credit_code="91110108MA01ABCD1F")
        )
    assert "credit_code" in excinfo.value.message_dict
    assert not Customer.objects.exists()


def test_account_number_cannot_change(admin_user):
    customer = CustomerFactory(account_no="3100000001")
    with pytest.raises(DomainError) as excinfo:
        services.update_customer(customer, acting_user=admin_user, account_no="3100000002")
    assert excinfo.value.field == "account_no"
    customer.refresh_from_db()
    assert customer.account_no == "3100000001"


def test_update_records_who_changed_what(admin_user):
    customer = CustomerFactory(importance="normal")
    services.update_customer(customer, acting_user=admin_user, importance="level1")
    latest = customer.history.latest("history_date")
    assert latest.history_user == admin_user
    assert latest.importance == "level1"
    changes = latest.diff_against(latest.prev_record).changes
    assert [(c.field, c.old, c.new) for c in changes] == [("importance", "normal", "level1")]


def test_update_without_a_change_writes_no_history(admin_user):
    customer = CustomerFactory(name="不变有限公司")
    services.update_customer(customer, acting_user=admin_user, name="不变有限公司")
    assert customer.history.count() == 1


def test_update_that_breaks_a_rule_changes_nothing(admin_user):
    customer = CustomerFactory(has_backup_generator=False)
    with pytest.raises(ValidationError):
        services.update_customer(customer, acting_user=admin_user, has_backup_generator=True)
    customer.refresh_from_db()
    assert customer.has_backup_generator is False


def test_supply_points_are_replaced_and_the_primary_can_move(admin_user):
    customer = CustomerFactory()
    first, second, third = FeederFactory(), FeederFactory(), FeederFactory()
    services.set_supply_points(
        customer,
        points=[SupplyPointInput(first.pk, True), SupplyPointInput(second.pk, False)],
        acting_user=admin_user,
    )
    # Swap the primary and drop one feeder for another in one step.
    services.set_supply_points(
        customer,
        points=[SupplyPointInput(second.pk, True), SupplyPointInput(third.pk, False)],
        acting_user=admin_user,
    )
    assert set(
        SupplyPoint.objects.filter(customer=customer).values_list("feeder_id", "is_primary")
    ) == {
        (second.pk, True),
        (third.pk, False),
    }


def test_contact_changes_are_recorded_with_the_user(mgr_a, customer_for):
    customer = customer_for(mgr_a)
    contact = services.create_contact(
        customer=customer, acting_user=mgr_a, name="张伟", role="electrical", mobile="13812345678"
    )
    assert contact.mobile == "+8613812345678"
    contact_id = contact.pk
    services.update_contact(contact, acting_user=mgr_a, mobile="139 0000 1111")
    services.delete_contact(contact, acting_user=mgr_a)
    rows = Contact.history.filter(id=contact_id).order_by("history_date")
    assert [(r.history_type, r.mobile, r.history_user) for r in rows] == [
        ("+", "+8613812345678", mgr_a),
        ("~", "+8613900001111", mgr_a),
        ("-", "+8613900001111", mgr_a),
    ]


def test_contact_cannot_move_to_another_customer(admin_user):
    contact = ContactFactory()
    with pytest.raises(DomainError) as excinfo:
        services.update_contact(contact, acting_user=admin_user, customer=CustomerFactory())
    assert excinfo.value.field == "customer"


def test_contact_with_a_landline_is_refused(admin_user):
    with pytest.raises(ValidationError) as excinfo:
        services.create_contact(
            customer=CustomerFactory(),
            acting_user=admin_user,
            name="李娜",
            role="finance",
            mobile="01088889999",
        )
    assert "mobile" in excinfo.value.message_dict
    assert not Contact.objects.exists()
