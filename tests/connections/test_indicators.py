"""Connection-time indicators on the dashboard and in a manager's performance."""

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse

from common.actors import SYSTEM
from connections import services
from connections.indicators import connection_figures, manager_connection_figures
from connections.models import Project
from tests.connections.conftest import at, local

pytestmark = pytest.mark.django_db


def energize(project, days):
    """Finish every step; the supply plan takes `days` working days from Monday 2 March."""
    moment = local(2026, 3, 2)
    with at(2026, 3, 2) as traveller:
        traveller.move_to(moment + dt.timedelta(days=days + 2 * (days // 5)))
        for _ in project.step_codes[1:]:
            project = services.finish_step(project, acting_user=SYSTEM)
    return Project.objects.get(pk=project.pk)


@pytest.fixture
def projects(applicant):
    with at(2026, 3, 2):
        quick = applicant(supply_scheme="lv", voltage_kv="0.4", backup_feeder=None)
        slow = applicant(supply_scheme="lv", voltage_kv="0.4", backup_feeder=None)
        dual = applicant()
        applicant()  # stays open
    return energize(quick, 5), energize(slow, 10), energize(dual, 10)


def test_figures_per_kind_and_scheme_and_within_each_limit(projects):
    quick, slow, _dual = projects
    assert (quick.utility_working_days_final, slow.utility_working_days_final) == (5, 10)
    figures = connection_figures(
        Project.objects.all(), start=local(2026, 1, 1), end=local(2027, 1, 1)
    )
    assert figures["energized"] == 3
    assert figures["average_working_days"] == pytest.approx((5 + 10 + 10) / 3, abs=0.01)
    # LV commitment 6: the quick one only; dual (32): within.
    assert figures["within_commitment"] == pytest.approx(2 / 3, abs=0.0001)
    # The slow LV supply plan took 10 > 7 (company) and > 8 (regulator).
    assert figures["within_step_limits"] == pytest.approx(2 / 3, abs=0.0001)
    assert figures["within_regulator"] == pytest.approx(2 / 3, abs=0.0001)
    classes = {(r["kind"], r["supply_scheme"]): r for r in figures["by_class"]}
    assert classes[("new", "lv")]["average_working_days"] == 7.5
    assert classes[("new", "hv_dual")]["energized"] == 1
    assert figures["open"] == 1
    assert [row["month"] for row in figures["trend"]] == ["2026-03"]


def test_per_manager(projects, mgr_a):
    figures = manager_connection_figures(
        [mgr_a.pk], start=local(2026, 3, 1), end=local(2026, 4, 1)
    )[mgr_a.pk]
    assert figures["energized"] == 3
    assert figures["open_breached"] == 0


def test_dashboard_shows_the_indicators(projects, sup_east, api):
    client = Client()
    client.force_login(sup_east)
    # March 2026 is a past month in April (a future period is refused).
    with at(2026, 4, 10):
        page = client.get(reverse("dashboards:index") + "?period=2026-03")
        data = api(sup_east).get("/api/v1/dashboard/?period=2026-03").json()
    assert page.status_code == 200
    assert 'data-testid="dashboard-connections"' in page.content.decode()
    assert data["connections"]["energized"] == 3


def test_manager_performance_shows_connections(projects, sup_east, mgr_a):
    client = Client()
    client.force_login(sup_east)
    with at(2026, 4, 10):
        page = client.get(reverse("dashboards:manager", args=[mgr_a.pk]) + "?period=2026-03")
    assert page.status_code == 200
    assert 'data-testid="manager-connections"' in page.content.decode()
