"""The threshold scan: proactive follow-ups once per episode, set-based, frozen clock."""

import pytest
import time_machine

from accounts_manager.models import FollowUp
from common.actors import SYSTEM
from supply import alerts, selectors, services
from supply.models import QualityEpisode
from tests.factories import CustomerFactory, SupplyPointFactory
from tests.supply.conftest import local

pytestmark = pytest.mark.django_db


def faults(record, feeder, n, *, day=1, minutes=10, prefix="F"):
    for index in range(n):
        start = local(2026, 11, day + index, 8)
        record(f"{prefix}{index}", feeder, start, start.replace(minute=minutes))


def supply_followups(customer):
    return FollowUp.objects.filter(customer=customer, kind="supply_quality")


def test_three_fault_interruptions_raise_one_followup_with_the_figures(
    clock, single, grid, record, mgr_a
):
    faults(record, grid["e1"], 3)
    result = alerts.scan_supply_quality()
    assert result.opened == 1
    followup = supply_followups(single).get()
    assert followup.manager == mgr_a
    assert "3" in followup.summary and "90" in followup.summary
    episode = QualityEpisode.objects.get()
    assert (episode.rule, episode.figures) == ("faults", {"fault": 3, "days": 90})
    assert followup.source == f"supply:faults:{episode.pk}"


def test_two_faults_are_not_enough(clock, single, grid, record):
    faults(record, grid["e1"], 2)
    assert alerts.scan_supply_quality().opened == 0
    assert not supply_followups(single).exists()


def test_a_second_run_in_the_same_episode_raises_nothing_even_once_the_followup_is_done(
    clock, single, grid, record
):
    faults(record, grid["e1"], 3)
    alerts.scan_supply_quality()
    supply_followups(single).update(status="done")
    faults(record, grid["e1"], 1, day=10, prefix="G")
    assert alerts.scan_supply_quality().opened == 0
    assert supply_followups(single).count() == 1


def test_a_new_episode_after_the_account_was_back_under(single, grid, record):
    with time_machine.travel(local(2026, 11, 20, 10), tick=False):
        faults(record, grid["e1"], 3)
        alerts.scan_supply_quality()
    with time_machine.travel(local(2027, 3, 1, 10), tick=False):
        assert alerts.scan_supply_quality().closed == 1
        faults(record, grid["e1"], 3, day=1, prefix="N")  # in 2026-11: outside 90 days
        for index in range(3):
            start = local(2027, 2, 20 + index, 8)
            record(f"M{index}", grid["e1"], start, start.replace(minute=5))
        assert alerts.scan_supply_quality().opened == 1
    assert supply_followups(single).count() == 2


def test_more_than_120_minutes_off_in_30_days(clock, single, grid, record):
    record("L1", grid["e1"], local(2026, 11, 2, 8), local(2026, 11, 2, 10), planned=True)
    assert alerts.scan_supply_quality().opened == 0
    record("L2", grid["e1"], local(2026, 11, 3, 8), local(2026, 11, 3, 8, 1), planned=True)
    assert alerts.scan_supply_quality().opened == 1
    assert QualityEpisode.objects.get().rule == "minutes_off"


def test_a_dual_supply_customer_is_not_alerted_for_one_supply(clock, dual, grid, record):
    faults(record, grid["e1"], 3)
    assert alerts.scan_supply_quality().opened == 0


def test_a_low_voltage_pass_rate_last_month(clock, single, point):
    rows = [
        {
            "point": "VM-001",
            "day": f"2026-10-{day:02d}",
            "minutes_monitored": 1440,
            "minutes_above": 100,
            "minutes_below": 0,
            "max_deviation_pct": "8.0",
            "min_deviation_pct": "-2.0",
        }
        for day in range(1, 11)
    ]
    services.import_readings(rows, acting_user=SYSTEM)
    alerts.scan_supply_quality()
    episode = QualityEpisode.objects.get()
    assert episode.rule == "voltage"
    assert episode.figures == {"pass_rate": 93.06, "month": "2026-10"}


def test_closed_customers_are_not_alerted(clock, single, grid, record):
    single.status = "closed"
    single.save(update_fields=["status"])
    faults(record, grid["e1"], 3)
    assert alerts.scan_supply_quality().opened == 0


def test_the_scan_takes_the_same_queries_for_more_customers(
    clock, grid, record, django_assert_max_num_queries
):
    for _n in range(6):
        SupplyPointFactory(customer=CustomerFactory(region=grid["e1"].region), feeder=grid["e1"])
    with django_assert_max_num_queries(12):
        alerts.scan_supply_quality()


def test_a_manager_may_not_run_the_scan(clock, mgr_a):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        alerts.scan_supply_quality(acting_user=mgr_a)


def test_supervisors_see_the_open_episodes_of_their_region(
    clock, single, west_customer, grid, record, sup_east, mgr_c
):
    faults(record, grid["e1"], 3)
    faults(record, grid["w1"], 3, prefix="W")
    alerts.scan_supply_quality()
    assert [e.customer for e in alerts.open_episodes_for(sup_east)] == [single]
    assert [e.customer for e in alerts.open_episodes_for(mgr_c)] == [west_customer]


def test_important_customers_without_a_generator_on_frequent_fault_feeders(
    clock, grid, record, sup_all
):
    exposed = CustomerFactory(
        importance="level1", has_backup_generator=False, region=grid["e1"].region
    )
    covered = CustomerFactory(
        importance="level1", has_backup_generator=True, region=grid["e1"].region
    )
    ordinary = CustomerFactory(importance="normal", region=grid["e1"].region)
    elsewhere = CustomerFactory(importance="special", region=grid["e2"].region)
    for customer in (exposed, covered, ordinary):
        SupplyPointFactory(customer=customer, feeder=grid["e1"], is_primary=True)
    SupplyPointFactory(customer=elsewhere, feeder=grid["e2"], is_primary=True)
    faults(record, grid["e1"], 3)
    assert list(selectors.exposed_important_customers(sup_all)) == [exposed]
