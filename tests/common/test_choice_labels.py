"""get_<field>_display() through common.models.choice_label answers what Django's does."""

import pytest
from django.db.models import Model
from django.utils import translation

from customers.models import Customer

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize("field", ["importance", "segment", "status", "risk_level"])
def test_same_label_as_django_in_each_language(customer_for, mgr_a, field, language):
    customer = customer_for(mgr_a, risk_level="high")
    model_field = Customer._meta.get_field(field)
    with translation.override(language):
        ours = getattr(customer, f"get_{field}_display")()
        djangos = Model._get_FIELD_display(customer, model_field)
    assert ours == djangos
    assert isinstance(ours, str)


def test_a_value_outside_the_choices_is_shown_as_it_is(customer_for, mgr_a):
    customer = customer_for(mgr_a)
    customer.importance = "bogus"
    assert customer.get_importance_display() == "bogus"
    customer.risk_level = None
    assert customer.get_risk_level_display() is None
