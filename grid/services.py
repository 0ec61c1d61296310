"""Writes to the grid register (regions, substations and feeders), shared by the API and the
admin."""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction

from common.actors import Actor
from grid.models import Feeder, Region, Substation
from grid.policy import POLICY


@transaction.atomic
def create_region(*, code: str, name: str, acting_user: Actor) -> Region:
    """Add a region (administrators and provisioning clients)."""
    POLICY.check(acting_user, "create_region")
    region = Region(code=code, name=name)
    region.full_clean()
    region.save()
    return region


@transaction.atomic
def create_substation(
    *,
    code: str,
    name: str,
    region: Region,
    voltage_kv: Decimal | None = None,
    acting_user: Actor,
) -> Substation:
    """Add a substation (administrators and provisioning clients)."""
    POLICY.check(acting_user, "create_substation")
    fields = {"code": code, "name": name, "region": region}
    if voltage_kv is not None:
        fields["voltage_kv"] = voltage_kv
    substation = Substation(**fields)
    substation.full_clean()
    substation.save()
    return substation


@transaction.atomic
def create_feeder(
    *, code: str, name: str, substation: Substation, region: Region, acting_user: Actor
) -> Feeder:
    """Add a feeder (administrators and provisioning clients)."""
    POLICY.check(acting_user, "create_feeder")
    feeder = Feeder(code=code, name=name, substation=substation, region=region)
    feeder.full_clean()
    feeder.save()
    return feeder
