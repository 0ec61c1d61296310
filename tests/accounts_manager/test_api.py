"""Token, users, managers, assignments, handover, follow-ups and notices through the API."""

import datetime as dt

import pytest
import time_machine
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from accounts_manager.models import FollowUp, ManagerProfile, User
from accounts_manager.services import notify_user
from common.roles import Role, role_of
from customers.models import Assignment
from tests.factories import AssignmentFactory, CustomerFactory, FollowUpFactory, UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "pass-Word-123"  # UserFactory's


# --- token and lockout -----------------------------------------------------------------------


def ask_token(username, password, ip="10.0.0.1"):
    return APIClient(REMOTE_ADDR=ip).post(
        "/api/v1/auth/token/", {"username": username, "password": password}, format="json"
    )


def test_token_is_issued_for_the_right_password_and_works(mgr_a):
    response = ask_token("mgr_a", PASSWORD)
    assert response.status_code == 200
    token = response.json()["token"]
    assert Token.objects.get(user=mgr_a).key == token
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert client.get("/api/v1/customers/").status_code == 200
    assert ask_token("mgr_a", PASSWORD).json()["token"] == token  # the same token again


@pytest.mark.parametrize(
    ("payload", "field"),
    [({"username": "mgr_a"}, "password"), ({"password": "x"}, "username"), ({}, "username")],
)
def test_token_request_without_fields_is_400(mgr_a, payload, field):
    response = APIClient().post("/api/v1/auth/token/", payload, format="json")
    assert response.status_code == 400
    assert field in response.json()


def test_wrong_password_is_400_without_saying_which_part_was_wrong(mgr_a):
    response = ask_token("mgr_a", "wrong")
    assert response.status_code == 400
    assert set(response.json()) == {"non_field_errors", "code"}
    assert ask_token("nobody", "wrong").json() == response.json()


def test_inactive_user_gets_no_token(mgr_a):
    User.objects.filter(pk=mgr_a.pk).update(is_active=False)
    assert ask_token("mgr_a", PASSWORD).status_code == 400


def test_five_failures_lock_the_account_even_for_the_right_password(mgr_a):
    statuses = [ask_token("mgr_a", f"wrong-{n}").status_code for n in range(5)]
    assert statuses[:4] == [400, 400, 400, 400]
    assert statuses[4] == 429
    locked = ask_token("mgr_a", PASSWORD)
    assert locked.status_code == 429
    assert locked.json()["detail"] == "失败次数过多，您所在地址的登录已被暂时阻止，请稍后再试。"


def test_four_failures_do_not_lock_and_a_success_resets_the_count(mgr_a):
    for n in range(4):
        assert ask_token("mgr_a", f"wrong-{n}").status_code == 400
    assert ask_token("mgr_a", PASSWORD).status_code == 200
    for n in range(4):
        assert ask_token("mgr_a", f"again-{n}").status_code == 400
    assert ask_token("mgr_a", PASSWORD).status_code == 200


def test_lockout_is_per_user_and_address(mgr_a, mgr_b):
    for n in range(5):
        ask_token("mgr_a", f"wrong-{n}", ip="10.0.0.1")
    assert ask_token("mgr_a", PASSWORD, ip="10.0.0.1").status_code == 429
    assert ask_token("mgr_b", PASSWORD, ip="10.0.0.1").status_code == 200
    assert ask_token("mgr_a", PASSWORD, ip="10.0.0.2").status_code == 200


def test_lockout_ends_after_the_cool_off(mgr_a):
    with time_machine.travel(dt.datetime(2025, 6, 1, 9, tzinfo=dt.UTC), tick=False) as traveller:
        for n in range(5):
            ask_token("mgr_a", f"wrong-{n}")
        assert ask_token("mgr_a", PASSWORD).status_code == 429
        traveller.shift(dt.timedelta(minutes=61))
        assert ask_token("mgr_a", PASSWORD).status_code == 200


# --- users -----------------------------------------------------------------------------------


def test_administrator_creates_an_account_manager_with_profile(api, admin_user, sup_east, east):
    payload = {
        "username": "mgr_new",
        "password": "Strong-Pass-2025",
        "name": "新经理",
        "email": "new@example.com",
        "role": "account_manager",
        "region": "EAST",
        "employee_no": "E900",
        "supervisor": sup_east.pk,
    }
    response = api(admin_user).post("/api/v1/users/", payload)
    assert response.status_code == 201, response.json()
    body = response.json()
    assert "password" not in body
    assert {k: body[k] for k in ("username", "role", "region", "employee_no", "supervisor")} == {
        "username": "mgr_new",
        "role": "account_manager",
        "region": "EAST",
        "employee_no": "E900",
        "supervisor": sup_east.pk,
    }
    user = User.objects.get(username="mgr_new")
    assert ManagerProfile.objects.filter(user=user).exists()
    assert user.check_password("Strong-Pass-2025")


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"role": "wizard"}, "role"),
        ({"role": None}, "role"),
        ({"password": "123"}, "password"),
        ({"password": None}, "password"),
        ({"username": "mgr_a"}, "username"),
        ({"username": "bad name!"}, "username"),
        ({"region": "MARS"}, "region"),
        ({"supervisor": 999999}, "supervisor"),
        ({"email": "nope"}, "email"),
        ({"employee_no": "E001"}, "employee_no"),  # mgr_a's
    ],
)
def test_bad_user_is_refused_with_the_field(api, admin_user, mgr_a, overrides, field):
    payload = {"username": "u1", "password": "Strong-Pass-2025", "role": "auditor"}
    payload.update(overrides)
    payload = {k: v for k, v in payload.items() if v is not None}
    response = api(admin_user).post("/api/v1/users/", payload)
    assert response.status_code == 400
    assert field in response.json(), response.json()
    assert not User.objects.filter(username="u1").exists()


@pytest.mark.date_sensitive
def test_deactivating_a_manager_with_a_portfolio_is_400_until_handed_over(
    api, admin_user, mgr_a, mgr_b, portfolios
):
    client = api(admin_user)
    response = client.patch(f"/api/v1/users/{mgr_a.pk}/", {"is_active": False})
    assert response.status_code == 400
    assert "is_active" in response.json()
    assert User.objects.get(pk=mgr_a.pk).is_active
    handover = client.post(
        f"/api/v1/managers/{mgr_a.pk}/handover/",
        {"to": mgr_b.pk, "effective": (timezone.localdate() + dt.timedelta(days=1)).isoformat()},
    )
    assert handover.status_code == 200
    response = client.patch(f"/api/v1/users/{mgr_a.pk}/", {"is_active": False})
    assert response.status_code == 200
    assert response.json()["is_active"] is False
    assert response.json()["role"] == "account_manager"


def test_administrator_changes_role_and_password(api, admin_user, sup_east):
    response = api(admin_user).patch(
        f"/api/v1/users/{sup_east.pk}/", {"role": "auditor", "password": "Another-Pass-77"}
    )
    assert response.status_code == 200, response.json()
    assert response.json()["role"] == "auditor"
    user = User.objects.get(pk=sup_east.pk)
    assert role_of(user) == Role.AUDITOR
    assert user.check_password("Another-Pass-77")


@pytest.mark.parametrize("who", ["mgr_a", "sup_east", "auditor", "integration"])
def test_only_administrators_see_or_change_users(api, request, who, mgr_b):
    client = api(request.getfixturevalue(who))
    assert client.get("/api/v1/users/").status_code == 403
    assert client.get(f"/api/v1/users/{mgr_b.pk}/").status_code == 403
    assert client.patch(f"/api/v1/users/{mgr_b.pk}/", {"name": "x"}).status_code == 403
    payload = {"username": "x", "password": "Strong-Pass-2025", "role": "auditor"}
    assert client.post("/api/v1/users/", payload).status_code == 403


def test_users_need_credentials(api):
    assert api().get("/api/v1/users/").status_code == 401


def test_users_filter_by_role(api, admin_user, mgr_a, mgr_b, sup_east, auditor):
    response = api(admin_user).get("/api/v1/users/?role=account_manager")
    assert {row["username"] for row in response.json()["results"]} == {"mgr_a", "mgr_b"}
    admins = api(admin_user).get("/api/v1/users/?role=admin").json()["results"]
    assert [row["username"] for row in admins] == ["admin"]


def test_user_list_queries_do_not_grow_with_rows(
    api, admin_user, east, count_queries, django_assert_max_num_queries
):
    client = api(admin_user)
    for n in range(2):
        UserFactory(username=f"m{n}", role="account_manager", region=east)
    client.get("/api/v1/users/")
    few = count_queries(lambda: client.get("/api/v1/users/"))
    for n in range(2, 12):
        UserFactory(username=f"m{n}", role=("account_manager", "auditor")[n % 2], region=east)
    with django_assert_max_num_queries(few):
        body = client.get("/api/v1/users/").json()
    assert body["count"] == 13
    assert {row["role"] for row in body["results"]} == {"admin", "account_manager", "auditor"}


# --- managers --------------------------------------------------------------------------------


def test_managers_show_their_portfolio_size(
    api, admin_user, mgr_a, mgr_b, portfolios, customer_for
):
    customer_for(mgr_a)
    rows = api(admin_user).get("/api/v1/managers/").json()["results"]
    counts = {row["username"]: row["customer_count"] for row in rows}
    assert counts == {"mgr_a": 2, "mgr_b": 1, "mgr_c": 1}
    row = next(r for r in rows if r["username"] == "mgr_a")
    assert {k: row[k] for k in ("id", "name", "employee_no", "region", "supervisor")} == {
        "id": mgr_a.pk,
        "name": "经理甲",
        "employee_no": "E001",
        "region": "EAST",
        "supervisor": mgr_a.supervisor_id,
    }


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("sup_east", {"mgr_a", "mgr_b"}),
        ("sup_all", {"mgr_a", "mgr_b", "mgr_c"}),
        ("mgr_a", {"mgr_a"}),
        ("auditor", {"mgr_a", "mgr_b", "mgr_c"}),
    ],
)
def test_managers_are_scoped_like_customers(api, request, portfolios, who, expected):
    rows = api(request.getfixturevalue(who)).get("/api/v1/managers/").json()["results"]
    assert {row["username"] for row in rows} == expected


def test_manager_outside_the_scope_is_not_found(api, sup_east, mgr_c):
    assert api(sup_east).get(f"/api/v1/managers/{mgr_c.pk}/").status_code == 404


def test_manager_list_queries_do_not_grow_with_rows(
    api, sup_all, east, customer_for, count_queries, django_assert_max_num_queries
):
    client = api(sup_all)
    managers = [
        UserFactory(username=f"m{n}", role="account_manager", region=east) for n in range(2)
    ]
    client.get("/api/v1/managers/")
    few = count_queries(lambda: client.get("/api/v1/managers/"))
    managers += [
        UserFactory(username=f"m{n}", role="account_manager", region=east) for n in range(2, 10)
    ]
    for manager in managers:
        customer_for(manager)
    with django_assert_max_num_queries(few):
        assert client.get("/api/v1/managers/").json()["count"] == 10


# --- handover --------------------------------------------------------------------------------


@pytest.mark.date_sensitive
def test_supervisor_hands_a_portfolio_over_in_one_step(api, sup_east, mgr_a, mgr_b, customer_for):
    customers = [customer_for(mgr_a) for _ in range(3)]
    followups = [FollowUpFactory(customer=c, manager=mgr_a) for c in customers]
    effective = timezone.localdate() + dt.timedelta(days=1)
    response = api(sup_east).post(
        f"/api/v1/managers/{mgr_a.pk}/handover/",
        {"to": mgr_b.pk, "effective": effective.isoformat(), "reason": "调岗"},
    )
    assert response.status_code == 200, response.json()
    assert response.json() == {"moved": 3, "to": mgr_b.pk, "effective": effective.isoformat()}
    assert set(
        Assignment.objects.open().filter(customer__in=customers).values_list("manager", flat=True)
    ) == {mgr_b.pk}
    assert set(
        FollowUp.objects.filter(pk__in=[f.pk for f in followups]).values_list("manager", flat=True)
    ) == {mgr_b.pk}


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({}, "to"),
        ({"to": "abc"}, "to"),
        ({"to": 999999}, "to"),
        ({"to": "SELF"}, "to"),
        ({"to": "mgr_b", "effective": "2025-02-30"}, "effective"),
        ({"to": "mgr_b", "effective": "tomorrow"}, "effective"),
        ({"to": "mgr_c"}, "to"),  # outside sup_east's region: reads as missing
        ({"to": "sup_east"}, "to"),  # not a manager
    ],
)
def test_bad_handover_is_400_and_moves_nothing(
    api, request, sup_east, mgr_a, portfolios, payload, field
):
    names = {"SELF": mgr_a, "mgr_b": request.getfixturevalue("mgr_b")}
    names["mgr_c"] = request.getfixturevalue("mgr_c")
    names["sup_east"] = sup_east
    payload = {k: names[v].pk if v in names else v for k, v in payload.items()}
    response = api(sup_east).post(f"/api/v1/managers/{mgr_a.pk}/handover/", payload)
    assert response.status_code == 400
    assert field in response.json(), response.json()
    assert Assignment.objects.open().get(customer=portfolios["a"]).manager == mgr_a


@pytest.mark.date_sensitive
def test_handover_on_the_day_of_an_assignment_is_refused(api, sup_east, mgr_a, mgr_b):
    AssignmentFactory(customer=CustomerFactory(), manager=mgr_a, start=timezone.localdate())
    response = api(sup_east).post(f"/api/v1/managers/{mgr_a.pk}/handover/", {"to": mgr_b.pk})
    assert response.status_code == 400
    assert "effective" in response.json()


@pytest.mark.parametrize("who", ["mgr_a", "auditor", "integration"])
def test_only_supervisors_and_administrators_hand_over(api, request, who, mgr_a, mgr_b):
    response = api(request.getfixturevalue(who)).post(
        f"/api/v1/managers/{mgr_b.pk}/handover/", {"to": mgr_a.pk}
    )
    assert response.status_code == 403


def test_handover_of_a_manager_outside_the_region_is_not_found(api, sup_east, mgr_c, mgr_a):
    response = api(sup_east).post(f"/api/v1/managers/{mgr_c.pk}/handover/", {"to": mgr_a.pk})
    assert response.status_code == 404


# --- assignments -----------------------------------------------------------------------------


@pytest.mark.date_sensitive
def test_posting_an_assignment_ends_the_open_one_the_day_before(
    api, sup_east, mgr_a, mgr_b, portfolios
):
    customer = portfolios["a"]
    start = timezone.localdate() + dt.timedelta(days=10)
    response = api(sup_east).post(
        "/api/v1/assignments/",
        {
            "customer": customer.pk,
            "manager": mgr_b.pk,
            "start": start.isoformat(),
            "reason": "调整",
        },
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert {k: body[k] for k in ("customer", "manager", "start", "end", "reason")} == {
        "customer": customer.pk,
        "manager": mgr_b.pk,
        "start": start.isoformat(),
        "end": None,
        "reason": "调整",
    }
    old = Assignment.objects.get(customer=customer, manager=mgr_a)
    assert old.end == start - dt.timedelta(days=1)


@pytest.mark.date_sensitive
def test_assignment_of_an_unassigned_customer_starts_today(api, sup_east, mgr_a, portfolios):
    response = api(sup_east).post(
        "/api/v1/assignments/", {"customer": portfolios["none"].pk, "manager": mgr_a.pk}
    )
    assert response.status_code == 201
    assert response.json()["start"] == timezone.localdate().isoformat()


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"manager": "mgr_b"}, "customer"),
        ({"customer": "c", "manager": "mgr_b"}, "customer"),  # outside the region: missing
        ({"customer": "a"}, "manager"),
        ({"customer": "a", "manager": "mgr_a"}, "manager"),  # already theirs
        ({"customer": "a", "manager": "sup_east"}, "manager"),  # not a manager
        ({"customer": "a", "manager": "mgr_b", "start": "2000-01-01"}, "start"),
        ({"customer": "a", "manager": "mgr_b", "start": "01/02/2025"}, "start"),
    ],
)
def test_bad_assignment_is_400_with_the_field(
    api, request, sup_east, mgr_a, portfolios, payload, field
):
    def resolve(value):
        if value in portfolios:
            return portfolios[value].pk
        if value in ("mgr_a", "mgr_b", "sup_east"):
            return request.getfixturevalue(value).pk
        return value

    response = api(sup_east).post(
        "/api/v1/assignments/", {k: resolve(v) for k, v in payload.items()}
    )
    assert response.status_code == 400
    assert field in response.json(), response.json()
    assert Assignment.objects.open().get(customer=portfolios["a"]).manager == mgr_a


@pytest.mark.parametrize("who", ["mgr_a", "auditor"])
def test_managers_and_auditors_do_not_assign(api, request, who, mgr_b, portfolios):
    response = api(request.getfixturevalue(who)).post(
        "/api/v1/assignments/", {"customer": portfolios["a"].pk, "manager": mgr_b.pk}
    )
    assert response.status_code == 403


@pytest.mark.parametrize("owner", ["a", "b", "c"])
@pytest.mark.parametrize("viewer", ["mgr_a", "mgr_b", "mgr_c", "sup_east", "auditor"])
def test_assignments_are_scoped_like_their_customers(api, request, portfolios, viewer, owner):
    visible = {"mgr_a": {"a"}, "mgr_b": {"b"}, "mgr_c": {"c"}, "sup_east": {"a", "b"}}.get(
        viewer, {"a", "b", "c"}
    )
    assignment = Assignment.objects.get(customer=portfolios[owner])
    response = api(request.getfixturevalue(viewer)).get(f"/api/v1/assignments/{assignment.pk}/")
    assert response.status_code == (200 if owner in visible else 404)


def test_assignments_filter_by_customer_manager_and_openness(
    api, admin_user, mgr_a, mgr_b, portfolios
):
    client = api(admin_user)
    client.post("/api/v1/assignments/", {"customer": portfolios["a"].pk, "manager": mgr_b.pk})
    rows = client.get(f"/api/v1/assignments/?customer={portfolios['a'].pk}").json()["results"]
    assert [(r["manager"], r["end"] is None) for r in rows] == [(mgr_b.pk, True), (mgr_a.pk, False)]
    closed = client.get(f"/api/v1/assignments/?manager={mgr_a.pk}&open=false").json()
    assert closed["count"] == 1


def test_assignment_list_queries_do_not_grow_with_rows(
    api, sup_all, mgr_a, customer_for, count_queries, django_assert_max_num_queries
):
    client = api(sup_all)
    customer_for(mgr_a)
    client.get("/api/v1/assignments/")
    few = count_queries(lambda: client.get("/api/v1/assignments/"))
    for _ in range(10):
        customer_for(mgr_a)
    with django_assert_max_num_queries(few):
        assert client.get("/api/v1/assignments/").json()["count"] == 11


# --- follow-ups ------------------------------------------------------------------------------


def test_follow_up_fields_follow_the_contract(api, mgr_a, portfolios):
    row = api(mgr_a).get("/api/v1/followups/").json()["results"][0]
    assert {"id", "customer", "manager", "kind", "due_at", "status", "summary", "source"} <= set(
        row
    )
    assert (row["customer"], row["manager"], row["status"]) == (
        portfolios["a"].pk,
        mgr_a.pk,
        "open",
    )


@pytest.mark.parametrize("owner", ["a", "b", "c", "none"])
@pytest.mark.parametrize("viewer", ["mgr_a", "mgr_b", "mgr_c", "sup_east", "sup_all", "auditor"])
def test_follow_ups_are_scoped_to_the_queue_or_region(api, request, portfolios, viewer, owner):
    visible = {
        "mgr_a": {"a"},
        "mgr_b": {"b"},
        "mgr_c": {"c"},
        "sup_east": {"a", "b", "none"},
    }.get(viewer, {"a", "b", "c", "none"})
    followup = FollowUp.objects.get(customer=portfolios[owner])
    client = api(request.getfixturevalue(viewer))
    assert client.get(f"/api/v1/followups/{followup.pk}/").status_code == (
        200 if owner in visible else 404
    )
    listed = {row["id"] for row in client.get("/api/v1/followups/").json()["results"]}
    assert (followup.pk in listed) == (owner in visible)


def test_manager_closes_a_follow_up(api, mgr_a, portfolios):
    followup = FollowUp.objects.get(customer=portfolios["a"])
    response = api(mgr_a).patch(
        f"/api/v1/followups/{followup.pk}/", {"status": "done", "note": "已电话联系"}
    )
    assert response.status_code == 200, response.json()
    assert (response.json()["status"], response.json()["note"]) == ("done", "已电话联系")
    followup.refresh_from_db()
    assert (followup.status, followup.closed_by) == ("done", mgr_a)
    assert followup.closed_at is not None


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"status": "archived"}, "status"),
        ({"due_at": "yesterday"}, "due_at"),
        ({"summary": ""}, "summary"),
        ({"summary": "x" * 501}, "summary"),
    ],
)
def test_bad_follow_up_edit_is_400(api, mgr_a, portfolios, payload, field):
    followup = FollowUp.objects.get(customer=portfolios["a"])
    response = api(mgr_a).patch(f"/api/v1/followups/{followup.pk}/", payload)
    assert response.status_code == 400
    assert field in response.json()


def test_closed_follow_up_cannot_be_reopened(api, mgr_a, portfolios):
    followup = FollowUp.objects.get(customer=portfolios["a"])
    client = api(mgr_a)
    client.patch(f"/api/v1/followups/{followup.pk}/", {"status": "cancelled"})
    response = client.patch(f"/api/v1/followups/{followup.pk}/", {"status": "open"})
    assert response.status_code == 400
    assert "status" in response.json()


@pytest.mark.date_sensitive
def test_follow_ups_filter_by_status_kind_and_due_time(api, mgr_a, portfolios):
    customer = portfolios["a"]
    now = timezone.now()
    soon = FollowUpFactory(customer=customer, manager=mgr_a, kind="risk", due_at=now)
    FollowUpFactory(customer=customer, manager=mgr_a, kind="visit", status="done")
    client = api(mgr_a)
    before = (now + dt.timedelta(minutes=1)).isoformat()
    rows = client.get("/api/v1/followups/", {"due_before": before, "status": "open"}).json()
    assert [r["id"] for r in rows["results"]] == [soon.pk]
    assert client.get("/api/v1/followups/?kind=visit").json()["count"] == 1
    assert client.get("/api/v1/followups/?due_before=soon").status_code == 400


def test_auditor_reads_but_does_not_edit_follow_ups(api, auditor, portfolios):
    followup = FollowUp.objects.get(customer=portfolios["a"])
    client = api(auditor)
    assert client.get(f"/api/v1/followups/{followup.pk}/").status_code == 200
    assert client.patch(f"/api/v1/followups/{followup.pk}/", {"status": "done"}).status_code == 403


def test_follow_up_list_queries_do_not_grow_with_rows(
    api, mgr_a, customer_for, count_queries, django_assert_max_num_queries
):
    client = api(mgr_a)
    customer = customer_for(mgr_a)
    FollowUpFactory.create_batch(2, customer=customer, manager=mgr_a)
    client.get("/api/v1/followups/")
    few = count_queries(lambda: client.get("/api/v1/followups/"))
    FollowUpFactory.create_batch(10, customer=customer, manager=mgr_a)
    with django_assert_max_num_queries(few):
        assert client.get("/api/v1/followups/").json()["count"] == 12


# --- notices ---------------------------------------------------------------------------------


def test_notices_are_the_callers_own_and_can_be_marked_read(
    api, sup_east, sup_all, count_queries, django_assert_max_num_queries
):
    for n in range(3):
        notify_user(sup_east, key=f"k{n}", title=f"通知{n}")
    notify_user(sup_all, key="other", title="别人的")
    client = api(sup_east)
    client.get("/api/v1/notices/")
    few = count_queries(lambda: client.get("/api/v1/notices/"))
    for n in range(3, 10):
        notify_user(sup_east, key=f"k{n}", title=f"通知{n}")
    with django_assert_max_num_queries(few):
        rows = client.get("/api/v1/notices/").json()
    assert rows["count"] == 10
    assert client.post("/api/v1/notices/mark-read/").json() == {"marked": 10}
    assert api(sup_all).post("/api/v1/notices/mark-read/").json() == {"marked": 1}
