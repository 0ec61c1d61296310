"""The dashboard's figures in the cache (DASHBOARD_CACHE_SECONDS): the same figures, fewer
queries, one entry per viewer scope, and a refresh of the money figures shows at once."""

import datetime as dt

import pytest
from django.core.cache import cache
from django.urls import reverse

from dashboards import summaries
from tests.dashboards.test_dashboard import world  # noqa: F401  (the fixture)

pytestmark = pytest.mark.django_db


@pytest.fixture
def cached(settings):
    settings.DASHBOARD_CACHE_SECONDS = 30
    cache.clear()
    yield
    cache.clear()


def test_a_cached_answer_is_the_computed_one_in_seven_queries(
    world,  # noqa: F811
    cached,
    client,
    sup_east,
    django_assert_num_queries,
):
    client.force_login(sup_east)
    computed = client.get(reverse("dashboards:index")).context["figures"]
    # session, user, role, the form's regions, the supervisor's region, the summary markers,
    # unread notices
    with django_assert_num_queries(7):
        response = client.get(reverse("dashboards:index"))
    assert response.context["figures"] == computed


def test_the_api_answers_the_cached_figures_too(world, cached, api, sup_east):  # noqa: F811
    first = api(sup_east).get("/api/v1/dashboard/").json()
    again = api(sup_east).get("/api/v1/dashboard/").json()
    assert again == first


def test_each_viewer_scope_has_its_own_entry(
    world,  # noqa: F811
    cached,
    api,
    sup_east,
    admin_user,
):
    east = api(sup_east).get("/api/v1/dashboard/").json()
    everything = api(admin_user).get("/api/v1/dashboard/").json()
    assert east["region"] == "EAST"
    assert everything["region"] is None
    assert everything["arrears"]["total"] != east["arrears"]["total"]


def test_a_refresh_of_the_money_figures_is_a_new_entry(
    world,  # noqa: F811
    cached,
    api,
    sup_east,
    pay,
    clock,
):
    before = api(sup_east).get("/api/v1/dashboard/").json()
    pay(world["small"], 800, day="2025-06-16")
    assert api(sup_east).get("/api/v1/dashboard/").json() == before  # within the TTL
    clock("2025-06-16 10:05")
    summaries.refresh_portfolio_summary(dt.date(2025, 6, 1))
    after = api(sup_east).get("/api/v1/dashboard/").json()
    assert after["arrears"]["collected"] != before["arrears"]["collected"]


def test_no_cache_when_the_ttl_is_zero(world, settings, client, sup_east):  # noqa: F811
    settings.DASHBOARD_CACHE_SECONDS = 0
    cache.clear()
    client.force_login(sup_east)
    client.get(reverse("dashboards:index"))
    response = client.get(reverse("dashboards:index"))
    assert len(response.context["figures"]["managers"]) == 2
