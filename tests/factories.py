"""factory_boy factories for the whole product. Each part adds its own below its heading."""

import datetime as dt
from decimal import Decimal

import factory
from django.utils import timezone
from faker import Faker

from accounts_manager.models import FollowUp, User
from customers.models import Assignment, Contact, Customer, SupplyPoint
from customers.validators import USCC_ALPHABET  # noqa: F401
from grid.models import Feeder, Region, Substation

fake = Faker("zh_CN")
_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def make_credit_code(seed: int) -> str:
    """A valid unified social credit code derived from `seed`."""
    from stdnum.cn import uscc

    body = (
        "91"
        + f"{110000 + seed % 890000:06d}"
        + "".join(_ALPHABET[(seed * 7 + i * 13) % 31] for i in range(9))
    )
    return body + uscc.calc_check_digit(body)


# --- customers and grid ----------------------------------------------------------------------


class RegionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Region
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"R{n:02d}")
    name = factory.Sequence(lambda n: f"区域{n}")


class SubstationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Substation

    code = factory.Sequence(lambda n: f"SS{n:03d}")
    name = factory.Sequence(lambda n: f"{n}号变电站")
    region = factory.SubFactory(RegionFactory)


class FeederFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Feeder

    code = factory.Sequence(lambda n: f"F{n:04d}")
    name = factory.Sequence(lambda n: f"{n}线")
    substation = factory.SubFactory(SubstationFactory)
    region = factory.SelfAttribute("substation.region")


class CustomerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Customer

    account_no = factory.Sequence(lambda n: f"31{n:08d}")
    name = factory.Sequence(lambda n: f"测试企业{n}有限公司")
    credit_code = factory.Sequence(make_credit_code)
    segment = "industrial"
    importance = "normal"
    voltage_kv = Decimal("10")
    contract_capacity_kva = Decimal("2000")
    typical_daily_load_kw = Decimal("800")
    tariff = "two_part"
    region = factory.SubFactory(RegionFactory)
    status = "active"


class SupplyPointFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SupplyPoint

    customer = factory.SubFactory(CustomerFactory)
    feeder = factory.SubFactory(FeederFactory)
    is_primary = True


class ContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contact

    customer = factory.SubFactory(CustomerFactory)
    name = factory.Sequence(lambda n: f"联系人{n}")
    role = "electrical"
    mobile = factory.Sequence(lambda n: f"+86138{n:08d}")
    email = factory.Sequence(lambda n: f"contact{n}@example.com")
    preferred_channel = "sms"


# --- people ----------------------------------------------------------------------------------


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    name = factory.Sequence(lambda n: f"用户{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.com")
    password = factory.PostGenerationMethodCall("set_password", "pass-Word-123")

    @factory.post_generation
    def role(self, create, extracted, **kwargs):
        if extracted:
            from accounts_manager.services import set_user_role

            set_user_role(self, role=extracted)
        self.save()


class AssignmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Assignment

    customer = factory.SubFactory(CustomerFactory)
    manager = factory.SubFactory(UserFactory, role="account_manager")
    start = factory.LazyFunction(lambda: timezone.localdate() - dt.timedelta(days=30))


class FollowUpFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FollowUp

    customer = factory.SubFactory(CustomerFactory)
    manager = None
    kind = "other"
    due_at = factory.LazyFunction(lambda: timezone.now() + dt.timedelta(days=1))
    summary = factory.Sequence(lambda n: f"跟进事项{n}")
    source = factory.Sequence(lambda n: f"test:{n}")
