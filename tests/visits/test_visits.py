"""Visit plans, recording visits and surveys, their follow-ups, pages and API."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from accounts_manager.models import FollowUp, FollowUpStatus
from common.actors import SYSTEM
from common.errors import DomainError
from tests.dashboards.conftest import at
from tests.dashboards.factories import VisitPlanFactory
from visits import services as visits
from visits.models import SatisfactionSurvey, Visit, VisitPlan, VisitPlanStatus

pytestmark = pytest.mark.django_db

SCORES = ("supply_reliability", "power_quality", "billing", "service_attitude", "business_handling")


def survey(score=4, **overrides):
    return {**dict.fromkeys(SCORES, score), **overrides}


@pytest.mark.parametrize(
    ("day", "months", "start", "end"),
    [
        ("2025-06-15", 1, "2025-06-01", "2025-06-30"),
        ("2025-06-15", 2, "2025-05-01", "2025-06-30"),
        ("2025-06-15", 3, "2025-04-01", "2025-06-30"),
        ("2025-06-15", 6, "2025-01-01", "2025-06-30"),
        ("2025-07-01", 6, "2025-07-01", "2025-12-31"),
        ("2024-02-10", 1, "2024-02-01", "2024-02-29"),
        ("2025-12-31", 3, "2025-10-01", "2025-12-31"),
    ],
)
def test_cycles_follow_calendar_months_quarters_and_half_years(day, months, start, end):
    assert visits.cycle_for(dt.date.fromisoformat(day), months) == (
        dt.date.fromisoformat(start),
        dt.date.fromisoformat(end),
    )


def test_the_plan_gives_each_active_customer_the_cycle_of_its_importance_class(
    clock, customer_for, mgr_a
):
    clock("2025-06-15 10:00")
    customers = {
        importance: customer_for(mgr_a, importance=importance)
        for importance in ("special", "level1", "level2", "temporary", "normal")
    }
    suspended = customer_for(mgr_a, status="suspended")
    result = visits.generate_visit_plans()
    assert result["created"] == 5
    plans = {p.customer_id: p for p in VisitPlan.objects.all()}
    expected = {
        "special": ("2025-06-01", 1),
        "level1": ("2025-05-01", 2),
        "level2": ("2025-04-01", 3),
        "temporary": ("2025-01-01", 6),
        "normal": ("2025-01-01", 6),
    }
    for importance, (start, months) in expected.items():
        plan = plans[customers[importance].pk]
        assert plan.window_start == dt.date.fromisoformat(start)
        assert plan.due_date == dt.date(2025, 6, 30)
        assert plan.frequency_months == months
        assert plan.status == VisitPlanStatus.PLANNED
    assert suspended.pk not in plans


def test_generating_the_plan_again_changes_nothing(clock, customer_for, mgr_a):
    clock("2025-06-25 10:00")
    customer_for(mgr_a, importance="special")
    customer_for(mgr_a)
    first = visits.generate_visit_plans()
    assert first["created"] == 2
    assert first["followups"] == 2  # both are due on 30 June, within the lead time
    assert visits.generate_visit_plans() == {"created": 0, "cancelled": 0, "followups": 0}
    assert VisitPlan.objects.count() == 2
    assert FollowUp.objects.filter(kind="visit").count() == 2


def test_a_new_cycle_gets_a_new_plan_item(clock, customer_for, mgr_a):
    clock("2025-06-15 10:00")
    customer = customer_for(mgr_a, importance="special")
    visits.generate_visit_plans()
    clock("2025-07-01 01:15")
    assert visits.generate_visit_plans()["created"] == 1
    assert list(
        VisitPlan.objects.filter(customer=customer).values_list("window_start", flat=True)
    ) == [dt.date(2025, 6, 1), dt.date(2025, 7, 1)]


def test_visits_due_soon_or_overdue_appear_on_the_managers_day(clock, customer_for, mgr_a, client):
    clock("2025-06-15 10:00")
    soon = customer_for(mgr_a, importance="special")  # due 30 June: not yet in the queue
    overdue = customer_for(mgr_a, importance="special")
    VisitPlanFactory(
        customer=overdue, window_start=dt.date(2025, 5, 1), due_date=dt.date(2025, 5, 31)
    )
    visits.generate_visit_plans()
    followups = FollowUp.objects.filter(kind="visit")
    assert [f.customer_id for f in followups] == [overdue.pk]
    assert followups[0].manager_id == mgr_a.pk
    assert followups[0].is_overdue
    clock("2025-06-24 10:00")
    visits.generate_visit_plans()
    assert FollowUp.objects.filter(kind="visit", customer=soon).exists()
    client.force_login(mgr_a)
    page = client.get(reverse("accounts_manager:my_day")).content.decode()
    assert soon.name in page and overdue.name in page


def test_a_followup_the_manager_closed_is_not_raised_again(clock, customer_for, mgr_a):
    clock("2025-06-25 10:00")
    customer_for(mgr_a, importance="special")
    visits.generate_visit_plans()
    FollowUp.objects.filter(kind="visit").update(status=FollowUpStatus.CANCELLED)
    assert visits.generate_visit_plans()["followups"] == 0


def test_plans_of_a_customer_that_closed_are_cancelled(clock, customer_for, mgr_a):
    clock("2025-06-25 10:00")
    customer = customer_for(mgr_a, importance="special")
    visits.generate_visit_plans()
    customer.status = "closed"
    customer.save(update_fields=["status"])
    assert visits.generate_visit_plans()["cancelled"] == 1
    assert VisitPlan.objects.get(customer=customer).status == VisitPlanStatus.CANCELLED
    assert not FollowUp.objects.open().filter(kind="visit").exists()


def test_a_visit_fulfils_the_open_plan_items_and_closes_their_followups(clock, customer_for, mgr_a):
    clock("2025-06-15 10:00")
    customer = customer_for(mgr_a, importance="special")
    overdue = VisitPlanFactory(
        customer=customer, window_start=dt.date(2025, 5, 1), due_date=dt.date(2025, 5, 31)
    )
    visits.generate_visit_plans()
    current = VisitPlan.objects.get(customer=customer, window_start=dt.date(2025, 6, 1))
    future = VisitPlanFactory(
        customer=customer, window_start=dt.date(2025, 7, 1), due_date=dt.date(2025, 7, 31)
    )
    visit = visits.record_visit(
        customer,
        manager=mgr_a,
        visited_at=at("2025-06-15", 9),
        kind="routine",
        outcome="completed",
        acting_user=mgr_a,
    )
    for plan in (overdue, current, future):
        plan.refresh_from_db()
    assert (overdue.status, overdue.done_on, overdue.visit_id) == (
        "done",
        dt.date(2025, 6, 15),
        visit.pk,
    )
    assert not overdue.done_on_time
    assert current.status == "done" and current.done_on_time
    assert future.status == "planned"
    assert not FollowUp.objects.open().filter(kind="visit").exists()


def test_a_visit_where_nobody_was_met_fulfils_no_plan(clock, customer_for, mgr_a):
    clock("2025-06-15 10:00")
    customer = customer_for(mgr_a, importance="special")
    visits.generate_visit_plans()
    visits.record_visit(
        customer,
        manager=mgr_a,
        visited_at=at("2025-06-15", 9),
        kind="routine",
        outcome="not_met",
        acting_user=SYSTEM,
    )
    assert VisitPlan.objects.get(customer=customer).status == "planned"


def test_a_survey_is_kept_with_its_visit(clock, customer_for, mgr_a):
    clock("2025-06-15 10:00")
    customer = customer_for(mgr_a)
    visit = visits.record_visit(
        customer,
        manager=mgr_a,
        visited_at=at("2025-06-15", 9),
        kind="satisfaction_survey",
        outcome="completed",
        survey=survey(4, billing=5, respondent="张经理"),
        acting_user=SYSTEM,
    )
    saved = SatisfactionSurvey.objects.get(visit=visit)
    assert saved.customer_id == customer.pk
    assert saved.overall == Decimal("4.20")
    assert saved.respondent == "张经理"


def test_a_low_score_opens_a_satisfaction_followup(clock, customer_for, mgr_a):
    clock("2025-06-15 10:00")
    customer = customer_for(mgr_a)
    visits.record_visit(
        customer,
        manager=mgr_a,
        visited_at=at("2025-06-15", 9),
        kind="routine",
        outcome="completed",
        survey=survey(4, billing=2),
        acting_user=SYSTEM,
    )
    followup = FollowUp.objects.get(kind="satisfaction", customer=customer)
    assert followup.manager_id == mgr_a.pk


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"kind": "satisfaction_survey"}, "survey"),
        ({"outcome": "not_met", "survey": survey()}, "survey"),
        ({"visited_at": at("2025-06-16", 9)}, "visited_at"),
        ({"kind": "party"}, "kind"),
    ],
)
def test_a_visit_that_makes_no_sense_is_refused(clock, customer_for, mgr_a, fields, field):
    clock("2025-06-15 10:00")
    values = {
        "manager": mgr_a,
        "visited_at": at("2025-06-15", 9),
        "kind": "routine",
        "outcome": "completed",
        "acting_user": SYSTEM,
        **fields,
    }
    with pytest.raises(DomainError) as info:
        visits.record_visit(customer_for(mgr_a), **values)
    assert info.value.field == field
    assert not Visit.objects.exists()


def test_a_survey_score_out_of_range_is_refused(clock, customer_for, mgr_a):
    clock("2025-06-15 10:00")
    with pytest.raises(ValidationError):
        visits.record_visit(
            customer_for(mgr_a),
            manager=mgr_a,
            visited_at=at("2025-06-15"),
            kind="routine",
            outcome="completed",
            survey=survey(6),
            acting_user=SYSTEM,
        )
    assert not Visit.objects.exists()


def test_a_manager_records_only_their_own_visits(clock, customer_for, mgr_a, mgr_b):
    clock("2025-06-15 10:00")
    with pytest.raises(DomainError) as info:
        visits.record_visit(
            customer_for(mgr_a),
            manager=mgr_b,
            visited_at=at("2025-06-15"),
            kind="routine",
            outcome="completed",
            acting_user=mgr_a,
        )
    assert info.value.field == "manager"


# --- API -------------------------------------------------------------------------------------


def test_posting_a_visit_with_a_survey(clock, customer_for, mgr_a, api):
    clock("2025-06-15 10:00")
    customer = customer_for(mgr_a, importance="special")
    visits.generate_visit_plans()
    response = api(mgr_a).post(
        "/api/v1/visits/",
        {
            "customer": customer.pk,
            "kind": "satisfaction_survey",
            "outcome": "completed",
            "visited_at": "2025-06-15T09:00:00+08:00",
            "notes": "走访配电房",
            "survey": survey(5),
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["manager"] == mgr_a.pk
    assert body["survey"]["overall"] == 5.0
    assert body["plans"] == [VisitPlan.objects.get(customer=customer).pk]


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"survey": survey(0)}, "survey"),
        ({"kind": "nap"}, "kind"),
        ({"visited_at": "yesterday"}, "visited_at"),
        ({"kind": "satisfaction_survey"}, "survey"),
        ({"visited_at": "2030-01-01T00:00:00+08:00"}, "visited_at"),
    ],
)
def test_a_bad_visit_is_a_400_on_its_field(clock, customer_for, mgr_a, api, payload, field):
    clock("2025-06-15 10:00")
    body = {
        "customer": customer_for(mgr_a).pk,
        "kind": "routine",
        "outcome": "completed",
        **payload,
    }
    response = api(mgr_a).post("/api/v1/visits/", body, format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert not Visit.objects.exists()


def test_a_manager_cannot_record_a_visit_to_another_portfolio(
    clock, customer_for, mgr_a, mgr_c, api
):
    clock("2025-06-15 10:00")
    response = api(mgr_a).post(
        "/api/v1/visits/",
        {"customer": customer_for(mgr_c).pk, "kind": "routine", "outcome": "completed"},
        format="json",
    )
    assert response.status_code == 400
    assert "customer" in response.json()


def test_auditors_read_visits_but_do_not_record_them(clock, customer_for, mgr_a, auditor, api):
    clock("2025-06-15 10:00")
    customer = customer_for(mgr_a)
    visits.record_visit(
        customer,
        manager=mgr_a,
        visited_at=at("2025-06-15", 9),
        kind="routine",
        outcome="completed",
        acting_user=SYSTEM,
    )
    assert api(auditor).get("/api/v1/visits/").json()["count"] == 1
    response = api(auditor).post(
        "/api/v1/visits/",
        {"customer": customer.pk, "kind": "routine", "outcome": "completed"},
        format="json",
    )
    assert response.status_code == 403


def test_the_visit_list_is_scoped_and_runs_a_fixed_number_of_queries(
    clock, customer_for, mgr_a, mgr_b, api, django_assert_max_num_queries
):
    clock("2025-06-15 10:00")
    for manager in (mgr_a, mgr_a, mgr_a, mgr_b):
        visits.record_visit(
            customer_for(manager),
            manager=manager,
            visited_at=at("2025-06-15", 9),
            kind="routine",
            outcome="completed",
            survey=survey(4),
            acting_user=SYSTEM,
        )
    client = api(mgr_a)
    with django_assert_max_num_queries(6):
        body = client.get("/api/v1/visits/").json()
    assert body["count"] == 3
    assert {v["manager"] for v in body["results"]} == {mgr_a.pk}


def test_the_plan_list_filters_overdue_items(clock, customer_for, mgr_a, api):
    clock("2025-06-15 10:00")
    customer = customer_for(mgr_a, importance="special")
    late = VisitPlanFactory(
        customer=customer, window_start=dt.date(2025, 5, 1), due_date=dt.date(2025, 5, 31)
    )
    visits.generate_visit_plans()
    body = api(mgr_a).get("/api/v1/visit-plans/?overdue=true").json()
    assert [p["id"] for p in body["results"]] == [late.pk]
    assert body["results"][0]["overdue"] is True
    assert body["results"][0]["manager"] == mgr_a.pk


# --- pages -----------------------------------------------------------------------------------


def test_the_visit_list_shows_overdue_visits_first(
    clock, customer_for, mgr_a, client, django_assert_max_num_queries
):
    clock("2025-06-15 10:00")
    later_one = customer_for(mgr_a, importance="special", name="六月到期公司")
    late_one = customer_for(mgr_a, importance="special", name="五月逾期公司")
    VisitPlanFactory(
        customer=late_one, window_start=dt.date(2025, 5, 1), due_date=dt.date(2025, 5, 31)
    )
    visits.generate_visit_plans()
    for _ in range(3):
        VisitPlanFactory(
            customer=customer_for(mgr_a),
            window_start=dt.date(2025, 4, 1),
            due_date=dt.date(2025, 6, 30),
        )
    client.force_login(mgr_a)
    with django_assert_max_num_queries(14):
        page = client.get(reverse("visits:list")).content.decode()
    assert page.index(late_one.name) < page.index(later_one.name)


def test_recording_a_visit_through_the_form(clock, customer_for, mgr_a, client):
    clock("2025-06-15 10:00")
    customer = customer_for(mgr_a)
    client.force_login(mgr_a)
    assert client.get(reverse("visits:create") + f"?customer={customer.pk}").status_code == 200
    response = client.post(
        reverse("visits:create"),
        {
            "account_no": customer.account_no,
            "manager": mgr_a.pk,
            "visited_at": "2025-06-15T09:30",
            "kind": "routine",
            "outcome": "completed",
            "with_survey": "on",
            **survey(3),
            "notes": "了解用电计划",
        },
    )
    visit = Visit.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("visits:detail", args=[visit.pk])
    assert visit.survey.billing == 3
    detail = client.get(response.url).content.decode()
    assert "了解用电计划" in detail


def test_a_form_with_a_missing_score_is_shown_again_with_a_400(clock, customer_for, mgr_a, client):
    clock("2025-06-15 10:00")
    customer = customer_for(mgr_a)
    client.force_login(mgr_a)
    response = client.post(
        reverse("visits:create"),
        {
            "account_no": customer.account_no,
            "manager": mgr_a.pk,
            "visited_at": "2025-06-15T09:30",
            "kind": "routine",
            "outcome": "completed",
            "with_survey": "on",
            **survey(3, billing=""),
        },
    )
    assert response.status_code == 400
    assert response.context["form"].errors["billing"]
    assert not Visit.objects.exists()


def test_the_customer_page_has_a_visits_tab(clock, customer_for, mgr_a, client):
    clock("2025-06-15 10:00")
    customer = customer_for(mgr_a, importance="special")
    visits.generate_visit_plans()
    visits.record_visit(
        customer,
        manager=mgr_a,
        visited_at=at("2025-06-15", 9),
        kind="pre_outage_briefing",
        outcome="completed",
        acting_user=SYSTEM,
    )
    client.force_login(mgr_a)
    detail = client.get(reverse("customers:detail", args=[customer.pk])).content.decode()
    tab_url = reverse("visits:customer_visits_tab", args=[customer.pk])
    assert tab_url in detail
    tab = client.get(tab_url).content.decode()
    assert "2025-06-15 09:00" in tab


def test_a_manager_does_not_see_another_portfolios_tab(clock, customer_for, mgr_a, mgr_c, client):
    clock("2025-06-15 10:00")
    client.force_login(mgr_a)
    url = reverse("visits:customer_visits_tab", args=[customer_for(mgr_c).pk])
    assert client.get(url).status_code == 404


def test_supervisors_update_the_plan_on_demand(
    clock, customer_for, mgr_a, sup_east, client, django_capture_on_commit_callbacks
):
    clock("2025-06-15 10:00")
    customer_for(mgr_a)
    client.force_login(sup_east)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("visits:generate"))
    assert response.status_code == 302
    assert VisitPlan.objects.count() == 1
    client.force_login(mgr_a)
    assert client.post(reverse("visits:generate")).status_code == 403


def test_the_default_visitor_is_decided_by_the_service(admin_user, mgr_a, customer_for):
    """Without a visitor, an administrator's record goes to the customer's manager; a customer
    without one is refused on `manager` (the same for the page, the API and any caller)."""
    import datetime as dt

    from django.utils import timezone

    from common.errors import DomainError
    from visits import services as visits

    fields = {
        "manager": None,
        "visited_at": timezone.now() - dt.timedelta(hours=1),
        "kind": "routine",
        "outcome": "completed",
        "acting_user": admin_user,
    }
    assert visits.record_visit(customer_for(mgr_a), **fields).manager == mgr_a
    with pytest.raises(DomainError) as refused:
        visits.record_visit(customer_for(None), **fields)
    assert refused.value.code == "manager_required"
