"""The register's one search (CustomerQuerySet.search), used by the list page and the API's
`?search=`, and the trigram indexes that serve it on PostgreSQL."""

import pytest
from django.db import connection

from customers.models import Customer

pytestmark = pytest.mark.django_db


@pytest.fixture
def three(customer_for, mgr_a):
    return [
        customer_for(mgr_a, name="杭州第一人民医院", account_no="3301000101"),
        customer_for(mgr_a, name="宁波钢铁有限公司", account_no="3302000202"),
        customer_for(mgr_a, name="温州港务集团", account_no="3303000303"),
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("人民医院", [0]),  # a substring of the name, Chinese
        ("钢铁", [1]),  # two characters: read from the table, same answer
        ("000303", [2]),  # a substring of the account number
        ("  港务  ", [2]),  # spaces around the term do not count
        ("不存在的客户", []),
        ("", [0, 1, 2]),  # no term: no filter
    ],
)
def test_the_search_finds_substrings_of_name_and_account_number(three, text, expected):
    found = list(Customer.objects.search(text).order_by("account_no"))
    assert found == [three[i] for i in expected]


def test_the_credit_code_is_found_as_typed_with_spaces_and_lower_case(three):
    code = three[1].credit_code
    typed = f"{code[:4].lower()} {code[4:10]}"
    assert list(Customer.objects.search(typed)) == [three[1]]


def test_the_page_and_the_api_search_alike(client, api, mgr_a, three):
    client.force_login(mgr_a)
    page = client.get("/customers/", {"q": "人民医院"})
    assert page.status_code == 200
    assert three[0].name in page.content.decode()
    assert three[1].name not in page.content.decode()
    answer = api(mgr_a).get("/api/v1/customers/", {"search": "人民医院"}).json()
    assert [row["id"] for row in answer["results"]] == [three[0].pk]
    # Two words: both must match (as DRF's search does).
    answer = api(mgr_a).get("/api/v1/customers/", {"search": "3301 人民"}).json()
    assert [row["id"] for row in answer["results"]] == [three[0].pk]


def test_the_search_stays_within_the_callers_scope(api, mgr_b, three):
    answer = api(mgr_b).get("/api/v1/customers/", {"search": "人民医院"}).json()
    assert answer["results"] == []


@pytest.fixture
def with_contacts(three):
    from tests.factories import ContactFactory

    ContactFactory(customer=three[0], name="王建国", mobile="+8613912345678")
    ContactFactory(customer=three[1], name="李梅", mobile="+8613800001111")
    return three


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("建国", [0]),  # a contact's name, Chinese
        ("1234567", [0]),  # a substring of a contact's mobile
        ("139-1234-5678", [0]),  # typed with dashes
        ("+86138000", [1]),  # with the country code
        ("13800001111", [1]),
        ("5555555", []),
    ],
)
def test_the_search_finds_customers_by_their_contacts_name_and_phone(with_contacts, text, expected):
    found = list(Customer.objects.search(text).order_by("account_no"))
    assert found == [with_contacts[i] for i in expected]


def test_a_customer_found_twice_is_listed_once(with_contacts):
    from tests.factories import ContactFactory

    # The name and two contacts all match "钢铁".
    ContactFactory(customer=with_contacts[1], name="钢铁厂电工", mobile="+8613800002222")
    ContactFactory(customer=with_contacts[1], name="钢铁厂值班", mobile="+8613800003333")
    assert list(Customer.objects.search("钢铁")) == [with_contacts[1]]


def test_the_page_and_the_api_find_a_contacts_phone_within_scope(
    client, api, mgr_a, mgr_b, with_contacts
):
    client.force_login(mgr_a)
    page = client.get("/customers/", {"q": "13912345678"}).content.decode()
    assert with_contacts[0].name in page
    assert with_contacts[1].name not in page
    answer = api(mgr_a).get("/api/v1/customers/", {"search": "13912345678"}).json()
    assert [row["id"] for row in answer["results"]] == [with_contacts[0].pk]
    assert api(mgr_b).get("/api/v1/customers/", {"search": "13912345678"}).json()["results"] == []


def test_postgresql_serves_the_contacts_search_from_trigram_indexes():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname FROM pg_indexes WHERE tablename = 'customers_contact' "
            "AND indexdef LIKE '%%gin_trgm_ops%%' ORDER BY indexname"
        )
        names = [row[0] for row in cursor.fetchall()]
    assert names == ["contact_email_trgm", "contact_mobile_trgm", "contact_name_trgm"]


def test_postgresql_serves_the_search_from_trigram_indexes():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname FROM pg_indexes WHERE tablename = 'customers_customer' "
            "AND indexdef LIKE '%%gin_trgm_ops%%' ORDER BY indexname"
        )
        names = [row[0] for row in cursor.fetchall()]
    assert names == ["customer_account_no_trgm", "customer_credit_code_trgm", "customer_name_trgm"]
