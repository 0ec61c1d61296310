"""Bench data for the outage notice benchmarks: customers on ten feeders in region BENCH.

Built once per database and reused (`build_feeders` only adds the contacts that are missing);
used by `bench_outage_notify` and `bench_notice_scaleout`.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from accounts_manager.models import User
from accounts_manager.services import create_user
from common.actors import SYSTEM
from customers.models import Contact, Customer, SupplyPoint
from grid.models import Feeder, Region, Substation
from outages import services
from outages.models import PlannedOutage

FEEDERS = 10
CONTACTS_PER_CUSTOMER = 2


def bench_supervisor() -> User:
    existing = User.objects.filter(username="bench_supervisor").first()
    return existing or create_user(
        username="bench_supervisor", password=None, role="supervisor", acting_user=SYSTEM
    )


def approved_outage(feeders: list[Feeder], *, area: str = "BENCH") -> PlannedOutage:
    """A planned outage over `feeders` ten days ahead, submitted and approved."""
    start = timezone.now() + dt.timedelta(days=10)
    outage = services.create_outage(
        acting_user=SYSTEM,
        kind="planned",
        reason="性能测试",
        feeders=feeders,
        start=start,
        end=start + dt.timedelta(hours=4),
        area=area,
    )
    services.submit_outage(outage, acting_user=SYSTEM)
    # Approval is a supervisor's decision alone, even for a bench outage.
    return services.approve_outage(outage, acting_user=bench_supervisor())


@transaction.atomic
def build_feeders(contacts: int) -> list[Feeder]:
    region, _ = Region.objects.get_or_create(code="BENCH", defaults={"name": "性能测试区"})
    substation, _ = Substation.objects.get_or_create(
        code="BENCH-SS", defaults={"name": "性能测试变", "region": region}
    )
    feeders = [
        Feeder.objects.get_or_create(
            code=f"BENCH-F{i:02d}",
            defaults={"name": f"10kV测试{i}线", "substation": substation, "region": region},
        )[0]
        for i in range(1, FEEDERS + 1)
    ]
    have = Contact.objects.filter(customer__region=region, receives_outage_notices=True).count()
    if have >= contacts:
        return feeders
    customers_needed = -(-(contacts - have) // CONTACTS_PER_CUSTOMER)
    offset = Customer.objects.filter(region=region).count()
    new = Customer.objects.bulk_create(
        [
            Customer(
                account_no=f"BENCH{offset + i:08d}",
                name=f"性能测试客户{offset + i}",
                credit_code=f"91BENCH{offset + i:011d}"[:18],
                segment="industrial",
                importance="normal",
                voltage_kv=Decimal("10"),
                contract_capacity_kva=Decimal("1000"),
                tariff="two_part",
                region=region,
            )
            for i in range(customers_needed)
        ],
        batch_size=1000,
    )
    SupplyPoint.objects.bulk_create(
        [
            SupplyPoint(customer=c, feeder=feeders[i % FEEDERS], is_primary=True)
            for i, c in enumerate(new)
        ],
        batch_size=1000,
    )
    Contact.objects.bulk_create(
        [
            Contact(
                customer=c,
                name=f"联系人{c.pk}-{j}",
                role="electrical",
                mobile=f"+86139{(c.pk * CONTACTS_PER_CUSTOMER + j) % 10**8:08d}",
                preferred_channel="sms",
            )
            for c in new
            for j in range(CONTACTS_PER_CUSTOMER)
        ][: contacts - have],
        batch_size=1000,
    )
    return feeders
