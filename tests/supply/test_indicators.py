"""The indicators at their edges: dual supply, overlapping interruptions, month boundaries,
interruptions still going on, feeders."""

import pytest

from supply import selectors
from supply.selectors import Period
from tests.supply.conftest import local

pytestmark = pytest.mark.django_db


def report(customer):
    return selectors.customer_report(customer, months=12)


def month(rep, key):
    return next(row for row in rep.monthly if row.key == key)


def test_a_customer_never_cut_has_full_availability(clock, single):
    rep = report(single)
    assert rep.total.interruptions == 0
    assert rep.total.minutes_off == 0
    assert rep.total.availability == 1
    assert len(rep.monthly) == 12
    assert rep.monthly[0].key == "2025-12" and rep.monthly[-1].key == "2026-11"


def test_a_feeder_wide_fault_counts_for_its_customers(clock, single, grid, record):
    record("D-1", grid["e1"], local(2026, 10, 3, 8), local(2026, 10, 3, 9, 30), cause="雷击")
    rep = report(single)
    assert (rep.total.interruptions, rep.total.fault, rep.total.planned) == (1, 1, 0)
    assert rep.total.minutes_off == 90
    assert rep.total.longest_minutes == 90
    october = month(rep, "2026-10")
    assert october.minutes_off == 90
    assert october.availability == pytest.approx(1 - 90 / (31 * 24 * 60))


def test_overlapping_interruptions_are_merged(clock, single, grid, record):
    record("D-1", grid["e1"], local(2026, 10, 3, 8), local(2026, 10, 3, 10), planned=True)
    record("D-2", grid["e1"], local(2026, 10, 3, 9), local(2026, 10, 3, 11))
    rep = report(single)
    # One stretch of 3 hours, a fault because a fault contributed to it.
    assert (rep.total.interruptions, rep.total.fault, rep.total.planned) == (1, 1, 0)
    assert rep.total.minutes_off == 180


def test_a_dual_supply_customer_is_off_only_while_both_supplies_are(clock, dual, grid, record):
    record("D-1", grid["e1"], local(2026, 10, 3, 8), local(2026, 10, 3, 12))
    record("D-2", grid["e2"], local(2026, 10, 3, 11), local(2026, 10, 3, 14))
    record("D-3", grid["e2"], local(2026, 10, 5, 8), local(2026, 10, 5, 9))
    rep = report(dual)
    assert rep.total.interruptions == 1
    assert rep.total.minutes_off == 60


def test_another_customers_own_interruption_does_not_count(clock, single, dual, grid, record):
    record("D-1", grid["e1"], local(2026, 10, 3, 8), local(2026, 10, 3, 9), customer=dual.pk)
    assert report(single).total.interruptions == 0
    # dual is still supplied from E2.
    assert report(dual).total.interruptions == 0


def test_a_customers_own_interruption_counts(clock, single, grid, record):
    record("D-1", grid["e1"], local(2026, 10, 3, 8), local(2026, 10, 3, 9), customer=single.pk)
    assert report(single).total.minutes_off == 60


def test_an_interruption_across_a_month_boundary_is_split(clock, single, grid, record):
    record("D-1", grid["e1"], local(2026, 10, 31, 23), local(2026, 11, 1, 1))
    rep = report(single)
    assert month(rep, "2026-10").minutes_off == 60
    assert month(rep, "2026-11").minutes_off == 60
    assert month(rep, "2026-10").interruptions == month(rep, "2026-11").interruptions == 1
    assert rep.total.interruptions == 1
    assert rep.total.minutes_off == 120


def test_an_interruption_still_going_on_counts_up_to_now(clock, single, grid, record):
    record("D-1", grid["e1"], local(2026, 11, 20, 9))
    rep = report(single)
    assert rep.total.minutes_off == 60
    # The current month ends now: its availability is over the minutes elapsed.
    elapsed = (19 * 24 + 10) * 60
    assert month(rep, "2026-11").availability == pytest.approx(1 - 60 / elapsed)


def test_interruptions_before_the_window_are_left_out(clock, single, grid, record):
    record("D-1", grid["e1"], local(2025, 11, 30, 22), local(2025, 12, 1, 2))
    rep = report(single)
    assert rep.total.minutes_off == 120  # only the part from 2025-12-01 00:00


def test_every_customers_figures_take_one_query(
    clock, single, dual, grid, record, django_assert_num_queries
):
    record("D-1", grid["e1"], local(2026, 10, 3, 8), local(2026, 10, 3, 9))
    periods = [Period("p", local(2026, 10, 1), local(2026, 11, 1))]
    with django_assert_num_queries(1):
        figures = selectors.interruption_figures(periods)
    assert figures[(single.pk, "p")].minutes_off == 60
    assert (dual.pk, "p") not in figures


def test_feeder_figures_count_every_interruption_on_the_feeder(clock, single, grid, record):
    record("D-1", grid["e1"], local(2026, 10, 3, 8), local(2026, 10, 3, 9))
    record("D-2", grid["e1"], local(2026, 10, 4, 8), local(2026, 10, 4, 8, 30), planned=True,
           customer=single.pk)  # fmt: skip
    periods = [Period("p", local(2026, 10, 1), local(2026, 11, 1))]
    figures = selectors.interruption_figures(periods, per="feeder")
    row = figures[(grid["e1"].pk, "p")]
    assert (row.interruptions, row.fault, row.planned, row.minutes_off) == (2, 1, 1, 90)
