"""Imports of interruptions and voltage readings: validation, all-or-nothing, idempotency."""

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import PermissionDenied

from common.actors import SYSTEM
from supply import selectors, services
from supply.models import Interruption, SupplyEvent, VoltageReading
from tests.supply.conftest import local

pytestmark = pytest.mark.django_db


def row(ref="D-1", feeder="E1", **fields):
    return {
        "source_ref": ref,
        "feeder": feeder,
        "start": "2026-10-03T08:00:00+08:00",
        "end": "2026-10-03T09:00:00+08:00",
        "cause": "雷击",
        **fields,
    }


def test_a_reimport_of_the_same_rows_changes_nothing(clock, single):
    first = services.import_interruptions([row(), row("D-2")], acting_user=SYSTEM)
    again = services.import_interruptions([row(), row("D-2")], acting_user=SYSTEM)
    assert (first.created, first.updated) == (2, 0)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    assert Interruption.objects.count() == 2
    assert SupplyEvent.objects.filter(kind="recorded").count() == 2


def test_a_reimport_with_the_end_updates_the_interruption(clock, single):
    services.import_interruptions([row(end=None)], acting_user=SYSTEM)
    result = services.import_interruptions([row()], acting_user=SYSTEM)
    assert result.updated == 1
    interruption = Interruption.objects.get()
    assert interruption.end == local(2026, 10, 3, 9)
    assert interruption.events.filter(kind="updated").exists()


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"feeder": "NOPE"}, "feeder"),
        ({"start": "yesterday"}, "start"),
        ({"end": "2026-10-03T07:00:00+08:00"}, "end"),
        ({"start": "2026-12-03T07:00:00+08:00", "end": None}, "start"),
        ({"planned": "maybe"}, "planned"),
        ({"customer": 999999}, "customer"),
        ({"source_ref": ""}, "source_ref"),
        ({"outage": 424242}, "outage"),
        ({"cause_cleared_at": "2026-10-03T07:00:00+08:00"}, "cause_cleared_at"),
    ],
)
def test_a_bad_row_is_refused_and_nothing_is_written(clock, single, fields, field):
    result = services.import_interruptions([row("OK"), row(**fields)], acting_user=SYSTEM)
    assert [(e["row"], e["field"]) for e in result.errors] == [(2, field)]
    assert not result.committed
    assert Interruption.objects.count() == 0


def test_partial_writes_the_good_rows(clock, single):
    result = services.import_interruptions(
        [row("OK"), row(feeder="NOPE")], acting_user=SYSTEM, partial=True
    )
    assert result.committed and result.created == 1
    assert Interruption.objects.count() == 1


def test_the_same_reference_twice_in_one_import_is_refused(clock, single):
    result = services.import_interruptions([row(), row()], acting_user=SYSTEM)
    assert [(e["row"], e["field"]) for e in result.errors] == [(2, "source_ref")]


def test_a_customer_not_on_the_feeder_is_refused(clock, single, west_customer):
    result = services.import_interruptions(
        [row(customer=single.pk, feeder="W1")], acting_user=SYSTEM
    )
    assert result.errors[0]["field"] == "feeder"


def test_a_supervisor_cannot_name_a_customer_outside_the_region(
    clock, single, west_customer, sup_east
):
    result = services.import_interruptions(
        [row(customer=west_customer.pk, feeder="W1")], acting_user=sup_east
    )
    assert result.errors[0]["field"] == "customer"


def test_a_manager_may_not_import(clock, single, mgr_a):
    with pytest.raises(PermissionDenied):
        services.import_interruptions([row()], acting_user=mgr_a)


# --- the product's own outages -------------------------------------------------------------


def test_an_outage_is_recorded_when_it_starts_and_completes(single, grid, sup_east):
    from outages import services as outages
    from tests.outages.factories import make_outage

    start = local(2026, 11, 30, 8)
    import time_machine

    with time_machine.travel(local(2026, 11, 20, 10), tick=False):
        outage = make_outage(sup_east, [grid["e1"], grid["e2"]], start=start, hours=4)
        outages.submit_outage(outage, acting_user=sup_east)
        outages.approve_outage(outage, acting_user=sup_east)
        outages.notify_outage(outage, acting_user=sup_east)
    with time_machine.travel(local(2026, 11, 30, 8, 5), tick=False):
        outages.start_outage(outage, acting_user=sup_east)
    recorded = Interruption.objects.filter(outage=outage)
    assert recorded.count() == 2
    assert all(i.planned and i.end is None for i in recorded)
    assert {i.start for i in recorded} == {local(2026, 11, 30, 8, 5)}
    with time_machine.travel(local(2026, 11, 30, 11, 35), tick=False):
        outages.complete_outage(outage, acting_user=sup_east)
        rep = selectors.customer_report(single, months=1)
    assert {i.end for i in recorded.all()} == {local(2026, 11, 30, 11, 35)}
    assert rep.total.minutes_off == 210
    assert rep.total.planned == 1


# --- voltage -------------------------------------------------------------------------------


def reading(day="2026-11-01", **fields):
    return {
        "point": "VM-001",
        "day": day,
        "minutes_monitored": 1440,
        "minutes_above": 30,
        "minutes_below": 42,
        "max_deviation_pct": "7.80",
        "min_deviation_pct": "-8.10",
        **fields,
    }


def test_readings_upsert_on_point_and_day(clock, point):
    first = services.import_readings([reading(), reading("2026-11-02")], acting_user=SYSTEM)
    again = services.import_readings([reading(minutes_above=0)], acting_user=SYSTEM)
    assert (first.created, first.updated) == (2, 0)
    assert (again.created, again.updated) == (0, 1)
    assert VoltageReading.objects.count() == 2
    assert VoltageReading.objects.get(day=dt.date(2026, 11, 1)).minutes_above == 0


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"point": "VM-404"}, "point"),
        ({"day": "2026-11-20"}, "day"),  # today has not ended
        ({"day": "01/11/2026"}, "day"),
        ({"minutes_monitored": 1441}, "minutes_monitored"),
        ({"minutes_above": 1000, "minutes_below": 1000}, "minutes_above"),
        ({"max_deviation_pct": "abc"}, "max_deviation_pct"),
        ({"min_deviation_pct": "9"}, "min_deviation_pct"),
        ({"customer": 1}, "customer"),
    ],
)
def test_a_bad_reading_is_refused_and_nothing_is_written(clock, point, fields, field):
    result = services.import_readings(
        [reading("2026-11-02"), reading(**fields)], acting_user=SYSTEM
    )
    assert [(e["row"], e["field"]) for e in result.errors] == [(2, field)]
    assert VoltageReading.objects.count() == 0


def test_a_point_and_day_twice_in_one_import_is_refused(clock, point):
    result = services.import_readings([reading(), reading()], acting_user=SYSTEM)
    assert [(e["row"], e["field"]) for e in result.errors] == [(2, "day")]


def test_the_pass_rate_counts_minutes_within_the_limits(clock, point, single):
    services.import_readings(
        [reading("2026-10-01"), reading("2026-10-02", minutes_above=0, minutes_below=0)],
        acting_user=SYSTEM,
    )
    rep = selectors.customer_report(single, months=12)
    october = next(r for r in rep.monthly if r.key == "2026-10")
    assert october.voltage_pass_rate == pytest.approx((2880 - 72) / 2880)
    assert rep.total.voltage_pass_rate == pytest.approx((2880 - 72) / 2880)


def test_a_point_that_sent_nothing_is_reported_not_passing(clock, point, single):
    from supply.models import MonitoringPoint

    MonitoringPoint.objects.create(code="VM-002", customer=single, voltage_class="10kv")
    services.import_readings([reading("2026-10-01", minutes_above=0, minutes_below=0)],
                             acting_user=SYSTEM)  # fmt: skip
    rep = selectors.customer_report(single, months=12)
    october = next(r for r in rep.monthly if r.key == "2026-10")
    assert october.points_without_data == 1
    assert october.voltage_pass_rate == 1.0
    september = next(r for r in rep.monthly if r.key == "2026-09")
    assert september.voltage_pass_rate is None
    assert september.points_without_data == 2
    rows = selectors.point_month_rows(single.monitoring_points.all(), dt.date(2026, 10, 1))
    assert [(r["point"].code, r["days_reported"], r["days_missing"]) for r in rows] == [
        ("VM-001", 1, 30),
        ("VM-002", 0, 31),
    ]
    assert rows[1]["pass_rate"] is None


# --- restoration -----------------------------------------------------------------------------


def test_late_restorations_are_those_past_the_limit_after_the_cause_was_cleared(
    clock, single, grid, record
):
    cleared = "2026-10-03T09:00:00+08:00"
    record(
        "LATE", grid["e1"], local(2026, 10, 3, 8), local(2026, 10, 4, 10), cause_cleared_at=cleared
    )
    record(
        "OK",
        grid["e1"],
        local(2026, 10, 5, 8),
        local(2026, 10, 6, 8),
        cause_cleared_at="2026-10-05T09:00:00+08:00",
    )
    record("OPEN", grid["e1"], local(2026, 11, 18, 8), cause_cleared_at="2026-11-18T09:00:00+08:00")
    record(
        "PLANNED",
        grid["e1"],
        local(2026, 10, 7, 8),
        local(2026, 10, 9, 8),
        planned=True,
        cause_cleared_at="2026-10-07T09:00:00+08:00",
    )
    late = selectors.late_restorations()
    assert sorted(i.source_ref for i in late) == ["LATE", "OPEN"]


def test_the_pass_rate_per_feeder_counts_the_points_on_its_supply_points(
    clock, point, single, grid
):
    point.supply_point = single.supply_points.get()
    point.save(update_fields=["supply_point"])
    services.import_readings([reading("2026-10-01")], acting_user=SYSTEM)
    by_feeder = selectors.voltage_by_month(
        dt.date(2026, 10, 1),
        dt.date(2026, 10, 31),
        feeder_ids=[grid["e1"].pk],
        by="point__supply_point__feeder_id",
    )
    assert by_feeder == {(grid["e1"].pk, "2026-10"): (1440, 72)}


def test_an_outage_started_before_supply_was_installed_is_recorded_when_it_completes(
    single, grid, sup_east
):
    from outages import services as outages
    from tests.outages.factories import make_outage

    with time_machine.travel(local(2026, 11, 20, 10), tick=False):
        outage = make_outage(sup_east, [grid["e1"]], start=local(2026, 11, 30, 8), hours=4)
        outages.submit_outage(outage, acting_user=sup_east)
        outages.approve_outage(outage, acting_user=sup_east)
        outages.notify_outage(outage, acting_user=sup_east)
    with time_machine.travel(local(2026, 11, 30, 8), tick=False):
        outages.start_outage(outage, acting_user=sup_east)
    Interruption.objects.all().delete()  # as if supply was not there yet
    with time_machine.travel(local(2026, 11, 30, 10), tick=False):
        outages.complete_outage(outage, acting_user=sup_east)
    interruption = Interruption.objects.get(outage=outage)
    assert (interruption.start, interruption.end) == (
        local(2026, 11, 30, 8),
        local(2026, 11, 30, 10),
    )


@pytest.mark.parametrize(
    ("voltage_class", "highest", "lowest", "outside"),
    [
        ("10kv", "7.00", "-7.00", False),
        ("10kv", "7.01", "0", True),
        ("20kv", "0", "-7.01", True),
        ("220v", "7.00", "-10.00", False),
        ("220v", "0", "-10.01", True),
        ("35kv_plus", "6.00", "-4.00", False),
        ("35kv_plus", "6.00", "-4.01", True),
    ],
)
def test_the_limits_per_voltage_class(voltage_class, highest, lowest, outside):
    from decimal import Decimal

    from supply.models import deviation_outside

    assert deviation_outside(voltage_class, Decimal(highest), Decimal(lowest)) is outside
