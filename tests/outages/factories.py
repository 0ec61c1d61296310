"""Factories and builders of the outages tests."""

import datetime as dt

from django.utils import timezone

from outages import services
from tests.factories import ContactFactory, CustomerFactory, SupplyPointFactory


def later(**delta) -> dt.datetime:
    return timezone.now() + dt.timedelta(**delta)


def make_outage(actor, feeders, *, kind="planned", start=None, hours=8, reason="10kV线路检修",
                area="开发区北片", override_reason=""):
    start = start or later(days=10)
    return services.create_outage(
        acting_user=actor, kind=kind, reason=reason, feeders=list(feeders), start=start,
        end=start + dt.timedelta(hours=hours), area=area, override_reason=override_reason,
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
