"""Connection projects follow a handover, and their due dates follow a year entered."""

import datetime as dt

import pytest
from django.utils import timezone

from common.actors import SYSTEM
from connections import runs
from connections.models import ProjectStep
from customers.portfolios import handover_portfolio
from tests.calendar_fixtures import enter_official_calendar
from tests.connections.conftest import at

pytestmark = [pytest.mark.django_db, pytest.mark.date_sensitive]


def test_a_handover_moves_the_live_projects_with_the_portfolio(
    applicant, customer_for, mgr_a, mgr_b
):
    customer = customer_for(mgr_a)
    with at(2026, 3, 2):
        own = applicant(
            kind="increase", customer=customer, supply_scheme="hv_single", backup_feeder=None
        )
        lone = applicant()
    # The assignment began today (the real date): the handover takes effect tomorrow.
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    handover_portfolio(mgr_a, to_manager=mgr_b, effective=tomorrow, acting_user=SYSTEM)
    own.refresh_from_db()
    lone.refresh_from_db()
    assert own.manager == mgr_b and lone.manager == mgr_b
    assert own.events.filter(kind="updated").exists()


def test_due_dates_are_recomputed_when_a_year_is_entered(applicant):
    # Accepted on 20 December 2027: the dual supply plan (30 days) runs into 2028, not entered.
    with at(2027, 12, 20):
        project = applicant()
    step = ProjectStep.objects.get(project=project, step="supply_plan")
    provisional = step.due_on
    # 2028 entered with a long Spring Festival: the due date moves later.
    enter_official_calendar(
        2028,
        holidays=[dt.date(2028, 1, d) for d in range(24, 32)],
        workdays=[dt.date(2028, 1, 22)],
    )
    assert runs.recompute_due_dates(year=2028) == 1
    step.refresh_from_db()
    assert step.due_on > provisional
    assert runs.recompute_due_dates(year=2028) == 0
