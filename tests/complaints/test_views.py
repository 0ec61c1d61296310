"""The complaint pages: list, registration form, ticket page and its actions, customer tab."""

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse

from complaints.models import Complaint, Status
from tests.complaints.conftest import local

pytestmark = pytest.mark.django_db

LIST = reverse("complaints:list")


@pytest.fixture
def browser(client):
    def login(user):
        client.force_login(user)
        return client

    return login


def action_url(complaint, name):
    return reverse("complaints:action", args=[complaint.pk, name])


# --- list ------------------------------------------------------------------------------------


def test_list_shows_only_the_managers_tickets(browser, register, customer_for, mgr_a, mgr_b):
    own = register(customer_for(mgr_a))
    other = register(customer_for(mgr_b))
    page = browser(mgr_a).get(LIST)
    assert page.status_code == 200
    html = page.content.decode()
    assert own.ticket_no in html and other.ticket_no not in html


def test_list_filters_by_status_category_breach_and_repeat(
    browser, register, customer_for, mgr_a, sup_east, drive
):
    customer = customer_for(mgr_a)
    billing = register(customer, category="billing")
    repeat = register(customer, category="billing")
    metering = drive(register(customer, category="metering"), Status.ACKNOWLEDGED)
    Complaint.objects.filter(pk=metering.pk).update(breached=True)
    client = browser(sup_east)

    def shown(**params):
        rows = client.get(LIST, params).context["page_obj"].object_list
        return {c.pk for c in rows}

    assert shown(status="acknowledged") == {metering.pk}
    assert shown(category="billing") == {billing.pk, repeat.pk}
    assert shown(breached="yes") == {metering.pk}
    assert shown(repeat="yes") == {repeat.pk}
    assert shown(repeat="no", category="billing") == {billing.pk}


def test_list_sorts_by_the_deadline_being_worked_against(
    browser, register, customer_for, mgr_a, sup_east, drive
):
    customer = customer_for(mgr_a)
    with time_machine.travel(local(2026, 3, 2, 9, 0), tick=False):
        closed = drive(register(customer, category="other"), Status.CLOSED)
        later = register(customer, category="metering")  # contact due 3rd 09:00
        sooner = register(customer, category="service", severity="urgent")  # 2nd 11:00
    rows = browser(sup_east).get(LIST, {"sort": "deadline"}).context["page_obj"].object_list
    assert [c.pk for c in rows] == [sooner.pk, later.pk, closed.pk]


def test_list_is_paginated_with_a_fixed_number_of_queries(
    browser, register, customer_for, mgr_a, mgr_b, sup_east, django_assert_max_num_queries
):
    for i in range(30):
        register(customer_for(mgr_a if i % 2 else mgr_b))
    client = browser(sup_east)
    client.get(LIST)
    with django_assert_max_num_queries(12):
        first = client.get(LIST)
    with django_assert_max_num_queries(12):
        second = client.get(LIST, {"page": 2})
    assert len(first.context["page_obj"].object_list) == 25
    assert len(second.context["page_obj"].object_list) == 5


# --- registration form -----------------------------------------------------------------------


def test_counter_staff_register_a_complaint(browser, customer_for, mgr_a):
    customer = customer_for(mgr_a)
    response = browser(mgr_a).post(
        reverse("complaints:create"),
        {
            "account_no": customer.account_no,
            "channel": "counter",
            "category": "metering",
            "severity": "normal",
            "description": "电表计量偏快",
        },
    )
    complaint = Complaint.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("complaints:detail", args=[complaint.pk])
    assert (complaint.customer, complaint.channel, complaint.assignee) == (
        customer,
        "counter",
        mgr_a,
    )


def test_registration_form_reports_field_errors(browser, customer_for, mgr_a, mgr_b):
    foreign = customer_for(mgr_b)
    response = browser(mgr_a).post(
        reverse("complaints:create"),
        {
            "account_no": foreign.account_no,
            "channel": "counter",
            "category": "metering",
            "severity": "normal",
            "description": "",
        },
    )
    assert response.status_code == 400
    assert set(response.context["form"].errors) == {"account_no", "description"}
    assert not Complaint.objects.exists()


def test_registration_form_is_prefilled_from_the_customer_tab(browser, customer_for, mgr_a):
    customer = customer_for(mgr_a)
    page = browser(mgr_a).get(reverse("complaints:create"), {"customer": customer.pk})
    assert page.context["form"].initial["account_no"] == customer.account_no


def test_auditor_cannot_open_the_registration_form(browser, auditor):
    assert browser(auditor).get(reverse("complaints:create")).status_code == 403


# --- ticket page and actions -----------------------------------------------------------------


def buttons(response):
    return set(response.context["actions"])


def test_ticket_page_shows_only_the_allowed_buttons(
    browser, register, customer_for, mgr_a, sup_east, auditor, drive
):
    complaint = register(customer_for(mgr_a))
    url = complaint.get_absolute_url()
    page = browser(mgr_a).get(url)
    assert buttons(page) == {"acknowledge", "update", "comment", "attach"}
    html = page.content.decode()
    assert 'data-testid="btn-acknowledge"' in html and 'data-testid="btn-resolve"' not in html
    assert buttons(browser(sup_east).get(url)) == {
        "acknowledge",
        "update",
        "comment",
        "attach",
        "assign",
    }
    assert buttons(browser(auditor).get(url)) == set()
    drive(complaint, Status.RESOLVED)
    # The resolver may not make the callback; the supervisor may.
    assert buttons(browser(mgr_a).get(url)) == {"reopen", "update", "comment", "attach"}
    assert "callback" in buttons(browser(sup_east).get(url))


def test_close_button_appears_after_three_unanswered_callbacks(
    browser, register, customer_for, mgr_a, sup_east, drive
):
    complaint = drive(register(customer_for(mgr_a)), Status.RESOLVED)
    client = browser(sup_east)
    for _ in range(3):
        assert "close" not in buttons(client.get(complaint.get_absolute_url()))
        client.post(action_url(complaint, "callback"), {"reached": "no"})
    assert "close" in buttons(client.get(complaint.get_absolute_url()))
    response = client.post(action_url(complaint, "close"), {"reason": "三次回访无人接听"})
    assert response.status_code == 302
    assert Complaint.objects.get(pk=complaint.pk).closed_without_callback


def test_the_whole_life_of_a_ticket_through_the_page(
    browser, register, customer_for, mgr_a, sup_east
):
    complaint = register(customer_for(mgr_a))
    manager = browser(mgr_a)
    assert manager.post(action_url(complaint, "acknowledge"), {"note": "已致电"}).status_code == 302
    assert manager.post(action_url(complaint, "start")).status_code == 302
    bad = manager.post(action_url(complaint, "resolve"), {"root_cause": "接头松动"})
    assert bad.status_code == 400
    assert bad.context["open_form"] == "resolve"
    assert "justification" in bad.context["forms"]["resolve"].errors
    ok = manager.post(
        action_url(complaint, "resolve"),
        {
            "root_cause": "接头松动",
            "responsibility": "company",
            "justification": "我方运维",
            "corrective_action": "更换接头",
            "customer_informed_at": "2026-01-01T10:00",
            "customer_informed_via": "phone",
        },
    )
    assert ok.status_code == 400  # informed before the complaint was received
    complaint.refresh_from_db()
    informed = complaint.received_at.astimezone(local(2026, 1, 1).tzinfo)
    ok = manager.post(
        action_url(complaint, "resolve"),
        {
            "root_cause": "接头松动",
            "responsibility": "company",
            "justification": "我方运维",
            "corrective_action": "更换接头",
            "customer_informed_at": informed.strftime("%Y-%m-%dT%H:%M:%S"),
            "customer_informed_via": "phone",
        },
    )
    assert ok.status_code == 302, ok.context["forms"]["resolve"].errors
    supervisor = browser(sup_east)
    response = supervisor.post(
        action_url(complaint, "callback"), {"reached": "yes", "satisfaction": "5", "solved": "yes"}
    )
    assert response.status_code == 302
    page = supervisor.get(complaint.get_absolute_url())
    assert page.context["complaint"].status == Status.CLOSED
    kinds = [e.kind for e in page.context["events"]]
    assert kinds == ["created", "acknowledged", "started", "resolved", "callback"]


def test_action_not_allowed_in_the_status_is_a_409(browser, register, customer_for, mgr_a):
    complaint = register(customer_for(mgr_a))
    response = browser(mgr_a).post(action_url(complaint, "start"))
    assert response.status_code == 409
    assert Complaint.objects.get(pk=complaint.pk).status == Status.NEW


def test_manager_cannot_dispatch_or_close_from_the_page(
    browser, register, customer_for, mgr_a, mgr_b
):
    complaint = register(customer_for(mgr_a))
    client = browser(mgr_a)
    assert client.post(action_url(complaint, "assign"), {"assignee": mgr_b.pk}).status_code == 403
    assert client.post(action_url(complaint, "close"), {"reason": "x"}).status_code == 403


def test_ticket_of_another_portfolio_is_404(browser, register, customer_for, mgr_a, mgr_b):
    complaint = register(customer_for(mgr_b))
    client = browser(mgr_a)
    assert client.get(complaint.get_absolute_url()).status_code == 404
    assert client.post(action_url(complaint, "acknowledge")).status_code == 404


def test_ticket_page_queries_do_not_grow_with_events(
    browser, register, customer_for, mgr_a, django_assert_max_num_queries
):
    complaint = register(customer_for(mgr_a))
    client = browser(mgr_a)
    for i in range(10):
        client.post(action_url(complaint, "comment"), {"text": f"跟进{i}"})
    client.get(complaint.get_absolute_url())
    with django_assert_max_num_queries(16):
        page = client.get(complaint.get_absolute_url())
    assert len(page.context["events"]) == 11


# --- attachments -----------------------------------------------------------------------------


@override_settings(COMPLAINT_ATTACHMENT_MAX_BYTES=10_000)
def test_attachment_upload_and_download_only_for_those_who_see_the_ticket(
    browser, register, customer_for, mgr_a, mgr_b, client
):
    complaint = register(customer_for(mgr_a))
    manager = browser(mgr_a)
    pdf = b"%PDF-1.7\n1 0 obj\n"
    response = manager.post(
        action_url(complaint, "attach"),
        {"file": SimpleUploadedFile("检测报告.pdf", pdf), "note": "电能质量检测报告"},
    )
    assert response.status_code == 302
    attachment = complaint.attachments.get()
    download = manager.get(attachment.get_absolute_url())
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == pdf
    assert "attachment" in download["Content-Disposition"]
    too_big = manager.post(
        action_url(complaint, "attach"),
        {"file": SimpleUploadedFile("big.pdf", b"%PDF-" + b"0" * 20_000)},
    )
    assert too_big.status_code == 400
    client.logout()
    assert browser(mgr_b).get(attachment.get_absolute_url()).status_code == 404


# --- customer 360 tab ------------------------------------------------------------------------


def test_customer_tab_lists_the_customers_tickets(browser, register, customer_for, mgr_a, mgr_b):
    customer = customer_for(mgr_a)
    ticket = register(customer)
    register(customer_for(mgr_a))
    url = reverse("complaints:customer_complaints_tab", args=[customer.pk])
    page = browser(mgr_a).get(url)
    assert [c.pk for c in page.context["tickets"]] == [ticket.pk]
    assert browser(mgr_b).get(url).status_code == 404


def test_customer_tab_and_timeline_are_registered(register, customer_for, mgr_a):
    from customers.tabs import TABS
    from customers.timeline import customer_timeline

    assert TABS["complaints"].url_name == "complaints:customer_complaints_tab"
    customer = customer_for(mgr_a)
    ticket = register(customer)
    entries = list(customer_timeline(customer, kinds=["complaint"]))
    assert entries[0]["tl_ref"] == f"complaint:{ticket.pk}"
    assert ticket.ticket_no in entries[0]["tl_summary"]


def test_customer_tab_queries_do_not_grow_with_tickets(
    browser, register, customer_for, mgr_a, django_assert_max_num_queries
):
    customer = customer_for(mgr_a)
    for category in ("billing", "metering", "outage", "service", "other", "business"):
        register(customer, category=category)
    url = reverse("complaints:customer_complaints_tab", args=[customer.pk])
    client = browser(mgr_a)
    client.get(url)
    with django_assert_max_num_queries(6):
        page = client.get(url)
    assert len(page.context["tickets"]) == 6
