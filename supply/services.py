"""What the business does with supply quality: record interruptions (imports, and the
product's own outages as they start and complete), upsert daily voltage readings, link
complaints to interruptions.

Imports are all-or-nothing unless `partial`: any bad row and nothing is written, the errors
listed per row as for bills. Interruptions are idempotent on (source, source_ref); readings
are upserted on point + day.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from common.actors import Actor, person
from common.bulk import copy_upsert
from common.errors import DomainError
from complaints.models import Category, Complaint
from customers.models import Customer, SupplyPoint
from grid.models import Feeder
from outages.models import OutageKind, PlannedOutage
from supply import policy, rows
from supply.models import (
    ComplaintLink,
    Interruption,
    InterruptionSource,
    MonitoringPoint,
    SupplyEvent,
    SupplyEventKind,
    VoltageReading,
)

INTERRUPTION_FIELDS = ("feeder_id", "customer_id", "start", "end", "cause", "planned",
                       "outage_id", "cause_cleared_at")  # fmt: skip
READING_FIELDS = ("minutes_monitored", "minutes_above", "minutes_below",
                  "max_deviation_pct", "min_deviation_pct")  # fmt: skip
COMPLAINT_CATEGORIES = (Category.POWER_QUALITY, Category.OUTAGE)


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)
    committed: bool = False
    # The rows written, by row number (API answers for one object).
    ids: dict[int, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "errors": self.errors,
        }


def _check_size(rows_in: list) -> None:
    if len(rows_in) > settings.SUPPLY_IMPORT_MAX_ROWS:
        raise DomainError(
            "too_many_rows",
            _("At most %(n)d rows per import; split it.") % {"n": settings.SUPPLY_IMPORT_MAX_ROWS},
        )


# --- interruptions ---------------------------------------------------------------------------


def import_interruptions(
    rows_in: list,
    *,
    acting_user: Actor,
    partial: bool = False,
    dry_run: bool = False,
    numbers: list[int] | None = None,
    source: str = InterruptionSource.DISPATCH,
) -> ImportResult:
    """Record interruptions from the dispatch system, idempotent on `source_ref`: a row whose
    reference is known updates that interruption (or leaves it unchanged)."""
    policy.check(acting_user, "import")
    _check_size(rows_in)
    now = timezone.now()
    result = ImportResult()
    valid, result.errors = rows.check_rows(
        rows_in, rows.clean_interruption, now=now, numbers=numbers
    )
    with transaction.atomic():
        # Imports of one source take turns from here: the references known are read under
        # the lock, so two imports of the same new reference never both create it.
        _lock_source(source)
        planned = _resolve_interruptions(valid, result, acting_user=acting_user, source=source)
        result.errors.sort(key=lambda e: (e["row"], e["field"]))
        creates, updates, unchanged = planned
        result.created, result.updated = len(creates), len(updates)
        result.unchanged = len(unchanged)
        if dry_run or (result.errors and not partial):
            if not dry_run:
                result.created = result.updated = result.unchanged = 0
            return result
        _write_interruptions(creates, updates, acting_user=acting_user)
    result.ids = {n: obj.pk for n, obj in creates + updates + unchanged}
    result.committed = True
    return result


def _lock_source(source: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [f"supply.import:{source}"])


Planned = tuple[list[tuple[int, Interruption]], ...]


def _resolve_interruptions(valid, result: ImportResult, *, acting_user, source: str) -> Planned:
    """Look up the feeders, customers, outages and known references of the valid rows (a few
    queries for the whole import) and sort the rows into creates, updates and unchanged."""
    feeders = {
        f.code: f.pk for f in Feeder.objects.filter(code__in={d["feeder"] for _n, d in valid})
    }
    customers = Customer.objects.visible_to(acting_user)
    ids = {d["customer"] for _n, d in valid if d["customer"]}
    accounts = {d["account_no"] for _n, d in valid if d["account_no"]}
    by_id = dict(customers.filter(pk__in=ids).values_list("pk", "pk"))
    by_account = dict(customers.filter(account_no__in=accounts).values_list("account_no", "pk"))
    fed = set(
        SupplyPoint.objects.filter(customer_id__in={*by_id, *by_account.values()}).values_list(
            "customer_id", "feeder_id"
        )
    )
    outages = set(
        PlannedOutage.objects.filter(
            pk__in={d["outage"] for _n, d in valid if d["outage"]}
        ).values_list("pk", flat=True)
    )
    known = {
        i.source_ref: i
        for i in Interruption.objects.filter(
            source=source, source_ref__in={d["source_ref"] for _n, d in valid}
        )
    }
    creates: list[tuple[int, Interruption]] = []
    updates: list[tuple[int, Interruption]] = []
    unchanged: list[tuple[int, Interruption]] = []
    seen: set[str] = set()
    for number, data in valid:
        try:
            values = _interruption_values(data, feeders, by_id, by_account, fed, outages, seen)
        except rows.Problem as problem:
            result.errors.append(rows.row_error(number, problem.field, problem.message))
            continue
        existing = known.get(data["source_ref"])
        if existing is None:
            creates.append((number, Interruption(source=source, **values)))
        elif any(getattr(existing, name) != values[name] for name in INTERRUPTION_FIELDS):
            for name in INTERRUPTION_FIELDS:
                setattr(existing, name, values[name])
            updates.append((number, existing))
        else:
            unchanged.append((number, existing))
    return creates, updates, unchanged


def _interruption_values(data, feeders, by_id, by_account, fed, outages, seen) -> dict:
    if data["source_ref"] in seen:
        raise rows.Problem("source_ref", _("This reference appears twice in the import."))
    seen.add(data["source_ref"])
    feeder_id = feeders.get(data["feeder"])
    if feeder_id is None:
        raise rows.Problem("feeder", _("No feeder has this code."))
    customer_id = None
    if data["customer"]:
        customer_id = by_id.get(data["customer"])
        if customer_id is None:
            raise rows.Problem("customer", _("No customer you can reach has this id."))
    elif data["account_no"]:
        customer_id = by_account.get(data["account_no"])
        if customer_id is None:
            raise rows.Problem(
                "account_no", _("No customer you can reach has this account number.")
            )
    if customer_id is not None and (customer_id, feeder_id) not in fed:
        raise rows.Problem("feeder", _("The customer is not supplied from this feeder."))
    if data["outage"] and data["outage"] not in outages:
        raise rows.Problem("outage", _("No planned outage has this id."))
    return {
        "source_ref": data["source_ref"],
        "feeder_id": feeder_id,
        "customer_id": customer_id,
        "start": data["start"],
        "end": data["end"],
        "cause": data["cause"],
        "planned": data["planned"],
        "outage_id": data["outage"],
        "cause_cleared_at": data["cause_cleared_at"],
    }


def _write_interruptions(creates, updates, *, acting_user: Actor) -> None:
    actor = person(acting_user)
    created = Interruption.objects.bulk_create([obj for _n, obj in creates], batch_size=2000)
    now = timezone.now()
    for _n, obj in updates:
        obj.updated_at = now
    Interruption.objects.bulk_update(
        [obj for _n, obj in updates],
        [name.removesuffix("_id") for name in INTERRUPTION_FIELDS] + ["updated_at"],
        batch_size=2000,
    )
    events = [
        SupplyEvent(interruption=obj, kind=SupplyEventKind.RECORDED, actor=actor,
                    data=_event_data(obj))
        for obj in created
    ] + [
        SupplyEvent(interruption=obj, kind=SupplyEventKind.UPDATED, actor=actor,
                    data=_event_data(obj))
        for _n, obj in updates
    ]  # fmt: skip
    SupplyEvent.objects.bulk_create(events, batch_size=2000)


def _event_data(obj: Interruption) -> dict[str, Any]:
    return {
        "start": obj.start.isoformat(),
        "end": obj.end.isoformat() if obj.end else None,
        "planned": obj.planned,
        "cause": obj.cause,
    }


def record_outage_progress(outage: PlannedOutage, *, action: str) -> None:
    """An outage of this product started or completed (outages.progress): one interruption
    per feeder, from its real start to its real end. Inside the outage's transaction."""
    if action == "start":
        planned = outage.kind != OutageKind.EMERGENCY
        known = set(Interruption.objects.filter(outage=outage).values_list("source_ref", flat=True))
        new = [
            Interruption(
                source=InterruptionSource.OUTAGE,
                source_ref=f"{outage.reference}/{feeder.code}",
                feeder=feeder,
                start=outage.started_at or timezone.now(),
                cause=outage.reason[:300],
                planned=planned,
                outage=outage,
            )
            for feeder in outage.feeders.all()
            if f"{outage.reference}/{feeder.code}" not in known
        ]
        created = Interruption.objects.bulk_create(new)
        SupplyEvent.objects.bulk_create(
            SupplyEvent(interruption=obj, kind=SupplyEventKind.RECORDED, data=_event_data(obj))
            for obj in created
        )
    elif action == "complete":
        # An outage started before supply was installed has no interruption yet.
        record_outage_progress(outage, action="start")
        end = outage.completed_at or timezone.now()
        ongoing = list(Interruption.objects.filter(outage=outage, end__isnull=True))
        for obj in ongoing:
            obj.end = max(end, obj.start + dt.timedelta(seconds=1))
            obj.save(update_fields=["end", "updated_at"])
        SupplyEvent.objects.bulk_create(
            SupplyEvent(interruption=obj, kind=SupplyEventKind.RESTORED, data=_event_data(obj))
            for obj in ongoing
        )


# --- voltage ----------------------------------------------------------------------------------


def import_readings(
    rows_in: list,
    *,
    acting_user: Actor,
    partial: bool = False,
    dry_run: bool = False,
    numbers: list[int] | None = None,
) -> ImportResult:
    """Upsert daily voltage readings on point + day (COPY, one statement)."""
    policy.check(acting_user, "import")
    _check_size(rows_in)
    result = ImportResult()
    valid, result.errors = rows.check_rows(
        rows_in, rows.clean_reading, now=timezone.now(), numbers=numbers
    )
    points = dict(
        MonitoringPoint.objects.visible_to(acting_user)
        .filter(code__in={d["point"] for _n, d in valid})
        .values_list("code", "pk")
    )
    owners = dict(
        MonitoringPoint.objects.filter(pk__in=points.values()).values_list("pk", "customer_id")
    )
    good: dict[tuple[int, dt.date], tuple] = {}
    for number, data in valid:
        problem = _reading_problem(data, points, owners, good)
        if problem:
            result.errors.append(rows.row_error(number, *problem))
            continue
        key = (points[data["point"]], data["day"])
        good[key] = (*key, *(data[name] for name in READING_FIELDS))
    result.errors.sort(key=lambda e: (e["row"], e["field"]))
    known = _known_readings(good)
    result.created, result.updated = len(good) - len(known), len(known)
    if dry_run or (result.errors and not partial):
        if not dry_run:
            result.created = result.updated = 0
        return result
    with transaction.atomic():
        copy_upsert(
            VoltageReading,
            ("point_id", "day", *READING_FIELDS),
            good.values(),
            key=("point_id", "day"),
            update=READING_FIELDS,
        )
    result.committed = True
    return result


def _reading_problem(data, points, owners, good) -> tuple[str, str] | None:
    point_id = points.get(data["point"])
    if point_id is None:
        return "point", _("No monitoring point you can reach has this code.")
    if data["customer"] and owners[point_id] != data["customer"]:
        return "customer", _("This monitoring point is not the customer's.")
    if (point_id, data["day"]) in good:
        return "day", _("This point and day appear twice in the import.")
    return None


def _known_readings(good: dict) -> set[tuple[int, dt.date]]:
    if not good:
        return set()
    days = [day for _point, day in good]
    existing = VoltageReading.objects.filter(
        point_id__in={point for point, _day in good}, day__gte=min(days), day__lte=max(days)
    ).values_list("point_id", "day")
    return {key for key in existing.iterator(chunk_size=20000) if key in good}


# --- complaints -----------------------------------------------------------------------------


@transaction.atomic
def link_complaint(
    complaint: Complaint, *, interruption: Interruption, acting_user: Actor
) -> ComplaintLink:
    """Link a power-quality or outage complaint to an interruption of its customer's supply."""
    policy.check(acting_user, "link_complaint")
    if complaint.category not in COMPLAINT_CATEGORIES:
        raise DomainError(
            "wrong_category",
            _("Only power-quality and outage complaints are linked to interruptions."),
            field="complaint",
        )
    feeds = SupplyPoint.objects.filter(
        customer_id=complaint.customer_id, feeder_id=interruption.feeder_id
    ).exists()
    if interruption.customer_id not in (None, complaint.customer_id) or not feeds:
        raise DomainError(
            "not_the_customers",
            _("This interruption did not affect the complaint's customer."),
            field="interruption",
        )
    link, created = ComplaintLink.objects.get_or_create(
        complaint=complaint, interruption=interruption, defaults={"linked_by": person(acting_user)}
    )
    if created:
        SupplyEvent.objects.create(
            interruption=interruption,
            kind=SupplyEventKind.LINKED,
            actor=person(acting_user),
            data={"complaint": complaint.pk, "ticket_no": complaint.ticket_no},
        )
    return link


@transaction.atomic
def unlink_complaint(link: ComplaintLink, *, acting_user: Actor) -> None:
    policy.check(acting_user, "link_complaint")
    SupplyEvent.objects.create(
        interruption_id=link.interruption_id,
        kind=SupplyEventKind.UNLINKED,
        actor=person(acting_user),
        data={"complaint": link.complaint_id},
    )
    link.delete()


# --- monitoring points ----------------------------------------------------------------------


@transaction.atomic
def create_monitoring_point(
    customer: Customer,
    *,
    code: str,
    voltage_class: str,
    name: str = "",
    feeder_code: str | None = None,
    active: bool = True,
    acting_user: Actor,
) -> MonitoringPoint:
    """A voltage monitoring point at `customer`, on its supply point from `feeder_code`."""
    policy.check(acting_user, "import")
    code = (code or "").strip()
    if MonitoringPoint.objects.filter(code=code).exists():
        raise DomainError(
            "duplicate_code", _("A monitoring point with this code exists."), field="code"
        )
    supply_point = None
    if feeder_code:
        supply_point = SupplyPoint.objects.filter(
            customer=customer, feeder__code=feeder_code
        ).first()
        if supply_point is None:
            raise DomainError(
                "not_supplied",
                _("The customer is not supplied from this feeder."),
                field="feeder",
            )
    return MonitoringPoint.objects.create(
        code=code,
        name=name,
        customer=customer,
        supply_point=supply_point,
        voltage_class=voltage_class,
        active=active,
    )
