"""The connection pages, in both languages: list, form, project page and its actions, the
customer tab, the weekly review with export, the customer's link; refusals through the page."""

import pytest
from django.test import Client
from django.urls import reverse

from connections.models import Project
from tests.connections.conftest import at
from tests.factories import make_credit_code

pytestmark = [pytest.mark.django_db, pytest.mark.date_sensitive]


@pytest.fixture
def browser():
    def make(user, language="zh-hans"):
        client = Client(HTTP_ACCEPT_LANGUAGE=language)
        client.force_login(user)
        return client

    return make


@pytest.fixture
def project(applicant):
    return applicant()


@pytest.mark.parametrize(("language", "title"), [("zh-hans", "业扩报装"), ("en", "Connection")])
def test_list_in_both_languages(browser, mgr_a, project, language, title):
    response = browser(mgr_a, language).get(reverse("connections:list"))
    assert response.status_code == 200
    text = response.content.decode()
    assert title in text
    assert project.number in text


def test_list_empty_state_and_other_manager(browser, mgr_b, project):
    response = browser(mgr_b, "en").get(reverse("connections:list"))
    assert project.number not in response.content.decode()
    assert "No connection projects match." in response.content.decode()


def test_list_query_count_is_fixed(browser, sup_all, applicant, django_assert_max_num_queries):
    for _ in range(5):
        applicant()
    client = browser(sup_all)
    with django_assert_max_num_queries(14):
        assert client.get(reverse("connections:list")).status_code == 200


def test_list_export(browser, sup_east, project):
    response = browser(sup_east).get(reverse("connections:list") + "?export=csv")
    assert response["Content-Type"].startswith("text/csv")
    assert project.number in response.content.decode("utf-8-sig")


def test_create_through_the_form(browser, mgr_a, east, feeders):
    client = browser(mgr_a, "en")
    response = client.post(
        reverse("connections:create"),
        {
            "kind": "new",
            "applicant_name": "医院二期",
            "credit_code": make_credit_code(77),
            "region": east.pk,
            "voltage_kv": "10",
            "supply_scheme": "hv_single",
            "requested_capacity_kva": "1600",
            "primary_feeder": feeders[0].pk,
        },
    )
    project = Project.objects.get()
    assert response.status_code == 302
    assert response["Location"] == project.get_absolute_url()
    assert project.manager == mgr_a


def test_create_form_errors_are_shown(browser, mgr_a):
    response = browser(mgr_a, "en").post(
        reverse("connections:create"),
        {
            "kind": "increase",
            "voltage_kv": "10",
            "supply_scheme": "lv",
            "requested_capacity_kva": "1",
        },
    )
    assert response.status_code == 400
    assert not Project.objects.exists()


def test_project_page_and_actions(browser, mgr_a, project):
    client = browser(mgr_a, "en")
    page = client.get(project.get_absolute_url())
    assert page.status_code == 200
    assert 'data-testid="action-finish"' in page.content.decode()
    url = reverse("connections:action", args=[project.pk, "wait"])
    assert client.post(url, {"kind": "documents", "reason": "缺产权证明"}).status_code == 302
    project.refresh_from_db()
    assert project.status == "waiting_customer"
    # Finishing while waiting is refused with 409 and the page says why.
    refused = client.post(reverse("connections:action", args=[project.pk, "finish"]), {})
    assert refused.status_code == 409
    assert (
        client.post(reverse("connections:action", args=[project.pk, "resume"]), {}).status_code
        == 302
    )
    missing = client.post(reverse("connections:action", args=[project.pk, "cancel"]), {})
    assert missing.status_code == 400
    tick = client.post(
        reverse("connections:action", args=[project.pk, "documents"]),
        {"code": "identity", "received": "on"},
    )
    assert tick.status_code == 302
    assert project.documents.get(code="identity").received_at is not None


def test_refusals_through_the_pages(browser, mgr_b, auditor, project):
    assert browser(mgr_b).get(project.get_absolute_url()).status_code == 404
    finish = reverse("connections:action", args=[project.pk, "finish"])
    assert browser(mgr_b).post(finish, {}).status_code == 404
    assert browser(auditor).get(project.get_absolute_url()).status_code == 200
    assert browser(auditor).post(finish, {}).status_code == 403
    assert browser(auditor).get(reverse("connections:create")).status_code == 403
    project.refresh_from_db()
    assert project.current_step == "supply_plan"


def test_weekly_review_for_supervisors(browser, sup_east, mgr_a, project):
    client = browser(sup_east, "en")
    page = client.get(reverse("connections:review"))
    assert page.status_code == 200
    assert project.number in page.content.decode()
    assert "4 documents missing" in page.content.decode()
    export = client.get(reverse("connections:review") + "?export=xlsx")
    assert export["Content-Type"].startswith("application/vnd.openxml")
    assert browser(mgr_a).get(reverse("connections:review")).status_code == 403


def test_review_query_count_is_fixed(browser, sup_all, applicant, django_assert_max_num_queries):
    for _ in range(5):
        applicant()
    client = browser(sup_all)
    with django_assert_max_num_queries(12):
        assert client.get(reverse("connections:review")).status_code == 200


def test_customer_tab(browser, mgr_a, applicant, customer_for):
    customer = customer_for(mgr_a)
    project = applicant(
        kind="increase", customer=customer, supply_scheme="hv_single", backup_feeder=None
    )
    response = browser(mgr_a).get(reverse("connections:customer_tab", args=[customer.pk]))
    assert project.number in response.content.decode()


def test_public_link_without_login(applicant):
    with at(2026, 3, 2):
        project = applicant()
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    url = reverse("connections_public:progress", args=[project.progress_token])
    page = client.get(url)
    assert page.status_code == 200
    assert "Documents we still need" in page.content.decode()
    assert 'data-testid="confirm-plan"' not in page.content.decode()
    assert client.get(reverse("connections_public:progress", args=["x" * 32])).status_code == 404


def test_public_link_confirms_the_plan(applicant):
    from common.actors import SYSTEM
    from connections import services

    with at(2026, 3, 2):
        project = applicant()
        services.finish_step(project, acting_user=SYSTEM)
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    url = reverse("connections_public:progress", args=[project.progress_token])
    assert 'data-testid="confirm-plan"' in client.get(url).content.decode()
    assert client.post(url).status_code == 200
    project.refresh_from_db()
    assert project.plan_confirmed_at is not None
