"""Factories and builders of the outages tests."""

import datetime as dt

import factory
from django.utils import timezone

from outages import services
from outages.models import PlannedOutage
from tests.factories import ContactFactory, CustomerFactory, SupplyPointFactory


def later(**delta) -> dt.datetime:
    return timezone.now() + dt.timedelta(**delta)


def make_outage(
    actor,
    feeders,
    *,
    kind="planned",
    start=None,
    hours=8,
    reason="10kV线路检修",
    area="开发区北片",
    override_reason="",
):
    start = start or later(days=10)
    return services.create_outage(
        acting_user=actor,
        kind=kind,
        reason=reason,
        feeders=list(feeders),
        start=start,
        end=start + dt.timedelta(hours=hours),
        area=area,
        override_reason=override_reason,
    )


def approved_outage(supervisor, feeders, **kwargs):
    outage = make_outage(supervisor, feeders, **kwargs)
    services.submit_outage(outage, acting_user=supervisor)
    return services.approve_outage(outage, acting_user=supervisor)


def supplied_customer(*feeders, region=None, contacts=1, manager=None, **fields):
    """A customer supplied from `feeders` (the first is primary) with `contacts` contacts."""
    from tests.factories import AssignmentFactory

    fields.setdefault("region", region or feeders[0].region)
    customer = CustomerFactory(**fields)
    for index, feeder in enumerate(feeders):
        SupplyPointFactory(customer=customer, feeder=feeder, is_primary=index == 0)
    for _ in range(contacts):
        ContactFactory(customer=customer)
    if manager is not None:
        AssignmentFactory(customer=customer, manager=manager)
    return customer


class OutageFactory(factory.django.DjangoModelFactory):
    """An outage in any status, for tests that start mid-workflow (no events, no impacts)."""

    class Meta:
        model = PlannedOutage
        skip_postgeneration_save = True

    reference = factory.Sequence(lambda n: f"TD2099-{n + 1:04d}")
    kind = "planned"
    reason = "变压器检修"
    area = "高新区"
    start = factory.LazyFunction(lambda: later(days=10))
    end = factory.LazyAttribute(lambda o: o.start + dt.timedelta(hours=8))
    status = "draft"

    @factory.post_generation
    def feeders(self, create, extracted, **kwargs):
        if create and extracted:
            self.feeders.set(extracted)
