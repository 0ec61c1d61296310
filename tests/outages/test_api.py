import datetime as dt

import pytest
from django.utils import timezone

from outages import notices
from outages.models import TRANSITIONS, USER_ACTIONS, Notification, OutageStatus
from tests.outages.factories import OutageFactory, approved_outage, later, supplied_customer

pytestmark = pytest.mark.django_db

URL = "/api/v1/outages/"


def iso(value: dt.datetime) -> str:
    return timezone.localtime(value).isoformat()


def payload(grid, **overrides):
    start = later(days=10)
    data = {
        "kind": "planned",
        "reason": "10kV线路检修",
        "area": "开发区北片",
        "feeders": ["E1", "E2"],
        "start": iso(start),
        "end": iso(start + dt.timedelta(hours=6)),
    }
    data.update(overrides)
    return data


@pytest.mark.parametrize("who", ["sup_east", "admin_user"])
def test_supervisors_and_admins_create_outages(api, grid, who, request):
    user = request.getfixturevalue(who)
    response = api(user).post(URL, payload(grid), format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["reference"].startswith("TD")
    assert body["feeders"] == ["E1", "E2"]
    assert body["status"] == "draft"
    assert body["allowed_actions"] == ["submit", "reschedule", "cancel"]


# The dispatch system (integration) only reads planned outages (SPEC "Who uses it").
@pytest.mark.parametrize("who", ["mgr_a", "auditor", "integration"])
def test_managers_auditors_and_dispatch_cannot_create_outages(api, grid, who, request):
    response = api(request.getfixturevalue(who)).post(URL, payload(grid), format="json")
    assert response.status_code == 403


def test_anonymous_gets_401(api):
    assert api().get(URL).status_code == 401


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"feeders": ["NOPE"]}, "feeders"),
        ({"feeders": []}, "feeders"),
        ({"kind": "sabotage"}, "kind"),
        ({"start": "tomorrow"}, "start"),
        ({"end": "2020-01-01T00:00:00+08:00"}, "end"),
        ({"reason": ""}, "reason"),
    ],
)
def test_bad_input_gets_400_on_the_field(api, grid, sup_east, changes, field):
    response = api(sup_east).post(URL, payload(grid, **changes), format="json")
    assert response.status_code == 400
    assert field in response.json()


def test_supervisor_cannot_plan_on_another_regions_feeder(api, grid, sup_east):
    response = api(sup_east).post(URL, payload(grid, feeders=["W1"]), format="json")
    assert response.status_code == 400
    assert "feeders" in response.json()


def test_the_whole_workflow_through_the_api(
    api,
    grid,
    sup_east,
    admin_user,
    integration,
    mgr_a,
    sent_log,
    django_capture_on_commit_callbacks,
):
    vip = supplied_customer(grid["e1"], contacts=2, manager=mgr_a, importance="level1")
    supplied_customer(grid["e2"], contacts=1, manager=mgr_a)
    # The administrator runs the outage, the supervisor approves it, dispatch reads it.
    desk = api(admin_user)
    dispatch = api(integration)
    pk = desk.post(URL, payload(grid), format="json").json()["id"]
    assert dispatch.post(f"{URL}{pk}/submit/").status_code == 403
    assert desk.post(f"{URL}{pk}/submit/").status_code == 200
    assert desk.post(f"{URL}{pk}/approve/").status_code == 403  # supervisors only
    response = api(sup_east).post(f"{URL}{pk}/approve/", {}, format="json")
    assert response.status_code == 200 and response.json()["status"] == "approved"
    with django_capture_on_commit_callbacks(execute=True):
        response = desk.post(f"{URL}{pk}/notify/")
    assert response.status_code == 202
    assert dispatch.get(f"{URL}{pk}/").json()["status"] == "notified"
    coverage = dispatch.get(f"{URL}{pk}/coverage/").json()
    assert coverage == {
        "affected": 2,
        "notified": 2,
        "delivered": 0,
        "confirmed": 0,
        "unreachable": 0,
        "important_unconfirmed": 1,
    }
    impacts = dispatch.get(f"{URL}{pk}/impacts/").json()
    assert impacts["count"] == 2
    row = next(r for r in impacts["results"] if r["customer"] == vip.pk)
    assert {
        k: row[k]
        for k in (
            "impact",
            "important",
            "has_backup_generator",
            "notified",
            "confirmed",
            "reachable",
        )
    } == {
        "impact": "full",
        "important": True,
        "has_backup_generator": False,
        "notified": True,
        "confirmed": False,
        "reachable": True,
    }
    response = api(mgr_a).post(
        f"{URL}{pk}/confirm-call/", {"customer": vip.pk, "note": "已确认"}, format="json"
    )
    assert response.status_code == 200 and response.json()["confirmed"] is True
    assert dispatch.get(f"{URL}{pk}/coverage/").json()["important_unconfirmed"] == 0
    new_start = later(days=11)
    with django_capture_on_commit_callbacks(execute=True):
        response = desk.post(
            f"{URL}{pk}/reschedule/",
            {"start": iso(new_start), "end": iso(new_start + dt.timedelta(hours=4))},
            format="json",
        )
    assert response.status_code == 200
    assert Notification.objects.filter(kind="change").count() == 3
    assert dispatch.post(f"{URL}{pk}/cancel/", {}, format="json").status_code == 403
    assert desk.post(f"{URL}{pk}/start/").json()["status"] == "in_progress"
    with django_capture_on_commit_callbacks(execute=True):
        assert desk.post(f"{URL}{pk}/complete/").json()["status"] == "completed"
    assert Notification.objects.filter(kind="restoration", status="sent").count() == 3
    events = dispatch.get(f"{URL}{pk}/events/").json()["results"]
    actions = [e["action"] for e in events]
    for action in (
        "create",
        "submit",
        "approve",
        "impacts_frozen",
        "notify",
        "finish_notifying",
        "call_confirmed",
        "reschedule",
        "start",
        "complete",
    ):
        assert action in actions
    assert events[0]["action"] == "complete" and events[0]["actor"] == admin_user.name


@pytest.mark.parametrize(
    ("action", "status"),
    [(a, s) for a in USER_ACTIONS for s in OutageStatus.values if s not in TRANSITIONS[a][0]],
)
def test_action_not_allowed_in_the_status_is_409(api, grid, sup_east, action, status):
    outage = OutageFactory(feeders=[grid["e1"]], status=status)
    body = {}
    if action == "reschedule":
        body = {"start": iso(later(days=20)), "end": iso(later(days=20, hours=2))}
    response = api(sup_east).post(f"{URL}{outage.pk}/{action}/", body, format="json")
    assert response.status_code == 409, response.json()
    outage.refresh_from_db()
    assert outage.status == status


@pytest.mark.parametrize(
    ("kind", "lead", "status_code"),
    [
        ("planned", dt.timedelta(days=6), 400),
        ("planned", dt.timedelta(days=8), 200),
        ("temporary", dt.timedelta(hours=20), 400),
        ("temporary", dt.timedelta(hours=25), 200),
    ],
)
def test_approving_with_a_short_lead_time_needs_an_override_reason(
    api, grid, sup_east, kind, lead, status_code
):
    outage = OutageFactory(
        feeders=[grid["e1"]], status="submitted", kind=kind, start=timezone.now() + lead
    )
    response = api(sup_east).post(f"{URL}{outage.pk}/approve/", {}, format="json")
    assert response.status_code == status_code
    if status_code == 400:
        assert "override_reason" in response.json()
        response = api(sup_east).post(
            f"{URL}{outage.pk}/approve/", {"override_reason": "配合市政施工"}, format="json"
        )
        assert response.status_code == 200
        assert response.json()["override_reason"] == "配合市政施工"


def test_manager_sees_only_outages_hitting_their_customers_and_their_impacts(
    api, grid, sup_east, mgr_a, mgr_b, mgr_c
):
    mine = supplied_customer(grid["e1"], manager=mgr_a)
    theirs = supplied_customer(grid["e1"], manager=mgr_b)
    supplied_customer(grid["e2"], manager=mgr_b)
    hitting = approved_outage(sup_east, [grid["e1"]])
    other = approved_outage(sup_east, [grid["e2"]])
    draft_on_my_feeder = OutageFactory(feeders=[grid["e1"]])
    client = api(mgr_a)
    ids = {row["id"] for row in client.get(URL).json()["results"]}
    assert ids == {hitting.pk, draft_on_my_feeder.pk}
    assert client.get(f"{URL}{other.pk}/").status_code == 404
    impacts = client.get(f"{URL}{hitting.pk}/impacts/").json()["results"]
    assert [r["customer"] for r in impacts] == [mine.pk]
    assert client.get(f"{URL}{hitting.pk}/coverage/").json()["affected"] == 1
    response = client.post(
        f"{URL}{hitting.pk}/confirm-call/", {"customer": theirs.pk}, format="json"
    )
    assert response.status_code == 400  # not a customer of theirs: not a valid choice
    assert api(mgr_c).get(URL).json()["count"] == 0


def test_supervisor_sees_their_region_and_cannot_approve_elsewhere(api, grid, sup_east, sup_all):
    west = OutageFactory(feeders=[grid["w1"]], status="submitted")
    east = OutageFactory(feeders=[grid["e1"]], status="submitted")
    ids = {row["id"] for row in api(sup_east).get(URL).json()["results"]}
    assert ids == {east.pk}
    assert api(sup_east).post(f"{URL}{west.pk}/approve/", {}, format="json").status_code == 404
    assert api(sup_all).post(f"{URL}{west.pk}/approve/", {}, format="json").status_code == 200


def test_notifications_list_is_scoped_and_hides_tokens(
    api, grid, sup_east, mgr_a, mgr_b, integration
):
    mine = supplied_customer(grid["e1"], contacts=2, manager=mgr_a)
    supplied_customer(grid["e1"], contacts=1, manager=mgr_b)
    outage = approved_outage(sup_east, [grid["e1"]])
    notices.plan_notices(outage)
    rows = api(mgr_a).get("/api/v1/notifications/").json()["results"]
    assert {r["customer"] for r in rows} == {mine.pk} and len(rows) == 2
    assert "token" not in rows[0]
    assert api(integration).get("/api/v1/notifications/?status=pending").json()["count"] == 3
    filtered = api(integration).get(f"/api/v1/notifications/?customer={mine.pk}&kind=notice")
    assert filtered.json()["count"] == 2


def test_patch_changes_feeders_and_refuses_times_after_approval(api, grid, sup_east):
    supplied_customer(grid["e2"])
    outage = approved_outage(sup_east, [grid["e1"]])
    client = api(sup_east)
    response = client.patch(f"{URL}{outage.pk}/", {"feeders": ["E1", "E2"]}, format="json")
    assert response.status_code == 200 and response.json()["feeders"] == ["E1", "E2"]
    assert client.get(f"{URL}{outage.pk}/coverage/").json()["affected"] == 1
    response = client.patch(
        f"{URL}{outage.pk}/",
        {"start": iso(later(days=30)), "end": iso(later(days=30, hours=1))},
        format="json",
    )
    assert response.status_code == 400 and "start" in response.json()


def test_lists_run_a_fixed_number_of_queries(
    api, grid, sup_east, integration, django_assert_max_num_queries
):
    for _ in range(6):
        supplied_customer(grid["e1"], contacts=2)
    outages = [approved_outage(sup_east, [grid["e1"], grid["e2"]]) for _ in range(5)]
    for outage in outages:
        notices.plan_notices(outage)
    client = api(integration)
    with django_assert_max_num_queries(6):
        assert client.get(URL).json()["count"] == 5
    with django_assert_max_num_queries(6):
        assert client.get(f"{URL}{outages[0].pk}/impacts/").json()["count"] == 6
    with django_assert_max_num_queries(6):
        assert client.get("/api/v1/notifications/").json()["count"] == 60
    with django_assert_max_num_queries(6):
        assert len(client.get(f"{URL}{outages[0].pk}/events/").json()["results"]) >= 3


def test_outages_filter_by_status_kind_feeder_and_start(api, grid, sup_east, integration):
    a = OutageFactory(feeders=[grid["e1"]], status="approved", start=later(days=3))
    OutageFactory(feeders=[grid["e2"]], status="draft", kind="temporary", start=later(days=40))
    client = api(integration)
    assert [r["id"] for r in client.get(f"{URL}?status=approved").json()["results"]] == [a.pk]
    assert client.get(f"{URL}?kind=temporary").json()["count"] == 1
    assert [r["id"] for r in client.get(f"{URL}?feeder=E1").json()["results"]] == [a.pk]
    assert [r["id"] for r in client.get(f"{URL}?feeders=E1").json()["results"]] == [a.pk]
    before = iso(later(days=10)).replace("+", "%2B")
    assert [r["id"] for r in client.get(f"{URL}?start_before={before}").json()["results"]] == [a.pk]
    assert client.get(f"{URL}?status=bogus").status_code == 400


def test_services_do_not_send_from_the_request(api, grid, sup_east, sent_log):
    supplied_customer(grid["e1"], contacts=1)
    outage = approved_outage(sup_east, [grid["e1"]])
    # Without running on-commit callbacks nothing is sent: the request only enqueues.
    assert api(sup_east).post(f"{URL}{outage.pk}/notify/").status_code == 202
    assert Notification.objects.get().status == "pending"
    assert not sent_log.exists()


def test_sms_delivery_reports_mark_notices_delivered_or_failed(
    api, grid, sup_east, mgr_a, integration
):
    from accounts_manager.models import FollowUp
    from outages.channels import OutboundMessage, Sender, SendResult

    class Gateway(Sender):
        def send(self, message: OutboundMessage) -> SendResult:
            return SendResult("sent", provider_ref=f"gw-{message.notification_id}")

    reached = supplied_customer(grid["e1"], contacts=1, manager=mgr_a)
    lost = supplied_customer(grid["e1"], contacts=1, manager=mgr_a)
    outage = approved_outage(sup_east, [grid["e1"]])
    notices.plan_notices(outage)
    notices.run_batch(channel_senders={"sms": Gateway()})
    ok = Notification.objects.get(customer=reached)
    bad = Notification.objects.get(customer=lost)
    reports = [
        {"provider_ref": ok.provider_ref, "status": "delivered"},
        {"provider_ref": bad.provider_ref, "status": "failed", "error": "用户停机"},
        {"provider_ref": "gw-unknown", "status": "delivered"},
    ]
    url = "/api/v1/notifications/delivery-report/"
    assert api(mgr_a).post(url, reports, format="json").status_code == 403
    response = api(integration).post(url, reports, format="json")
    assert response.status_code == 200
    assert response.json() == {"updated": 2, "unknown": ["gw-unknown"]}
    ok.refresh_from_db()
    bad.refresh_from_db()
    assert (ok.status, bad.status, bad.last_error) == ("delivered", "failed", "用户停机")
    assert FollowUp.objects.filter(customer=lost, kind="outage_unreachable").exists()
    assert api(integration).get(f"{URL}{outage.pk}/coverage/").json()["delivered"] == 1
    again = api(integration).post(url, reports[:2], format="json").json()
    assert again == {"updated": 0, "unknown": []}
    bad_input = api(integration).post(url, [{"provider_ref": "x", "status": "lost"}], format="json")
    assert bad_input.status_code == 400


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("impacts/?impact=none", None),
        ("reschedule/", {"start": "2026-02-30T08:00:00+08:00", "end": "x"}),
        ("reschedule/", {"start": "2030-01-01T08:00:00+08:00", "end": "2029-01-01T08:00:00+08:00"}),
        ("confirm-call/", {"customer": "abc"}),
        ("confirm-call/", {}),
        ("approve/", {"override_reason": "x" * 301}),
    ],
)
def test_bad_action_input_is_400(api, grid, sup_east, path, body):
    outage = approved_outage(sup_east, [grid["e1"]])
    client = api(sup_east)
    if body is None:
        response = client.get(f"{URL}{outage.pk}/{path}")
    else:
        response = client.post(f"{URL}{outage.pk}/{path}", body, format="json")
    assert response.status_code == 400, response.content
