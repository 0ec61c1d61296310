"""Star rating: indicator points, weights, star bands at their edges, and month parsing."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from common import moments
from dashboards import performance
from dashboards.models import IndicatorWeight, PerformanceIndicator, StarBand

pytestmark = pytest.mark.django_db

D = Decimal


def rules():
    return performance.rating_rules()


def test_default_rules_are_created_by_the_data_migration():
    weights = {w.indicator: w.weight for w in IndicatorWeight.objects.all()}
    assert set(weights) == set(PerformanceIndicator.values)
    assert sum(weights.values()) == 100
    assert dict(StarBand.objects.values_list("stars", "min_score")) == {
        5: D("90.00"),
        4: D("75.00"),
        3: D("60.00"),
        2: D("40.00"),
        1: D("0.00"),
    }


@pytest.mark.parametrize(
    ("score", "stars"),
    [
        (D("100"), 5),
        (D("90.00"), 5),
        (D("89.99"), 4),
        (D("75.00"), 4),
        (D("74.99"), 3),
        (D("60.00"), 3),
        (D("59.99"), 2),
        (D("40.00"), 2),
        (D("39.99"), 1),
        (D("0"), 1),
    ],
)
def test_stars_start_exactly_at_the_lower_edge_of_their_band(score, stars):
    assert performance.stars_for(score, rules().bands) == stars


def test_a_score_below_every_band_earns_one_star():
    StarBand.objects.filter(stars=1).update(min_score=D("20"))
    assert performance.stars_for(D("10"), rules().bands) == 1


def test_bands_edited_in_the_admin_take_effect():
    StarBand.objects.filter(stars=5).update(min_score=D("95"))
    assert performance.stars_for(D("94.99"), rules().bands) == 4
    assert performance.stars_for(D("95.00"), rules().bands) == 5


@pytest.mark.parametrize(
    ("value", "points"),
    [
        (D("1.00"), D("100")),
        (D("1.20"), D("100")),  # beyond best: capped
        (D("0.90"), D("50")),
        (D("0.80"), D("0")),
        (D("0.50"), D("0")),  # beyond worst: floored
    ],
)
def test_points_grow_linearly_from_worst_to_best(value, points):
    rule = IndicatorWeight(indicator="collection_rate", weight=30, best=D("1"), worst=D("0.8"))
    assert performance.indicator_points(value, rule) == points


def test_points_of_an_indicator_where_less_is_better():
    rule = IndicatorWeight(indicator="high_risk_share", weight=15, best=D("0"), worst=D("0.1"))
    assert performance.indicator_points(D("0"), rule) == 100
    assert performance.indicator_points(D("0.025"), rule) == 75
    assert performance.indicator_points(D("0.2"), rule) == 0


def test_score_is_the_weighted_mean_of_the_indicators_with_a_value():
    ratios = {
        "collection_rate": D("0.9"),  # 50 points × 30
        "overdue_ratio": D("0"),  # 100 × 15
        "high_risk_share": None,  # nothing to measure: left out
        "complaint_sla": D("1"),  # 100 × 15
        "visit_completion": D("0.5"),  # 0 × 15
        "satisfaction": D("4"),  # 50 × 10
    }
    score, stars = performance.rate(ratios, rules())
    assert score == D("58.82")  # (1500 + 1500 + 1500 + 0 + 500) / 85
    assert stars == 2


def test_a_weight_of_zero_leaves_the_indicator_out():
    IndicatorWeight.objects.exclude(indicator="collection_rate").update(weight=0)
    score, stars = performance.rate({"collection_rate": D("1"), "satisfaction": D("1")}, rules())
    assert (score, stars) == (D("100.00"), 5)


def test_nothing_to_measure_gives_no_score_and_no_stars():
    assert performance.rate(dict.fromkeys(PerformanceIndicator.values), rules()) == (
        None,
        None,
    )


def test_best_and_worst_must_differ():
    rule = IndicatorWeight(indicator="satisfaction", weight=10, best=D("4"), worst=D("4"))
    with pytest.raises(ValidationError):
        rule.full_clean(exclude=["indicator"])


@pytest.mark.parametrize(
    "value",
    ["2025-13", "2025-6", "25-06", "abcd-ef", "1999-12", "2025-07", "２０２５-06", "2025-06-01"],
)
def test_a_bad_or_future_month_is_refused(value):
    with pytest.raises(ValidationError) as info:
        moments.parse_month(value, today=dt.date(2025, 6, 15))
    assert "period" in info.value.message_dict


def test_an_empty_month_is_the_current_one():
    assert moments.parse_month("", today=dt.date(2025, 6, 15)) == dt.date(2025, 6, 1)
    assert moments.parse_month("2025-06", today=dt.date(2025, 6, 15)) == dt.date(2025, 6, 1)
