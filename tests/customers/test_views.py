"""The customer pages end to end: scoping, filters, forms and their errors, query counts."""

from decimal import Decimal

import pytest
from django.urls import reverse

from customers import services
from customers.models import Assignment, Contact, Customer, SupplyPoint
from customers.tabs import TABS, CustomerTab
from tests.factories import (
    ContactFactory,
    FeederFactory,
    SubstationFactory,
    make_credit_code,
)

pytestmark = pytest.mark.django_db

GOOD_CODE = make_credit_code(4242)


def login(client, user):
    client.force_login(user)
    return client


def customer_post_data(feeders, *, primaries=(True,), **overrides):
    data = {
        "account_no": "3100009999",
        "name": "上海新能电子有限公司",
        "credit_code": GOOD_CODE,
        "credit_code_override": "",
        "segment": "industrial",
        "importance": "level2",
        "status": "active",
        "region": feeders[0].region_id,
        "address": "浦东新区张江路 88 号",
        "voltage_kv": "10",
        "contract_capacity_kva": "4000",
        "typical_daily_load_kw": "1500",
        "tariff": "two_part",
        "supply-TOTAL_FORMS": str(len(primaries)),
        "supply-INITIAL_FORMS": "0",
        "supply-MIN_NUM_FORMS": "1",
        "supply-MAX_NUM_FORMS": "20",
    }
    for i, primary in enumerate(primaries):
        data[f"supply-{i}-feeder"] = str(feeders[i].pk)
        if primary:
            data[f"supply-{i}-is_primary"] = "on"
    data.update(overrides)
    return data


@pytest.fixture
def two_feeders(east, feeder_east):
    return [feeder_east, FeederFactory(substation=SubstationFactory(region=east), region=east)]


# --- access ----------------------------------------------------------------------------------


@pytest.mark.parametrize("url_name", ["customers:list", "customers:create"])
def test_anonymous_user_is_sent_to_login(client, url_name):
    response = client.get(reverse(url_name))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_anonymous_user_cannot_open_a_customer_page(client, mgr_a, customer_for):
    customer = customer_for(mgr_a)
    response = client.get(reverse("customers:detail", args=[customer.pk]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("who", ["mgr_a", "sup_east", "sup_all", "admin_user", "auditor"])
def test_every_page_role_opens_the_list_and_the_customer_page(
    client, request, who, mgr_a, customer_for
):
    customer = customer_for(mgr_a)
    login(client, request.getfixturevalue(who))
    assert client.get(reverse("customers:list")).status_code == 200
    assert client.get(reverse("customers:detail", args=[customer.pk])).status_code == 200
    assert client.get(reverse("customers:timeline", args=[customer.pk])).status_code == 200
    assert client.get(reverse("customers:history", args=[customer.pk])).status_code == 200


def test_integration_client_has_no_pages(client, integration, mgr_a, customer_for):
    customer = customer_for(mgr_a)
    login(client, integration)
    response = client.get(reverse("customers:list"))
    assert response.status_code == 403
    assert reverse("api-docs") in response.content.decode()
    assert client.get(reverse("customers:detail", args=[customer.pk])).status_code == 403


@pytest.mark.parametrize(
    "url_name",
    [
        "customers:detail",
        "customers:edit",
        "customers:timeline",
        "customers:history",
        "customers:contact_create",
    ],
)
def test_another_managers_customer_is_not_found(client, mgr_a, mgr_b, customer_for, url_name):
    foreign = customer_for(mgr_b)
    login(client, mgr_a)
    assert client.get(reverse(url_name, args=[foreign.pk])).status_code == 404


def test_supervisor_does_not_see_another_regions_customer(client, sup_east, mgr_c, customer_for):
    western = customer_for(mgr_c)
    login(client, sup_east)
    assert client.get(reverse("customers:detail", args=[western.pk])).status_code == 404


# --- the list --------------------------------------------------------------------------------


def test_manager_lists_only_own_customers(client, mgr_a, mgr_b, customer_for):
    mine = customer_for(mgr_a, name="甲方自有客户")
    theirs = customer_for(mgr_b, name="乙方客户")
    login(client, mgr_a)
    page = client.get(reverse("customers:list")).content.decode()
    assert mine.name in page
    assert theirs.name not in page


def test_list_searches_name_account_number_and_credit_code(client, sup_all, customer_for):
    hospital = customer_for(None, name="浦东人民医院", account_no="3100000777")
    school = customer_for(None, name="复旦附中")
    login(client, sup_all)
    for term in ["人民医院", "0000777", hospital.credit_code.lower()]:
        page = client.get(reverse("customers:list"), {"q": term}).content.decode()
        assert hospital.name in page, term
        assert school.name not in page, term


def test_list_filters_by_segment_risk_and_missing_manager(client, sup_all, mgr_a, customer_for):
    hospital = customer_for(mgr_a, name="某某医院", segment="hospital", risk_level="high")
    factory = customer_for(mgr_a, name="某某工厂", segment="industrial")
    orphan = customer_for(None, name="无人负责公司")
    login(client, sup_all)
    url = reverse("customers:list")
    page = client.get(url, {"segment": "hospital"}).content.decode()
    assert hospital.name in page and factory.name not in page
    page = client.get(url, {"risk": "none"}).content.decode()
    assert factory.name in page and hospital.name not in page
    page = client.get(url, {"unassigned": "true"}).content.decode()
    assert orphan.name in page and hospital.name not in page and factory.name not in page


def test_list_filters_by_manager(client, sup_east, mgr_a, mgr_b, customer_for):
    a = customer_for(mgr_a, name="甲的客户")
    b = customer_for(mgr_b, name="乙的客户")
    login(client, sup_east)
    page = client.get(reverse("customers:list"), {"manager": mgr_b.pk}).content.decode()
    assert b.name in page and a.name not in page


def test_list_sorts_by_a_column_both_ways(client, sup_all, customer_for):
    customer_for(None, name="A 公司", contract_capacity_kva=Decimal("100"))
    customer_for(None, name="B 公司", contract_capacity_kva=Decimal("900"))
    login(client, sup_all)
    ascending = client.get(reverse("customers:list"), {"o": "capacity"}).context["customers"]
    descending = client.get(reverse("customers:list"), {"o": "-capacity"}).context["customers"]
    assert [c.name for c in ascending] == ["A 公司", "B 公司"]
    assert [c.name for c in descending] == ["B 公司", "A 公司"]


def test_list_shows_the_manager_and_a_not_scanned_risk_badge(client, mgr_a, customer_for):
    customer_for(mgr_a)
    login(client, mgr_a)
    response = client.get(reverse("customers:list"))
    row = response.context["customers"][0]
    assert row.manager_name == mgr_a.name
    assert 'data-risk="none"' in response.content.decode()


def test_list_ignores_a_bad_page_number_and_unknown_filter_values(client, sup_all, customer_for):
    customer_for(None)
    login(client, sup_all)
    response = client.get(
        reverse("customers:list"), {"page": "abc", "segment": "nonsense", "o": "drop table"}
    )
    assert response.status_code == 200


def test_list_query_count_does_not_grow_with_rows(
    client, sup_all, mgr_a, customer_for, django_assert_max_num_queries
):
    for i in range(12):
        customer = customer_for(mgr_a if i % 2 else None)
        ContactFactory(customer=customer)
    login(client, sup_all)
    with django_assert_max_num_queries(9):
        response = client.get(reverse("customers:list"), {"o": "manager"})
    assert len(response.context["customers"]) == 12


# --- the 360 page ----------------------------------------------------------------------------


def test_customer_page_shows_profile_contacts_supply_points_and_manager(
    client, mgr_a, customer_for
):
    customer = customer_for(mgr_a)
    ContactFactory(customer=customer, name="王电工", mobile="+8613812345678")
    login(client, mgr_a)
    page = client.get(reverse("customers:detail", args=[customer.pk])).content.decode()
    assert customer.credit_code in page
    assert "王电工" in page and "+8613812345678" in page
    sp = customer.supply_points.get()
    assert sp.feeder.code in page
    assert mgr_a.name in page


def test_customer_page_query_count_does_not_grow(
    client, sup_east, mgr_a, mgr_b, customer_for, django_assert_max_num_queries
):
    customer = customer_for(mgr_a)
    for _ in range(5):
        ContactFactory(customer=customer)
    for _ in range(3):
        SupplyPoint.objects.create(customer=customer, feeder=FeederFactory(), is_primary=False)
    from customers.portfolios import assign_customer

    assign_customer(customer, manager=mgr_b, acting_user=sup_east)
    login(client, sup_east)
    with django_assert_max_num_queries(10):
        response = client.get(reverse("customers:detail", args=[customer.pk]))
    assert len(response.context["contacts"]) == 5
    assert len(response.context["supply_points"]) == 4
    assert len(response.context["assignments"]) == 2


def test_customer_page_shows_the_registered_tabs_with_their_urls(
    client, mgr_a, customer_for, monkeypatch
):
    monkeypatch.setitem(
        TABS, "test-tab", CustomerTab("test-tab", "测试页签", "customers:timeline", 5)
    )
    monkeypatch.setitem(
        TABS, "missing-tab", CustomerTab("missing-tab", "没有页面", "nowhere:none", 6)
    )
    customer = customer_for(mgr_a)
    login(client, mgr_a)
    page = client.get(reverse("customers:detail", args=[customer.pk])).content.decode()
    assert "测试页签" in page
    assert f'hx-get="{reverse("customers:timeline", args=[customer.pk])}"' in page
    assert "没有页面" not in page


def test_auditor_sees_the_customer_page_without_edit_actions(client, auditor, mgr_a, customer_for):
    customer = customer_for(mgr_a)
    login(client, auditor)
    response = client.get(reverse("customers:detail", args=[customer.pk]))
    assert response.status_code == 200
    assert reverse("customers:edit", args=[customer.pk]) not in response.content.decode()
    assert client.get(reverse("customers:edit", args=[customer.pk])).status_code == 403


def test_timeline_lists_entries_and_filters_by_kind(client, mgr_a, customer_for):
    customer = customer_for(mgr_a)
    ContactFactory(customer=customer, name="李四")
    login(client, mgr_a)
    url = reverse("customers:timeline", args=[customer.pk])
    everything = client.get(url).context["entries"]
    assert {e["tl_kind"] for e in everything} >= {"assignment"}
    only_assignments = client.get(url, {"kind": "assignment"}).context["entries"]
    assert only_assignments and all(e["tl_kind"] == "assignment" for e in only_assignments)


def test_change_history_shows_who_changed_which_field_from_what_to_what(
    client, mgr_a, customer_for
):
    customer = services.create_customer(
        acting_user=mgr_a,
        account_no="3100001234",
        name="旧名称有限公司",
        credit_code=GOOD_CODE,
        segment="industrial",
        importance="normal",
        voltage_kv=10,
        contract_capacity_kva=1000,
        tariff="two_part",
        region=mgr_a.region,
    )
    services.update_customer(
        customer, acting_user=mgr_a, name="新名称有限公司", importance="level1"
    )
    login(client, mgr_a)
    response = client.get(reverse("customers:history", args=[customer.pk]))
    latest = response.context["changes"][0]
    assert latest["who"] == mgr_a.name
    changes = {f["name"]: (f["old"], f["new"]) for f in latest["fields"]}
    assert changes["name"] == ("旧名称有限公司", "新名称有限公司")
    assert changes["importance"] == ("普通用户", "一级重要用户")


def test_change_history_query_count_does_not_grow(
    client, mgr_a, customer_for, django_assert_max_num_queries
):
    customer = customer_for(mgr_a)
    contacts = [ContactFactory(customer=customer) for _ in range(4)]
    for i, contact in enumerate(contacts):
        services.update_contact(contact, acting_user=mgr_a, name=f"改名{i}")
        services.update_customer(customer, acting_user=mgr_a, address=f"地址{i}")
    login(client, mgr_a)
    # session, user, role, customer, count, page, 2 per history source, region and feeder
    # names, unread notices
    with django_assert_max_num_queries(14):
        response = client.get(reverse("customers:history", args=[customer.pk]))
    assert len(response.context["changes"]) >= 12


# --- create and edit -------------------------------------------------------------------------


def test_supervisor_registers_a_customer_with_supply_points_and_a_manager(
    client, sup_east, mgr_a, two_feeders
):
    login(client, sup_east)
    data = customer_post_data(two_feeders, primaries=(True, False), manager=str(mgr_a.pk))
    response = client.post(reverse("customers:create"), data)
    customer = Customer.objects.get(account_no="3100009999")
    assert response.status_code == 302 and response["Location"] == customer.get_absolute_url()
    assert sorted(customer.supply_points.values_list("is_primary", flat=True)) == [False, True]
    assert Assignment.objects.get(customer=customer, end__isnull=True).manager == mgr_a
    assert customer.history.first().history_user == sup_east


def test_a_customer_a_manager_registers_is_assigned_to_them(client, mgr_a, two_feeders):
    login(client, mgr_a)
    response = client.post(reverse("customers:create"), customer_post_data(two_feeders))
    assert response.status_code == 302
    customer = Customer.objects.get(account_no="3100009999")
    assert Assignment.objects.get(customer=customer, end__isnull=True).manager == mgr_a


@pytest.mark.parametrize(
    ("code", "message"),
    [
        (GOOD_CODE[:-1] + ("0" if GOOD_CODE[-1] != "0" else "1"), "校验码错误"),
        (GOOD_CODE[:17], "18 位"),
        ("91I10000MA1K4XXXXX", "不允许"),
    ],
)
def test_a_bad_credit_code_is_shown_on_its_field_and_nothing_is_saved(
    client, sup_east, two_feeders, code, message
):
    login(client, sup_east)
    response = client.post(
        reverse("customers:create"), customer_post_data(two_feeders, credit_code=code)
    )
    assert response.status_code == 200
    errors = response.context["form"].errors["credit_code"]
    assert len(errors) == 1 and message in errors[0]
    assert message in response.content.decode()
    assert not Customer.objects.filter(account_no="3100009999").exists()


def test_an_old_code_with_a_wrong_check_character_is_accepted_with_a_reason(
    client, sup_east, two_feeders
):
    bad_check = GOOD_CODE[:-1] + ("0" if GOOD_CODE[-1] != "0" else "1")
    login(client, sup_east)
    response = client.post(
        reverse("customers:create"),
        customer_post_data(
            two_feeders, credit_code=bad_check, credit_code_override="营业执照原件核验，旧码"
        ),
    )
    assert response.status_code == 302
    assert Customer.objects.get(account_no="3100009999").credit_code == bad_check


def test_credit_code_typed_with_spaces_and_lower_case_is_normalised(client, sup_east, two_feeders):
    spaced = " ".join([GOOD_CODE[:6].lower(), GOOD_CODE[6:12], GOOD_CODE[12:]])
    login(client, sup_east)
    client.post(reverse("customers:create"), customer_post_data(two_feeders, credit_code=spaced))
    assert Customer.objects.get(account_no="3100009999").credit_code == GOOD_CODE


@pytest.mark.parametrize("primaries", [(True, True), (False, False)])
def test_supply_points_need_exactly_one_primary(client, sup_east, two_feeders, primaries):
    login(client, sup_east)
    response = client.post(
        reverse("customers:create"), customer_post_data(two_feeders, primaries=primaries)
    )
    assert response.status_code == 200
    assert "主供" in " ".join(response.context["formset"].non_form_errors())
    assert not Customer.objects.exists()


def test_the_same_feeder_twice_is_refused(client, sup_east, two_feeders):
    login(client, sup_east)
    data = customer_post_data(two_feeders, primaries=(True, False))
    data["supply-1-feeder"] = data["supply-0-feeder"]
    response = client.post(reverse("customers:create"), data)
    assert response.status_code == 200
    assert response.context["formset"].non_form_errors()
    assert not Customer.objects.exists()


def test_generator_capacity_without_a_generator_is_a_field_error(client, sup_east, two_feeders):
    login(client, sup_east)
    response = client.post(
        reverse("customers:create"), customer_post_data(two_feeders, backup_capacity_kw="200")
    )
    assert response.status_code == 200
    assert response.context["form"].errors["backup_capacity_kw"]
    assert not Customer.objects.exists()


def test_a_duplicate_account_number_is_a_field_error(client, sup_east, two_feeders, customer_for):
    customer_for(None, account_no="3100009999")
    login(client, sup_east)
    response = client.post(reverse("customers:create"), customer_post_data(two_feeders))
    assert response.status_code == 200
    assert response.context["form"].errors["account_no"]


def test_auditor_cannot_register_a_customer(client, auditor, two_feeders):
    login(client, auditor)
    assert client.get(reverse("customers:create")).status_code == 403
    assert (
        client.post(reverse("customers:create"), customer_post_data(two_feeders)).status_code == 403
    )
    assert not Customer.objects.exists()


def test_editing_keeps_the_account_number_and_replaces_supply_points(
    client, mgr_a, customer_for, two_feeders
):
    customer = customer_for(mgr_a)
    login(client, mgr_a)
    url = reverse("customers:edit", args=[customer.pk])
    assert "disabled" in client.get(url).content.decode()
    data = customer_post_data(
        two_feeders,
        primaries=(False, True),
        account_no="9999999999",
        name="改名后的公司",
        credit_code=customer.credit_code,
    )
    data["supply-INITIAL_FORMS"] = "1"
    response = client.post(url, data)
    assert response.status_code == 302
    customer.refresh_from_db()
    assert customer.name == "改名后的公司"
    assert customer.account_no != "9999999999"
    primary = customer.supply_points.get(is_primary=True)
    assert primary.feeder == two_feeders[1]


def test_manager_cannot_edit_another_managers_customer(
    client, mgr_a, mgr_b, customer_for, two_feeders
):
    foreign = customer_for(mgr_b)
    login(client, mgr_a)
    response = client.post(
        reverse("customers:edit", args=[foreign.pk]), customer_post_data(two_feeders, name="篡改")
    )
    assert response.status_code == 404
    foreign.refresh_from_db()
    assert foreign.name != "篡改"


# --- contacts --------------------------------------------------------------------------------


def contact_data(**overrides):
    data = {
        "name": "张三",
        "role": "electrical",
        "mobile": "13912345678",
        "email": "",
        "preferred_channel": "sms",
        "language": "zh-hans",
        "receives_outage_notices": "on",
    }
    data.update(overrides)
    return data


def test_adding_a_contact_stores_the_mobile_as_plus_86(client, mgr_a, customer_for):
    customer = customer_for(mgr_a)
    login(client, mgr_a)
    response = client.post(reverse("customers:contact_create", args=[customer.pk]), contact_data())
    assert response.status_code == 302
    assert customer.contacts.get().mobile == "+8613912345678"


@pytest.mark.parametrize("mobile", ["12345", "02112345678", "1381234567"])
def test_a_bad_mobile_is_shown_on_its_field_and_nothing_changes(
    client, mgr_a, customer_for, mobile
):
    customer = customer_for(mgr_a)
    contact = ContactFactory(customer=customer, mobile="+8613800000000")
    login(client, mgr_a)
    response = client.post(
        reverse("customers:contact_edit", args=[customer.pk, contact.pk]),
        contact_data(mobile=mobile),
    )
    assert response.status_code == 200
    assert response.context["form"].errors["mobile"]
    assert "手机号" in response.content.decode()
    contact.refresh_from_db()
    assert contact.mobile == "+8613800000000"
    assert contact.name != "张三"


def test_sms_preference_without_a_mobile_is_a_field_error(client, mgr_a, customer_for):
    customer = customer_for(mgr_a)
    login(client, mgr_a)
    response = client.post(
        reverse("customers:contact_create", args=[customer.pk]), contact_data(mobile="")
    )
    assert response.status_code == 200
    assert response.context["form"].errors["mobile"]
    assert not customer.contacts.exists()


def test_editing_a_contact_records_the_change(client, mgr_a, customer_for):
    customer = customer_for(mgr_a)
    contact = ContactFactory(customer=customer, name="旧联系人")
    login(client, mgr_a)
    client.post(
        reverse("customers:contact_edit", args=[customer.pk, contact.pk]),
        contact_data(name="新联系人", mobile=contact.mobile, email=contact.email),
    )
    contact.refresh_from_db()
    assert contact.name == "新联系人"
    record = contact.history.first()
    assert record.history_user == mgr_a
    assert record.diff_against(record.prev_record).changed_fields == ["name"]


def test_deleting_a_contact_asks_first_then_deletes(client, mgr_a, customer_for):
    customer = customer_for(mgr_a)
    contact = ContactFactory(customer=customer)
    login(client, mgr_a)
    url = reverse("customers:contact_delete", args=[customer.pk, contact.pk])
    assert client.get(url).status_code == 200
    assert Contact.objects.filter(pk=contact.pk).exists()
    assert client.post(url).status_code == 302
    assert not Contact.objects.filter(pk=contact.pk).exists()


def test_a_contact_of_another_customer_is_not_found(client, mgr_a, customer_for):
    mine = customer_for(mgr_a)
    other = customer_for(mgr_a)
    contact = ContactFactory(customer=other)
    login(client, mgr_a)
    url = reverse("customers:contact_edit", args=[mine.pk, contact.pk])
    assert client.get(url).status_code == 404


def test_assigning_an_unassigned_customer_from_its_page(client, sup_east, mgr_a, customer_for):
    customer = customer_for(None)
    login(client, sup_east)
    page = client.get(reverse("customers:detail", args=[customer.pk])).content.decode()
    assert reverse("accounts_manager:assign", args=[customer.pk]) in page
