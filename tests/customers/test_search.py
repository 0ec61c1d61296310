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


def test_postgresql_serves_the_search_from_trigram_indexes():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname FROM pg_indexes WHERE tablename = 'customers_customer' "
            "AND indexdef LIKE '%%gin_trgm_ops%%' ORDER BY indexname"
        )
        names = [row[0] for row in cursor.fetchall()]
    assert names == ["customer_account_no_trgm", "customer_credit_code_trgm", "customer_name_trgm"]
