import datetime as dt
import io
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from outages import notices
from outages.channels.noop import NoopSender
from outages.models import Notification, OutageStatus
from tests.outages.factories import OutageFactory, approved_outage, later, supplied_customer

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def login(client):
    def as_user(user):
        client.force_login(user)
        return client

    return as_user


def local(value: dt.datetime) -> str:
    from django.utils import timezone

    return timezone.localtime(value).strftime("%Y-%m-%dT%H:%M")


def test_list_shows_visible_outages_with_coverage_in_fixed_queries(
    login, grid, sup_east, django_assert_max_num_queries
):
    for _ in range(3):
        supplied_customer(grid["e1"], contacts=1)
    outages = [approved_outage(sup_east, [grid["e1"]]) for _ in range(4)]
    OutageFactory(feeders=[grid["w1"]])  # another region
    client = login(sup_east)
    with django_assert_max_num_queries(14):
        response = client.get(reverse("outages:list"))
    assert response.status_code == 200
    body = response.content.decode()
    for outage in outages:
        assert outage.reference in body
    assert response.context["rows"][0]["coverage"]["affected"] == 3
    assert len(response.context["rows"]) == 4
    filtered = client.get(reverse("outages:list"), {"status": "draft"})
    assert filtered.context["rows"] == []


@pytest.mark.date_sensitive
def test_calendar_places_outages_on_their_days(login, grid, sup_east):
    # A fixed month: "in three days" ran into the next month's first day, which is not in the
    # grid when the month ends on a Sunday (e.g. on 2026-05-28).
    start = dt.datetime(2026, 3, 11, 14, 0, tzinfo=SHANGHAI)
    outage = OutageFactory(feeders=[grid["e1"]], start=start, end=start + dt.timedelta(days=1))
    response = login(sup_east).get(reverse("outages:calendar"), {"month": "2026-03"})
    assert response.status_code == 200
    days = [d for week in response.context["weeks"] for d in week if outage in d["outages"]]
    assert len(days) == 2
    assert login(sup_east).get(reverse("outages:calendar"), {"month": "2026-13"}).status_code == 200


def test_create_form_makes_a_draft(login, grid, sup_east):
    start = later(days=9)
    response = login(sup_east).post(
        reverse("outages:create"),
        {
            "kind": "planned",
            "reason": "更换开关柜",
            "area": "东湖路",
            "feeders": [grid["e1"].pk],
            "start": local(start),
            "end": local(start + dt.timedelta(hours=5)),
            "override_reason": "",
        },
    )
    assert response.status_code == 302
    outage = grid["e1"].outages.get()
    assert (outage.status, outage.reason) == ("draft", "更换开关柜")


def test_create_form_reports_bad_input_on_the_fields(login, grid, sup_east):
    start = later(days=9)
    response = login(sup_east).post(
        reverse("outages:create"),
        {
            "kind": "planned",
            "reason": "",
            "feeders": [grid["w1"].pk],
            "start": local(start),
            "end": local(start - dt.timedelta(hours=1)),
        },
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert {"reason", "feeders", "end"} <= set(errors)


def test_managers_cannot_open_the_create_form(login, mgr_a):
    assert login(mgr_a).get(reverse("outages:create")).status_code == 403


def test_outage_page_offers_only_the_allowed_actions(
    login, grid, sup_east, admin_user, integration, mgr_a
):
    supplied_customer(grid["e1"], manager=mgr_a, importance="level1")
    outage = OutageFactory(feeders=[grid["e1"]], status="submitted")
    page = login(sup_east).get(outage.get_absolute_url())
    assert [a["name"] for a in page.context["actions"]] == ["approve", "reschedule", "cancel"]
    assert 'data-action="approve"' in page.content.decode()
    # An administrator runs outages but does not approve them; dispatch only reads.
    page = login(admin_user).get(outage.get_absolute_url())
    assert [a["name"] for a in page.context["actions"]] == ["reschedule", "cancel"]
    assert 'data-action="approve"' not in page.content.decode()
    page = login(integration).get(outage.get_absolute_url())
    assert page.context["actions"] == []


def test_buttons_drive_the_workflow(
    login, grid, sup_east, mgr_a, sent_log, django_capture_on_commit_callbacks
):
    vip = supplied_customer(grid["e1"], contacts=1, manager=mgr_a, importance="level1")
    outage = OutageFactory(feeders=[grid["e1"]], status="submitted")
    client = login(sup_east)
    response = client.post(
        reverse("outages:action", args=[outage.pk, "approve"]), {"override_reason": ""}
    )
    assert response.status_code == 302
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("outages:action", args=[outage.pk, "notify"]))
    outage.refresh_from_db()
    assert outage.status == OutageStatus.NOTIFIED
    # A refused action comes back as a message, not an error page.
    response = client.post(reverse("outages:action", args=[outage.pk, "complete"]), follow=True)
    assert response.status_code == 200
    assert any("not allowed" in str(m) or "不允许" in str(m) for m in response.context["messages"])
    response = login(mgr_a).post(
        reverse("outages:confirm_call", args=[outage.pk]),
        {"customer": vip.pk, "note": "客户已知悉"},
    )
    assert response.status_code == 302
    assert outage.impacts.get(customer=vip).call_confirmed_by == mgr_a


def test_manager_cannot_press_workflow_buttons(login, grid, mgr_a):
    supplied_customer(grid["e1"], manager=mgr_a)
    outage = OutageFactory(feeders=[grid["e1"]], status="submitted")
    response = login(mgr_a).post(reverse("outages:action", args=[outage.pk, "approve"]))
    assert response.status_code == 403


def test_outage_page_shows_grid_difference(login, grid, sup_east):
    outage = approved_outage(sup_east, [grid["e1"]])
    newcomer = supplied_customer(grid["e1"])
    page = login(sup_east).get(outage.get_absolute_url())
    assert [c.pk for c in page.context["difference"]["added"]] == [newcomer.pk]
    assert 'data-testid="grid-difference"' in page.content.decode()
    login(sup_east).post(reverse("outages:apply_grid", args=[outage.pk]))
    assert outage.impacts.filter(customer=newcomer).exists()


def test_progress_fragment_polls_while_a_batch_runs(login, grid, sup_east):
    supplied_customer(grid["e1"], contacts=3)
    outage = approved_outage(sup_east, [grid["e1"]])
    notices.plan_notices(outage)
    fragment = login(sup_east).get(reverse("outages:progress", args=[outage.pk]))
    assert 'hx-trigger="every 2s"' in fragment.content.decode()
    assert fragment.context["batches"][0]["pending"] == 3
    notices.run_batch(channel_senders={"sms": NoopSender()})
    fragment = login(sup_east).get(reverse("outages:progress", args=[outage.pk]))
    assert "hx-trigger" not in fragment.content.decode()
    assert fragment.context["batches"][0]["percent"] == 100


def test_coverage_page_filters_and_exports_evidence(
    login, grid, sup_east, mgr_a, django_assert_max_num_queries
):
    told = supplied_customer(grid["e1"], contacts=2, manager=mgr_a)
    silent = supplied_customer(grid["e1"], contacts=0, manager=mgr_a)
    for _ in range(4):
        supplied_customer(grid["e1"], contacts=1, manager=mgr_a)
    outage = approved_outage(sup_east, [grid["e1"]])
    notices.plan_notices(outage)
    Notification.objects.filter(customer=told).update(status="delivered")
    client = login(sup_east)
    url = reverse("outages:coverage", args=[outage.pk])
    with django_assert_max_num_queries(14):
        page = client.get(url)
    assert page.context["coverage"]["affected"] == 6
    page = client.get(url, {"state": "unreachable"})
    assert [i.customer_id for i in page.context["page_obj"].object_list] == [silent.pk]
    with django_assert_max_num_queries(8):
        csv = client.get(url, {"export": "csv"})
    assert csv["Content-Type"].startswith("text/csv")
    lines = csv.content.decode("utf-8-sig").splitlines()
    assert len(lines) == 1 + 2 + 1 + 4  # header, two notices, the silent customer, four more
    xlsx = client.get(url, {"export": "xlsx", "state": "unreachable"})
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert len(rows) == 2 and rows[1][1] == silent.account_no


def test_customer_tab_lists_the_outages_that_hit_the_customer(login, grid, sup_east, mgr_a, mgr_b):
    customer = supplied_customer(grid["e1"], contacts=1, manager=mgr_a)
    outage = approved_outage(sup_east, [grid["e1"]])
    notices.plan_notices(outage)
    url = reverse("outages:customer_outages_tab", args=[customer.pk])
    fragment = login(mgr_a).get(url)
    assert fragment.status_code == 200
    assert outage.reference in fragment.content.decode()
    assert login(mgr_b).get(url).status_code == 404


def test_customer_timeline_includes_impacts_and_notices(grid, sup_east):
    from customers.timeline import customer_timeline

    customer = supplied_customer(grid["e1"], contacts=1)
    outage = approved_outage(sup_east, [grid["e1"]])
    notices.plan_notices(outage)
    kinds = {e["tl_kind"] for e in customer_timeline(customer)}
    assert {"outage", "outage_notice"} <= kinds


# --- the public confirmation page -----------------------------------------------------------


@pytest.fixture
def sent_notice(grid, sup_east):
    supplied_customer(grid["e1"], contacts=1)
    outage = approved_outage(sup_east, [grid["e1"]])
    notices.plan_notices(outage)
    notices.run_batch(channel_senders={"sms": NoopSender()})
    return Notification.objects.get()


def test_confirmation_link_works_without_login(client, sent_notice):
    url = f"/n/{sent_notice.token}/"
    page = client.get(url)
    assert page.status_code == 200
    assert sent_notice.outage.reference in page.content.decode()
    sent_notice.refresh_from_db()
    assert sent_notice.status == "sent"  # opening the link alone confirms nothing
    page = client.post(url)
    assert page.status_code == 200 and page.context["newly_confirmed"]
    sent_notice.refresh_from_db()
    assert sent_notice.status == "confirmed"


def test_confirmation_link_used_again_keeps_the_first_confirmation(client, sent_notice):
    url = f"/n/{sent_notice.token}/"
    client.post(url)
    first = Notification.objects.get().confirmed_at
    page = client.post(url)
    assert page.status_code == 200 and not page.context["newly_confirmed"]
    assert Notification.objects.get().confirmed_at == first


@pytest.mark.parametrize("token", ["nope", "x" * 64, "a-b_c"])
def test_invalid_confirmation_link_is_404(client, sent_notice, token):
    assert client.get(f"/n/{token}/").status_code == 404
    assert client.post(f"/n/{token}/").status_code == 404
    assert Notification.objects.get().status == "sent"


def test_bad_reschedule_form_comes_back_as_messages(login, grid, sup_east):
    outage = approved_outage(sup_east, [grid["e1"]])
    response = login(sup_east).post(
        reverse("outages:action", args=[outage.pk, "reschedule"]),
        {"start": "bad", "end": ""},
        follow=True,
    )
    assert response.status_code == 200
    assert len(list(response.context["messages"])) >= 1
    outage.refresh_from_db()
    assert outage.schedule_revision == 0


def test_outage_page_runs_a_fixed_number_of_queries(
    login, grid, sup_east, mgr_a, django_assert_max_num_queries
):
    for importance in ("normal", "level1", "normal", "special", "normal", "normal"):
        supplied_customer(grid["e1"], contacts=2, manager=mgr_a, importance=importance)
    outage = approved_outage(sup_east, [grid["e1"]])
    notices.plan_notices(outage)
    notices.run_batch(channel_senders={"sms": NoopSender()})
    client = login(sup_east)
    with django_assert_max_num_queries(16):
        response = client.get(outage.get_absolute_url())
    assert response.status_code == 200
    assert len(response.context["impacts"]) == 6


def test_form_pages_render_with_the_feeder_picker(login, grid, sup_east):
    outage = OutageFactory(feeders=[grid["e1"]])
    client = login(sup_east)
    for url in (reverse("outages:create"), reverse("outages:edit", args=[outage.pk])):
        page = client.get(url)
        assert page.status_code == 200
        assert "data-tom-select" in page.content.decode()
        # A supervisor picks among the feeders of their region only.
        assert set(page.context["form"].fields["feeders"].queryset) == {
            grid["e1"],
            grid["e2"],
            grid["e3"],
        }


def test_editing_an_approved_outage_changes_feeders_but_not_times(login, grid, sup_east):
    other = supplied_customer(grid["e2"])
    outage = approved_outage(sup_east, [grid["e1"]])
    start = outage.start
    response = login(sup_east).post(
        reverse("outages:edit", args=[outage.pk]),
        {
            "kind": "planned",
            "reason": outage.reason,
            "area": outage.area,
            "feeders": [grid["e1"].pk, grid["e2"].pk],
            "start": local(later(days=30)),
            "end": local(later(days=31)),
            "override_reason": "",
        },
    )
    assert response.status_code == 302
    outage.refresh_from_db()
    assert outage.start == start
    assert outage.impacts.filter(customer=other, removed_at__isnull=True).exists()
