"""Writes to the grid register (substations and feeders), shared by the API and the admin."""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction

from common.roles import check_role
from customers.models import Region
from outages.models import Feeder, Substation
from outages.permissions import GRID_WRITERS


def _check(acting_user) -> None:
    if acting_user is not None:
        check_role(acting_user, GRID_WRITERS)


@transaction.atomic
def create_substation(
    *,
    code: str,
    name: str,
    region: Region,
    voltage_kv: Decimal | None = None,
    acting_user=None,
) -> Substation:
    """Add a substation (administrators and provisioning clients)."""
    _check(acting_user)
    fields = {"code": code, "name": name, "region": region}
    if voltage_kv is not None:
        fields["voltage_kv"] = voltage_kv
    substation = Substation(**fields)
    substation.full_clean()
    substation.save()
    return substation


@transaction.atomic
def create_feeder(
    *, code: str, name: str, substation: Substation, region: Region, acting_user=None
) -> Feeder:
    """Add a feeder (administrators and provisioning clients)."""
    _check(acting_user)
    feeder = Feeder(code=code, name=name, substation=substation, region=region)
    feeder.full_clean()
    feeder.save()
    return feeder
