"""The customer register's API end to end: regions, customers, contacts, timeline."""

from decimal import Decimal

import pytest

from customers.models import Assignment, Contact, Customer
from tests.factories import (
    ContactFactory,
    CustomerFactory,
    FeederFactory,
    FollowUpFactory,
    SupplyPointFactory,
    make_credit_code,
)

pytestmark = pytest.mark.django_db

# Who sees whose customer: managers their own, sup_east the east (a, b and the unassigned
# one), everybody else everything.
VIEWERS = ["mgr_a", "mgr_b", "mgr_c", "sup_east", "sup_all", "auditor", "admin_user", "integration"]
OWNERS = ["a", "b", "c", "none"]
SEES = {
    "mgr_a": {"a"},
    "mgr_b": {"b"},
    "mgr_c": {"c"},
    "sup_east": {"a", "b", "none"},
}


def sees(viewer: str, owner: str) -> bool:
    return owner in SEES.get(viewer, set(OWNERS))


def new_customer_payload(feeder, **overrides):
    payload = {
        "account_no": "3100055555",
        "name": "东方数据中心有限公司",
        "credit_code": make_credit_code(777).lower(),
        "segment": "data_center",
        "importance": "level1",
        "voltage_kv": "110.00",
        "contract_capacity_kva": "20000.00",
        "typical_daily_load_kw": "9000.00",
        "tariff": "two_part",
        "region": "EAST",
        "status": "active",
        "has_backup_generator": True,
        "backup_capacity_kw": "2000.00",
        "supply_points": [{"feeder": feeder.code, "is_primary": True}],
    }
    payload.update(overrides)
    return payload


# --- regions ---------------------------------------------------------------------------------


def test_regions_are_listed_for_every_role(api, auditor, east, west):
    response = api(auditor).get("/api/v1/regions/")
    assert response.status_code == 200
    assert [(r["code"], r["name"]) for r in response.json()["results"]] == [
        ("EAST", "东区"),
        ("WEST", "西区"),
    ]


def test_administrator_creates_a_region(api, admin_user):
    response = api(admin_user).post("/api/v1/regions/", {"code": "NORTH", "name": "北区"})
    assert response.status_code == 201
    assert response.json()["code"] == "NORTH"


@pytest.mark.parametrize(
    ("payload", "field"), [({"name": "北区"}, "code"), ({"code": "EAST", "name": "x"}, "code")]
)
def test_bad_region_is_refused_with_the_field(api, admin_user, east, payload, field):
    response = api(admin_user).post("/api/v1/regions/", payload)
    assert response.status_code == 400
    assert field in response.json()


@pytest.mark.parametrize("who", ["mgr_a", "sup_east", "auditor"])
def test_only_administrators_and_integration_create_regions(api, request, who):
    user = request.getfixturevalue(who)
    assert api(user).post("/api/v1/regions/", {"code": "N", "name": "北"}).status_code == 403


# --- customers: reading ----------------------------------------------------------------------


def test_customer_has_every_field_of_the_contract(api, admin_user, mgr_a, customer_for):
    customer = customer_for(mgr_a, has_backup_generator=True, backup_capacity_kw=Decimal("800"))
    body = api(admin_user).get(f"/api/v1/customers/{customer.pk}/").json()
    contract = {
        "id", "account_no", "name", "credit_code", "segment", "importance", "voltage_kv",
        "contract_capacity_kva", "typical_daily_load_kw", "tariff", "region", "status",
        "has_backup_generator", "backup_capacity_kw", "manager", "risk_level", "risk_score",
        "outstanding", "supply_points",
    }  # fmt: skip
    assert contract <= set(body)
    assert body["manager"] == mgr_a.pk
    assert body["region"] == "EAST"
    assert body["voltage_kv"] == "10.00"
    assert body["backup_capacity_kw"] == "800.00"
    assert body["risk_level"] is None
    assert body["outstanding"] in (None, "0.00")  # null until billing annotates it
    assert body["supply_points"] == [
        {"feeder": customer.supply_points.get().feeder.code, "is_primary": True}
    ]


def test_unassigned_customer_has_no_manager(api, admin_user, customer_for):
    customer = customer_for(None)
    assert api(admin_user).get(f"/api/v1/customers/{customer.pk}/").json()["manager"] is None


@pytest.mark.parametrize("viewer", VIEWERS)
def test_customer_list_is_scoped_to_the_viewer(api, request, portfolios, viewer):
    user = request.getfixturevalue(viewer)
    response = api(user).get("/api/v1/customers/")
    assert response.status_code == 200
    listed = {row["id"] for row in response.json()["results"]}
    assert listed == {c.pk for owner, c in portfolios.items() if sees(viewer, owner)}


@pytest.mark.parametrize("owner", OWNERS)
@pytest.mark.parametrize("viewer", VIEWERS)
def test_customer_outside_the_scope_is_not_found(api, request, portfolios, viewer, owner):
    user = request.getfixturevalue(viewer)
    customer = portfolios[owner]
    client = api(user)
    expected = 200 if sees(viewer, owner) else 404
    assert client.get(f"/api/v1/customers/{customer.pk}/").status_code == expected
    assert client.get(f"/api/v1/customers/{customer.pk}/timeline/").status_code == expected
    contact = customer.contacts.get()
    assert client.get(f"/api/v1/contacts/{contact.pk}/").status_code == expected


@pytest.mark.parametrize("owner", OWNERS)
@pytest.mark.parametrize("viewer", ["mgr_a", "mgr_b", "mgr_c", "sup_east"])
def test_writes_outside_the_scope_are_not_found(api, request, portfolios, viewer, owner):
    user = request.getfixturevalue(viewer)
    customer = portfolios[owner]
    client = api(user)
    visible = sees(viewer, owner)
    response = client.patch(f"/api/v1/customers/{customer.pk}/", {"address": "新地址1号"})
    assert response.status_code == (200 if visible else 404)
    contact = customer.contacts.get()
    response = client.patch(f"/api/v1/contacts/{contact.pk}/", {"name": "王强"})
    assert response.status_code == (200 if visible else 404)
    response = client.delete(f"/api/v1/contacts/{contact.pk}/")
    assert response.status_code == (204 if visible else 404)
    assert Contact.objects.filter(pk=contact.pk).exists() is not visible


@pytest.mark.parametrize(
    ("query", "owners"),
    [
        ("segment=hospital", {"h"}),
        ("importance=special", {"h"}),
        ("status=suspended", {"s"}),
        ("region=WEST", {"w"}),
        ("account_no=3100077777", {"h"}),
        ("search=人民医院", {"h"}),
        ("search=3100077777", {"h"}),
        ("voltage_kv=35", {"h"}),
        ("risk_level=high", {"s"}),
        ("tariff=single_part", {"h"}),
    ],
)
def test_customer_filters(api, admin_user, east, west, query, owners):
    made = {
        "h": CustomerFactory(
            account_no="3100077777", name="市第一人民医院", segment="hospital",
            importance="special", voltage_kv=Decimal("35"), tariff="single_part", region=east,
        ),
        "s": CustomerFactory(status="suspended", region=east, risk_level="high"),
        "w": CustomerFactory(region=west),
    }  # fmt: skip
    response = api(admin_user).get(f"/api/v1/customers/?{query}")
    assert response.status_code == 200
    assert {row["id"] for row in response.json()["results"]} == {made[k].pk for k in owners}


def test_customers_filter_by_manager_of_the_open_assignment(api, admin_user, portfolios, mgr_b):
    response = api(admin_user).get(f"/api/v1/customers/?manager={mgr_b.pk}")
    assert [row["id"] for row in response.json()["results"]] == [portfolios["b"].pk]


@pytest.mark.parametrize(
    "query",
    ["segment=spaceship", "importance=9", "status=gone", "risk_level=meh", "manager=abc",
     "voltage_kv=ten"],
)  # fmt: skip
def test_bad_filter_values_are_400_with_the_field(api, admin_user, query):
    response = api(admin_user).get(f"/api/v1/customers/?{query}")
    assert response.status_code == 400
    assert query.split("=")[0] in response.json()


def test_customers_are_ordered_on_request(api, admin_user, east):
    CustomerFactory(name="乙公司", region=east)
    CustomerFactory(name="甲公司", region=east)
    names = [
        r["name"]
        for r in api(admin_user).get("/api/v1/customers/?ordering=-name").json()["results"]
    ]
    assert names == sorted(names, reverse=True)


def test_customer_list_queries_do_not_grow_with_rows(
    api, admin_user, mgr_a, customer_for, count_queries, django_assert_max_num_queries
):
    client = api(admin_user)

    def add_customers(n):
        for _ in range(n):
            customer = customer_for(mgr_a)
            SupplyPointFactory(customer=customer, is_primary=False)

    add_customers(2)
    client.get("/api/v1/customers/")  # warm the role cache
    few = count_queries(lambda: client.get("/api/v1/customers/"))
    add_customers(10)
    with django_assert_max_num_queries(few):
        response = client.get("/api/v1/customers/")
    assert response.json()["count"] == 12
    assert all(len(row["supply_points"]) == 2 for row in response.json()["results"])


# --- customers: writing ----------------------------------------------------------------------


def test_manager_registers_a_customer_and_gets_it_in_the_portfolio(api, mgr_a, east):
    feeder = FeederFactory(region=east)
    backup = FeederFactory(region=east)
    payload = new_customer_payload(
        feeder,
        supply_points=[
            {"feeder": feeder.code, "is_primary": True},
            {"feeder": backup.code, "is_primary": False},
        ],
    )
    response = api(mgr_a).post("/api/v1/customers/", payload)
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["manager"] == mgr_a.pk
    assert body["credit_code"] == payload["credit_code"].upper()
    assert {sp["feeder"] for sp in body["supply_points"]} == {feeder.code, backup.code}
    customer = Customer.objects.get(pk=body["id"])
    assert customer.history.get().history_user == mgr_a


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"credit_code": "91110108MA01ABCD1F"}, "credit_code"),  # check character
        ({"credit_code": "91110108MA01ABCD"}, "credit_code"),  # too short
        ({"credit_code": "91110108MA01ABCDIE"}, "credit_code"),  # forbidden letter
        ({"segment": "spaceship"}, "segment"),
        ({"importance": "vip"}, "importance"),
        ({"tariff": "free"}, "tariff"),
        ({"region": "MARS"}, "region"),
        ({"voltage_kv": "abc"}, "voltage_kv"),
        ({"voltage_kv": "1234567.00"}, "voltage_kv"),
        ({"voltage_kv": "0.1"}, "voltage_kv"),
        ({"contract_capacity_kva": "-1"}, "contract_capacity_kva"),
        ({"has_backup_generator": False}, "backup_capacity_kw"),
        ({"supply_points": [{"feeder": "NOPE", "is_primary": True}]}, "supply_points"),
        ({"supply_points": [{"feeder": "F", "is_primary": False}]}, "supply_points"),
        ({"supply_points": "F0001"}, "supply_points"),
        ({"name": ""}, "name"),
        ({"account_no": ""}, "account_no"),
        ({"account_no": "x" * 40}, "account_no"),
    ],
)
def test_bad_customer_is_refused_with_the_field_and_nothing_written(
    api, admin_user, east, overrides, field
):
    feeder = FeederFactory(region=east, code="F")
    response = api(admin_user).post("/api/v1/customers/", new_customer_payload(feeder, **overrides))
    assert response.status_code == 400
    assert field in response.json(), response.json()
    assert not Customer.objects.exists()


def test_old_credit_code_is_accepted_with_an_override(api, admin_user, east):
    payload = new_customer_payload(
        FeederFactory(region=east),
        credit_code="91110108MA01ABCD1F",
        credit_code_override="2015年换证前的旧代码，档案已核实",
    )
    response = api(admin_user).post("/api/v1/customers/", payload)
    assert response.status_code == 201, response.json()


def test_duplicate_account_number_is_refused(api, admin_user, east):
    CustomerFactory(account_no="3100055555")
    response = api(admin_user).post(
        "/api/v1/customers/", new_customer_payload(FeederFactory(region=east))
    )
    assert response.status_code == 400
    assert "account_no" in response.json()


def test_supervisor_cannot_register_a_customer_in_another_region(api, sup_east, west):
    payload = new_customer_payload(FeederFactory(region=west), region="WEST")
    response = api(sup_east).post("/api/v1/customers/", payload)
    assert response.status_code == 400
    assert "region" in response.json()


def test_supervisor_cannot_move_a_customer_out_of_the_region(api, sup_east, portfolios):
    response = api(sup_east).patch(f"/api/v1/customers/{portfolios['a'].pk}/", {"region": "WEST"})
    assert response.status_code == 400
    assert "region" in response.json()


def test_account_number_cannot_be_changed(api, admin_user, portfolios):
    customer = portfolios["a"]
    response = api(admin_user).patch(f"/api/v1/customers/{customer.pk}/", {"account_no": "1"})
    assert response.status_code == 400
    assert "account_no" in response.json()


def test_patch_changes_fields_and_supply_points_and_records_history(api, mgr_a, portfolios, east):
    customer = portfolios["a"]
    feeder = FeederFactory(region=east)
    response = api(mgr_a).patch(
        f"/api/v1/customers/{customer.pk}/",
        {"importance": "level2", "supply_points": [{"feeder": feeder.code, "is_primary": True}]},
    )
    assert response.status_code == 200, response.json()
    assert response.json()["importance"] == "level2"
    assert response.json()["supply_points"] == [{"feeder": feeder.code, "is_primary": True}]
    latest = customer.history.latest("history_date")
    assert (latest.importance, latest.history_user) == ("level2", mgr_a)


@pytest.mark.parametrize("method", ["put", "delete"])
def test_customers_are_never_replaced_or_deleted(api, admin_user, portfolios, method):
    response = getattr(api(admin_user), method)(f"/api/v1/customers/{portfolios['a'].pk}/", {})
    assert response.status_code == 405


def test_auditor_reads_but_does_not_write_customers(api, auditor, portfolios, east):
    client = api(auditor)
    assert client.get("/api/v1/customers/").status_code == 200
    customer = portfolios["a"]
    assert client.patch(f"/api/v1/customers/{customer.pk}/", {"name": "x"}).status_code == 403
    payload = new_customer_payload(FeederFactory(region=east))
    assert client.post("/api/v1/customers/", payload).status_code == 403


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/api/v1/customers/"),
        ("post", "/api/v1/customers/"),
        ("get", "/api/v1/customers/1/"),
        ("get", "/api/v1/customers/1/timeline/"),
        ("get", "/api/v1/contacts/"),
        ("post", "/api/v1/contacts/"),
        ("get", "/api/v1/regions/"),
    ],
)
def test_no_credentials_is_401(api, method, path):
    assert getattr(api(), method)(path).status_code == 401


def test_token_authenticates_like_a_session(mgr_a, portfolios):
    from rest_framework.authtoken.models import Token
    from rest_framework.test import APIClient

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=mgr_a).key}")
    response = client.get("/api/v1/customers/")
    assert [row["id"] for row in response.json()["results"]] == [portfolios["a"].pk]
    client.credentials(HTTP_AUTHORIZATION="Token not-a-token")
    assert client.get("/api/v1/customers/").status_code == 401


# --- contacts --------------------------------------------------------------------------------


def test_manager_adds_a_contact_with_the_mobile_stored_as_e164(api, mgr_a, portfolios):
    customer = portfolios["a"]
    payload = {
        "customer": customer.pk,
        "name": "陈静",
        "role": "emergency",
        "mobile": "139 1234 5678",
        "email": "chen@example.com",
        "preferred_channel": "sms",
        "receives_outage_notices": True,
        "receives_billing_notices": False,
    }
    response = api(mgr_a).post("/api/v1/contacts/", payload)
    assert response.status_code == 201, response.json()
    assert response.json()["mobile"] == "+8613912345678"
    assert Contact.objects.get(pk=response.json()["id"]).mobile == "+8613912345678"
    assert set(payload) <= set(response.json())


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"mobile": "01088889999"}, "mobile"),  # landline
        ({"mobile": "1381234567"}, "mobile"),  # too short
        ({"mobile": "", "preferred_channel": "sms"}, "mobile"),
        ({"email": "", "preferred_channel": "email"}, "email"),
        ({"email": "not-an-address"}, "email"),
        ({"role": "boss"}, "role"),
        ({"preferred_channel": "pigeon"}, "preferred_channel"),
        ({"name": ""}, "name"),
        ({"customer": 0}, "customer"),
    ],
)
def test_bad_contact_is_refused_with_the_field(api, mgr_a, portfolios, overrides, field):
    payload = {
        "customer": portfolios["a"].pk,
        "name": "陈静",
        "role": "finance",
        "mobile": "13912345678",
        "email": "chen@example.com",
        "preferred_channel": "sms",
    }
    payload.update(overrides)
    response = api(mgr_a).post("/api/v1/contacts/", payload)
    assert response.status_code == 400
    assert field in response.json(), response.json()


def test_manager_cannot_add_a_contact_to_another_managers_customer(api, mgr_a, portfolios):
    payload = {"customer": portfolios["b"].pk, "name": "x", "role": "finance",
               "mobile": "13912345678"}  # fmt: skip
    response = api(mgr_a).post("/api/v1/contacts/", payload)
    assert response.status_code == 400
    assert "customer" in response.json()
    assert portfolios["b"].contacts.count() == 1


def test_editing_a_contact_with_a_bad_mobile_keeps_the_old_one(api, mgr_a, portfolios):
    contact = portfolios["a"].contacts.get()
    before = contact.mobile
    response = api(mgr_a).patch(f"/api/v1/contacts/{contact.pk}/", {"mobile": "12345"})
    assert response.status_code == 400
    assert "mobile" in response.json()
    contact.refresh_from_db()
    assert contact.mobile == before


def test_contact_cannot_move_to_another_customer(api, admin_user, portfolios):
    contact = portfolios["a"].contacts.get()
    response = api(admin_user).patch(
        f"/api/v1/contacts/{contact.pk}/", {"customer": portfolios["b"].pk}
    )
    assert response.status_code == 400
    assert "customer" in response.json()


def test_contacts_are_listed_for_the_viewers_customers_only(api, mgr_b, portfolios):
    response = api(mgr_b).get("/api/v1/contacts/")
    assert [row["customer"] for row in response.json()["results"]] == [portfolios["b"].pk]


def test_contacts_filter_by_customer_without_revealing_others(api, mgr_a, portfolios):
    client = api(mgr_a)
    own = client.get(f"/api/v1/contacts/?customer={portfolios['a'].pk}").json()
    foreign = client.get(f"/api/v1/contacts/?customer={portfolios['b'].pk}")
    missing = client.get("/api/v1/contacts/?customer=999999999")
    assert own["count"] == 1
    assert (foreign.status_code, foreign.json()["count"]) == (200, 0)
    assert (missing.status_code, missing.json()["count"]) == (200, 0)


def test_auditor_cannot_write_contacts(api, auditor, portfolios):
    contact = portfolios["a"].contacts.get()
    client = api(auditor)
    assert client.patch(f"/api/v1/contacts/{contact.pk}/", {"name": "x"}).status_code == 403
    assert client.delete(f"/api/v1/contacts/{contact.pk}/").status_code == 403


def test_contact_list_queries_do_not_grow_with_rows(
    api, admin_user, customer_for, count_queries, django_assert_max_num_queries
):
    client = api(admin_user)
    ContactFactory.create_batch(2, customer=customer_for(None))
    client.get("/api/v1/contacts/")
    few = count_queries(lambda: client.get("/api/v1/contacts/"))
    for _ in range(5):
        ContactFactory.create_batch(3, customer=customer_for(None))
    with django_assert_max_num_queries(few):
        assert client.get("/api/v1/contacts/").json()["count"] == 17


def test_region_list_queries_do_not_grow_with_rows(
    api, auditor, count_queries, django_assert_max_num_queries
):
    from tests.factories import RegionFactory

    client = api(auditor)
    RegionFactory.create_batch(2)
    client.get("/api/v1/regions/")
    few = count_queries(lambda: client.get("/api/v1/regions/"))
    RegionFactory.create_batch(20)
    with django_assert_max_num_queries(few):
        assert client.get("/api/v1/regions/").json()["count"] == 22


# --- timeline --------------------------------------------------------------------------------


def test_timeline_lists_changes_assignments_and_follow_ups_newest_first(
    api, admin_user, mgr_a, mgr_b, sup_east, east
):
    import datetime as dt

    import time_machine

    from customers.portfolios import assign_customer
    from customers.services import create_contact, update_customer

    start = dt.datetime(2025, 3, 3, 9, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False):
        customer = CustomerFactory(region=east)
    with time_machine.travel(start + dt.timedelta(days=1), tick=False):
        assign_customer(customer, manager=mgr_a, start=dt.date(2025, 3, 4), acting_user=sup_east)
    with time_machine.travel(start + dt.timedelta(days=2), tick=False):
        update_customer(customer, acting_user=mgr_a, address="新厂区")
    with time_machine.travel(start + dt.timedelta(days=3), tick=False):
        create_contact(customer=customer, acting_user=mgr_a, name="赵敏", role="legal",
                       mobile="13700001111")  # fmt: skip
    with time_machine.travel(start + dt.timedelta(days=4), tick=False):
        FollowUpFactory(customer=customer, manager=mgr_a, summary="季度走访")
    with time_machine.travel(start + dt.timedelta(days=5), tick=False):
        assign_customer(customer, manager=mgr_b, start=dt.date(2025, 3, 8), acting_user=sup_east)

    response = api(admin_user).get(f"/api/v1/customers/{customer.pk}/timeline/")
    assert response.status_code == 200
    entries = response.json()["results"]
    assert [e["kind"] for e in entries] == [
        "assignment", "followup", "change", "change", "assignment", "change",
    ]  # fmt: skip
    assert all(set(e) == {"at", "kind", "summary", "ref", "url"} for e in entries)
    assert entries[0]["at"].startswith("2025-03-08T17:00:00+08:00")
    assert "经理乙" in entries[0]["summary"]
    assert "季度走访" in entries[1]["summary"]
    assert "赵敏" in entries[2]["summary"] and "经理甲" in entries[2]["summary"]
    assert entries[1]["ref"].startswith("followup:")


def test_timeline_filters_by_kind(api, admin_user, mgr_a, customer_for):
    customer = customer_for(mgr_a)
    FollowUpFactory(customer=customer, manager=mgr_a)
    response = api(admin_user).get(f"/api/v1/customers/{customer.pk}/timeline/?kind=followup")
    assert [e["kind"] for e in response.json()["results"]] == ["followup"]


def test_timeline_queries_do_not_grow_with_entries(
    api, admin_user, mgr_a, customer_for, count_queries, django_assert_max_num_queries
):
    customer = customer_for(mgr_a)
    client = api(admin_user)
    url = f"/api/v1/customers/{customer.pk}/timeline/"
    client.get(url)
    few = count_queries(lambda: client.get(url))
    FollowUpFactory.create_batch(10, customer=customer, manager=mgr_a)
    for n in range(5):
        ContactFactory(customer=customer, name=f"联系人{n}")
    with django_assert_max_num_queries(few):
        assert client.get(url).json()["count"] >= 16


def test_new_customer_assignment_comes_from_the_register(api, mgr_a, east):
    response = api(mgr_a).post(
        "/api/v1/customers/", new_customer_payload(FeederFactory(region=east))
    )
    assert Assignment.objects.open().get(customer_id=response.json()["id"]).manager == mgr_a
