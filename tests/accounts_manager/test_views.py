"""The account managers' pages end to end: home, my day, notices, managers, handover, assign."""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from accounts_manager.models import FollowUp, Notice
from customers.models import Assignment
from tests.factories import FollowUpFactory

pytestmark = pytest.mark.django_db

NOON = dt.datetime(2026, 3, 10, 12, 0, tzinfo=dt.UTC)


def login(client, user):
    client.force_login(user)
    return client


# --- home and access -------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["mgr_a", "sup_east", "admin_user", "auditor"])
def test_home_sends_page_users_to_my_day(client, request, who):
    login(client, request.getfixturevalue(who))
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts_manager:my_day")


def test_integration_client_gets_a_403_that_points_to_the_api_docs(client, integration):
    login(client, integration)
    response = client.get(reverse("home"))
    assert response.status_code == 403
    assert reverse("api-docs") in response.content.decode()
    assert client.get(reverse("accounts_manager:my_day")).status_code == 403


@pytest.mark.parametrize(
    "url",
    ["/", "/my-day/", "/notices/", "/managers/"],
)
def test_anonymous_user_is_sent_to_login(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_login_page_and_language_switch_work_without_login(client):
    assert client.get(reverse("login")).status_code == 200
    response = client.post(reverse("set_language"), {"language": "en", "next": "/accounts/login/"})
    assert response.status_code == 302
    page = client.get(reverse("login")).content.decode()
    assert "Log in" in page


def test_navigation_shows_my_pages_by_role(client, mgr_a, sup_east):
    login(client, mgr_a)
    labels = [str(item["label"]) for item in client.get("/my-day/").context["nav_items"]]
    assert "我的一天" in labels and "客户经理" not in labels
    login(client, sup_east)
    urls = [item["url"] for item in client.get("/my-day/").context["nav_items"]]
    assert reverse("accounts_manager:manager_list") in urls


def test_logout_is_a_post(client, mgr_a):
    login(client, mgr_a)
    assert client.get(reverse("logout")).status_code == 405
    assert client.post(reverse("logout")).status_code == 302
    assert client.get("/my-day/").status_code == 302


# --- my day ----------------------------------------------------------------------------------


@time_machine.travel(NOON, tick=False)
def test_my_day_lists_own_open_followups_due_first_with_overdue_marked(
    client, mgr_a, mgr_b, customer_for
):
    customer = customer_for(mgr_a)
    later = FollowUpFactory(
        customer=customer, manager=mgr_a, summary="稍后回访", due_at=NOON + dt.timedelta(days=2)
    )
    overdue = FollowUpFactory(
        customer=customer,
        manager=mgr_a,
        summary="逾期催费",
        due_at=NOON - dt.timedelta(hours=3),
        kind="collection",
    )
    FollowUpFactory(customer=customer_for(mgr_b), manager=mgr_b, summary="别人的事项")
    FollowUpFactory(customer=customer, manager=mgr_a, summary="已完成", status="done")
    login(client, mgr_a)
    response = client.get(reverse("accounts_manager:my_day"))
    tasks = response.context["tasks"]
    assert [t["followup"] for t in tasks] == [overdue, later]
    assert [t["overdue"] for t in tasks] == [True, False]
    page = response.content.decode()
    assert "别人的事项" not in page and "已完成" not in page
    assert 'class="app-task overdue"' in page


def test_my_day_filters_by_kind_and_links_to_the_followup(client, mgr_a, customer_for):
    customer = customer_for(mgr_a)
    FollowUpFactory(customer=customer, manager=mgr_a, kind="visit", summary="季度走访")
    FollowUpFactory(
        customer=customer,
        manager=mgr_a,
        kind="complaint",
        summary="投诉跟进",
        link="/complaints/7/",
    )
    login(client, mgr_a)
    response = client.get(reverse("accounts_manager:my_day"), {"kind": "complaint"})
    tasks = response.context["tasks"]
    assert [t["followup"].summary for t in tasks] == ["投诉跟进"]
    assert tasks[0]["link"] == "/complaints/7/"
    counts = {chip["kind"]: chip["count"] for chip in response.context["chips"]}
    assert counts == {"visit": 1, "complaint": 1}


def test_supervisor_sees_the_regions_queue_and_filters_by_manager(
    client, sup_east, mgr_a, mgr_b, mgr_c, customer_for
):
    FollowUpFactory(customer=customer_for(mgr_a), manager=mgr_a, summary="甲的事项")
    FollowUpFactory(customer=customer_for(mgr_b), manager=mgr_b, summary="乙的事项")
    FollowUpFactory(customer=customer_for(mgr_c), manager=mgr_c, summary="西区事项")
    login(client, sup_east)
    page = client.get(reverse("accounts_manager:my_day")).content.decode()
    assert "甲的事项" in page and "乙的事项" in page and "西区事项" not in page
    page = client.get(reverse("accounts_manager:my_day"), {"manager": mgr_b.pk}).content.decode()
    assert "乙的事项" in page and "甲的事项" not in page


def test_my_day_query_count_does_not_grow(
    client, sup_all, mgr_a, customer_for, django_assert_max_num_queries
):
    for _ in range(10):
        FollowUpFactory(customer=customer_for(mgr_a), manager=mgr_a)
    login(client, sup_all)
    with django_assert_max_num_queries(10):
        response = client.get(reverse("accounts_manager:my_day"))
    assert len(response.context["tasks"]) == 10


def test_closing_a_followup_as_done_keeps_the_note(client, mgr_a, customer_for):
    followup = FollowUpFactory(customer=customer_for(mgr_a), manager=mgr_a)
    login(client, mgr_a)
    response = client.post(
        reverse("accounts_manager:followup_close", args=[followup.pk]),
        {"status": "done", "note": "已电话联系，客户确认"},
    )
    assert response.status_code == 302
    followup.refresh_from_db()
    assert followup.status == "done"
    assert followup.note == "已电话联系，客户确认"
    assert followup.closed_by == mgr_a


def test_closing_with_an_unknown_outcome_changes_nothing(client, mgr_a, customer_for):
    followup = FollowUpFactory(customer=customer_for(mgr_a), manager=mgr_a)
    login(client, mgr_a)
    client.post(reverse("accounts_manager:followup_close", args=[followup.pk]), {"status": "open"})
    followup.refresh_from_db()
    assert followup.status == "open"


def test_another_managers_followup_cannot_be_closed(client, mgr_a, mgr_b, customer_for):
    followup = FollowUpFactory(customer=customer_for(mgr_b), manager=mgr_b)
    login(client, mgr_a)
    response = client.post(
        reverse("accounts_manager:followup_close", args=[followup.pk]), {"status": "done"}
    )
    assert response.status_code == 404
    assert FollowUp.objects.get(pk=followup.pk).status == "open"


def test_auditor_cannot_close_followups(client, auditor, mgr_a, customer_for):
    followup = FollowUpFactory(customer=customer_for(mgr_a), manager=mgr_a)
    login(client, auditor)
    response = client.post(
        reverse("accounts_manager:followup_close", args=[followup.pk]), {"status": "done"}
    )
    assert response.status_code == 403


# --- notices ---------------------------------------------------------------------------------


def test_unread_notices_are_counted_listed_and_marked_read(client, sup_east):
    Notice.objects.create(recipient=sup_east, key="a", title="客户风险升高", link="/customers/")
    Notice.objects.create(recipient=sup_east, key="b", title="投诉超时")
    login(client, sup_east)
    response = client.get(reverse("accounts_manager:notices"))
    assert response.context["unread_notices"] == 2
    assert "客户风险升高" in response.content.decode()
    menu = client.get(reverse("accounts_manager:notices"), {"fragment": "menu"})
    assert "投诉超时" in menu.content.decode()
    client.post(reverse("accounts_manager:notices_mark_read"))
    assert not Notice.objects.filter(read_at__isnull=True).exists()


def test_opening_a_notice_marks_it_read_and_follows_only_a_local_link(client, sup_east):
    local = Notice.objects.create(recipient=sup_east, key="a", title="t", link="/customers/")
    remote = Notice.objects.create(
        recipient=sup_east, key="b", title="t", link="https://evil.example/"
    )
    login(client, sup_east)
    response = client.post(reverse("accounts_manager:notice_open", args=[local.pk]))
    assert response["Location"] == "/customers/"
    response = client.post(reverse("accounts_manager:notice_open", args=[remote.pk]))
    assert response["Location"] == reverse("accounts_manager:notices")
    assert Notice.objects.filter(read_at__isnull=False).count() == 2


def test_someone_elses_notice_is_not_found(client, sup_east, mgr_a):
    notice = Notice.objects.create(recipient=mgr_a, key="a", title="t")
    login(client, sup_east)
    response = client.post(reverse("accounts_manager:notice_open", args=[notice.pk]))
    assert response.status_code == 404


# --- managers and portfolios -----------------------------------------------------------------


@time_machine.travel(NOON, tick=False)
def test_manager_list_shows_portfolio_sizes_queue_counts_and_unassigned(
    client, sup_east, mgr_a, mgr_b, mgr_c, customer_for
):
    for _ in range(3):
        customer_for(mgr_a)
    FollowUpFactory(customer=customer_for(mgr_b), manager=mgr_b, due_at=NOON - dt.timedelta(days=1))
    FollowUpFactory(customer=customer_for(mgr_b), manager=mgr_b)
    orphan = customer_for(None, name="待分配客户")
    customer_for(None, name="已销户客户", status="closed")
    login(client, sup_east)
    response = client.get(reverse("accounts_manager:manager_list"))
    rows = {m.username: m for m in response.context["managers"]}
    assert set(rows) == {"mgr_a", "mgr_b"}
    assert (rows["mgr_a"].portfolio_size, rows["mgr_a"].open_followups) == (3, 0)
    assert (
        rows["mgr_b"].portfolio_size,
        rows["mgr_b"].open_followups,
        rows["mgr_b"].overdue_followups,
    ) == (2, 2, 1)
    assert list(response.context["unassigned"]) == [orphan]
    assert reverse("accounts_manager:handover", args=[mgr_a.pk]) in response.content.decode()


def test_manager_list_query_count_does_not_grow(
    client, sup_all, mgr_a, mgr_b, mgr_c, customer_for, django_assert_max_num_queries
):
    for manager in (mgr_a, mgr_b, mgr_c):
        for _ in range(3):
            FollowUpFactory(customer=customer_for(manager), manager=manager)
    for _ in range(5):
        customer_for(None)
    login(client, sup_all)
    with django_assert_max_num_queries(11):
        response = client.get(reverse("accounts_manager:manager_list"))
    assert len(response.context["managers"]) == 3
    assert len(response.context["unassigned"]) == 5


def test_manager_list_is_for_oversight_only(client, mgr_a):
    login(client, mgr_a)
    assert client.get(reverse("accounts_manager:manager_list")).status_code == 403


def test_auditor_sees_the_manager_list_without_actions(client, auditor, mgr_a, customer_for):
    customer_for(mgr_a)
    login(client, auditor)
    response = client.get(reverse("accounts_manager:manager_list"))
    assert response.status_code == 200
    assert reverse("accounts_manager:handover", args=[mgr_a.pk]) not in response.content.decode()
    assert client.get(reverse("accounts_manager:handover", args=[mgr_a.pk])).status_code == 403


@time_machine.travel(NOON, tick=False)
def test_portfolio_page_counts_open_and_overdue_followups_per_customer(
    client, sup_east, mgr_a, customer_for, django_assert_max_num_queries
):
    busy = customer_for(mgr_a, name="事多的客户")
    FollowUpFactory(customer=busy, manager=mgr_a, due_at=NOON - dt.timedelta(hours=1))
    FollowUpFactory(customer=busy, manager=mgr_a)
    FollowUpFactory(customer=busy, manager=mgr_a, status="done")
    for _ in range(5):
        customer_for(mgr_a)
    login(client, sup_east)
    with django_assert_max_num_queries(10):
        response = client.get(reverse("accounts_manager:manager_detail", args=[mgr_a.pk]))
    rows = list(response.context["customers"])
    assert len(rows) == 6
    assert (rows[0], rows[0].open_followups, rows[0].overdue_followups) == (busy, 2, 1)
    assert response.context["queue"] == {"open": 2, "overdue": 1}


def test_manager_sees_own_portfolio_but_not_a_colleagues(client, mgr_a, mgr_b):
    login(client, mgr_a)
    assert (
        client.get(reverse("accounts_manager:manager_detail", args=[mgr_a.pk])).status_code == 200
    )
    assert (
        client.get(reverse("accounts_manager:manager_detail", args=[mgr_b.pk])).status_code == 404
    )


def test_supervisor_cannot_open_another_regions_manager(client, sup_east, mgr_c):
    login(client, sup_east)
    assert (
        client.get(reverse("accounts_manager:manager_detail", args=[mgr_c.pk])).status_code == 404
    )


# --- handover --------------------------------------------------------------------------------


def handover_data(to, **overrides):
    data = {
        "to": to.pk,
        "effective": timezone.localdate().isoformat(),
        "reason": "调岗",
        "confirm": "on",
    }
    data.update(overrides)
    return data


@pytest.mark.date_sensitive
def test_handover_moves_the_portfolio_and_open_followups(
    client, sup_east, mgr_a, mgr_b, customer_for
):
    customers = [customer_for(mgr_a) for _ in range(3)]
    followup = FollowUpFactory(customer=customers[0], manager=mgr_a)
    login(client, sup_east)
    url = reverse("accounts_manager:handover", args=[mgr_a.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, handover_data(mgr_b))
    assert response.status_code == 302
    assert Assignment.objects.open().filter(manager=mgr_b).count() == 3
    assert not Assignment.objects.open().filter(manager=mgr_a).exists()
    followup.refresh_from_db()
    assert followup.manager == mgr_b


def test_handover_needs_the_confirmation(client, sup_east, mgr_a, mgr_b, customer_for):
    customer_for(mgr_a)
    login(client, sup_east)
    response = client.post(
        reverse("accounts_manager:handover", args=[mgr_a.pk]), handover_data(mgr_b, confirm="")
    )
    assert response.status_code == 200
    assert response.context["form"].errors["confirm"]
    assert Assignment.objects.open().get().manager == mgr_a


@pytest.mark.date_sensitive
def test_a_refused_handover_shows_the_reason_on_the_form(
    client, sup_east, mgr_a, mgr_b, customer_for
):
    customer_for(mgr_a)  # assigned 30 days ago
    too_early = (timezone.localdate() - dt.timedelta(days=60)).isoformat()
    login(client, sup_east)
    response = client.post(
        reverse("accounts_manager:handover", args=[mgr_a.pk]),
        handover_data(mgr_b, effective=too_early),
    )
    assert response.status_code == 200
    assert response.context["form"].errors["effective"]
    assert Assignment.objects.open().get().manager == mgr_a


def test_handover_to_a_manager_outside_the_choices_is_refused(
    client, sup_east, mgr_a, mgr_c, customer_for
):
    customer_for(mgr_a)
    login(client, sup_east)
    response = client.post(
        reverse("accounts_manager:handover", args=[mgr_a.pk]), handover_data(mgr_c)
    )
    assert response.status_code == 200
    assert response.context["form"].errors["to"]
    assert Assignment.objects.open().get().manager == mgr_a


def test_manager_cannot_hand_over(client, mgr_a, mgr_b):
    login(client, mgr_a)
    response = client.post(
        reverse("accounts_manager:handover", args=[mgr_a.pk]), handover_data(mgr_b)
    )
    assert response.status_code == 403


# --- assign ----------------------------------------------------------------------------------


def test_supervisor_assigns_an_unassigned_customer(client, sup_east, mgr_a, customer_for):
    customer = customer_for(None)
    login(client, sup_east)
    response = client.post(
        reverse("accounts_manager:assign", args=[customer.pk]),
        {"manager": mgr_a.pk, "next": reverse("accounts_manager:manager_list")},
    )
    assert response["Location"] == reverse("accounts_manager:manager_list")
    assert Assignment.objects.open().get(customer=customer).manager == mgr_a


def test_reassigning_to_the_same_manager_is_a_form_error(client, sup_east, mgr_a, customer_for):
    customer = customer_for(mgr_a)
    login(client, sup_east)
    response = client.post(
        reverse("accounts_manager:assign", args=[customer.pk]), {"manager": mgr_a.pk}
    )
    assert response.status_code == 200
    assert response.context["form"].errors["manager"]
    assert Assignment.objects.filter(customer=customer).count() == 1


def test_assign_ignores_an_outside_next_url(client, sup_east, mgr_a, customer_for):
    customer = customer_for(None)
    login(client, sup_east)
    response = client.post(
        reverse("accounts_manager:assign", args=[customer.pk]),
        {"manager": mgr_a.pk, "next": "https://evil.example/"},
    )
    assert response["Location"] == customer.get_absolute_url()
