"""Rules of one customer row, its constraints, and its history."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from customers.models import Contact, Customer, SupplyPoint
from tests.factories import ContactFactory, CustomerFactory, FeederFactory, SupplyPointFactory

pytestmark = pytest.mark.django_db


def test_clean_normalises_a_lowercase_credit_code():
    customer = CustomerFactory.build(
        credit_code="91110108ma01abcd1e", region=CustomerFactory().region
    )
    customer.clean()
    assert customer.credit_code == "91110108MA01ABCD1E"


def test_old_code_failing_its_check_character_is_refused_without_an_override():
    customer = CustomerFactory.build(credit_code="91110108MA01ABCD1F")
    with pytest.raises(ValidationError) as excinfo:
        customer.clean()
    assert "credit_code" in excinfo.value.message_dict


def test_old_code_failing_its_check_character_is_accepted_with_a_recorded_override():
    customer = CustomerFactory.build(
        credit_code="91110108MA01ABCD1F",
        credit_code_override="2015年前旧证，工商档案核实",
    )
    customer.clean()


@pytest.mark.parametrize("code", ["91110108MA01ABCD1", "91110108MA01ABCDIE"])
def test_override_does_not_excuse_a_malformed_code(code):
    customer = CustomerFactory.build(credit_code=code, credit_code_override="旧证")
    with pytest.raises(ValidationError) as excinfo:
        customer.clean()
    assert "credit_code" in excinfo.value.message_dict


@pytest.mark.parametrize(
    ("has_generator", "capacity", "ok"),
    [
        (True, Decimal("500"), True),
        (False, None, True),
        (True, None, False),
        (False, Decimal("500"), False),
    ],
)
def test_generator_capacity_goes_with_having_a_generator(has_generator, capacity, ok):
    customer = CustomerFactory.build(
        has_backup_generator=has_generator, backup_capacity_kw=capacity
    )
    if ok:
        customer.clean()
    else:
        with pytest.raises(ValidationError) as excinfo:
            customer.clean()
        assert "backup_capacity_kw" in excinfo.value.message_dict


def test_database_refuses_a_capacity_without_a_generator():
    customer = CustomerFactory()
    customer.backup_capacity_kw = Decimal("100")
    with pytest.raises(IntegrityError), transaction.atomic():
        customer.save(update_fields=["backup_capacity_kw"])


def test_account_number_is_unique_in_the_database():
    CustomerFactory(account_no="3100000001")
    with pytest.raises(IntegrityError), transaction.atomic():
        CustomerFactory(account_no="3100000001")


def test_database_keeps_one_primary_supply_point_per_customer():
    customer = CustomerFactory()
    SupplyPointFactory(customer=customer, is_primary=True)
    with pytest.raises(IntegrityError), transaction.atomic():
        SupplyPointFactory(customer=customer, is_primary=True)
    SupplyPointFactory(customer=customer, is_primary=False)  # a second, backup supply
    assert customer.supply_points.count() == 2


def test_database_refuses_the_same_feeder_twice_for_a_customer():
    customer = CustomerFactory()
    feeder = FeederFactory()
    SupplyPointFactory(customer=customer, feeder=feeder, is_primary=True)
    with pytest.raises(IntegrityError), transaction.atomic():
        SupplyPointFactory(customer=customer, feeder=feeder, is_primary=False)


def test_contact_clean_normalises_the_mobile_to_e164():
    contact = ContactFactory.build(customer=CustomerFactory(), mobile="138 1234 5678")
    contact.clean()
    assert contact.mobile == "+8613812345678"


@pytest.mark.parametrize(
    ("channel", "mobile", "email", "field"),
    [
        ("sms", "", "a@example.com", "mobile"),
        ("email", "13812345678", "", "email"),
        ("sms", "01088889999", "", "mobile"),
    ],
)
def test_contact_needs_an_address_for_its_preferred_channel(channel, mobile, email, field):
    contact = ContactFactory.build(
        customer=CustomerFactory(), preferred_channel=channel, mobile=mobile, email=email
    )
    with pytest.raises(ValidationError) as excinfo:
        contact.clean()
    assert field in excinfo.value.message_dict


def test_every_change_to_a_customer_is_kept_in_its_history(admin_user):
    customer = CustomerFactory(name="旧名称有限公司")
    customer.name = "新名称有限公司"
    customer._history_user = admin_user
    customer.save(update_fields=["name", "updated_at"])
    history = list(customer.history.order_by("history_date"))
    assert [h.history_type for h in history] == ["+", "~"]
    assert [h.name for h in history] == ["旧名称有限公司", "新名称有限公司"]
    delta = history[1].diff_against(history[0])
    assert [(c.field, c.old, c.new) for c in delta.changes] == [
        ("name", "旧名称有限公司", "新名称有限公司")
    ]
    assert history[1].history_user == admin_user


def test_contacts_and_supply_points_have_history_too():
    contact = ContactFactory()
    contact_id = contact.pk
    contact.delete()
    kinds = Contact.history.filter(id=contact_id).order_by("-history_date")
    assert list(kinds.values_list("history_type", flat=True)) == ["-", "+"]
    point = SupplyPointFactory()
    assert SupplyPoint.history.filter(id=point.id).count() == 1


def test_important_classes_are_flagged_as_important():
    assert CustomerFactory.build(importance="special").is_important
    assert CustomerFactory.build(importance="temporary").is_important
    assert not CustomerFactory.build(importance="normal").is_important
    assert Customer.objects.count() == 0
