"""`?search=` on the lists of rows that hang off a customer (common.api.search): the
customer part is the register's one search (name, account number, credit code, contacts), the
rest are the rows' own fields, all within the caller's scope."""

import pytest

from tests.factories import ContactFactory, FollowUpFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def two(customer_for, mgr_a, mgr_c, pay):
    hospital = customer_for(mgr_a, name="杭州第一人民医院", account_no="3301000101")
    steel = customer_for(mgr_c, name="宁波钢铁有限公司", account_no="3302000202")
    ContactFactory(customer=hospital, name="王建国", mobile="+8613912345678")
    return {
        "hospital": hospital,
        "steel": steel,
        "hospital_payment": pay(hospital, 100, reference="BANK-778899"),
        "steel_payment": pay(steel, 200, reference="WX-000111"),
    }


def _ids(answer):
    assert answer.status_code == 200, answer.content
    return [row["id"] for row in answer.json()["results"]]


@pytest.mark.parametrize(
    ("term", "expected"),
    [
        ("人民医院", ["hospital_payment"]),  # the customer's name
        ("000202", ["steel_payment"]),  # the customer's account number
        ("778899", ["hospital_payment"]),  # the payment's own reference
        ("bank-77", ["hospital_payment"]),  # its reference, any case
        ("13912345678", ["hospital_payment"]),  # a contact's mobile
        ("建国", ["hospital_payment"]),  # a contact's name
        ("3301 BANK", ["hospital_payment"]),  # two words, both required
        ("3302 BANK", []),
        ("不存在", []),
    ],
)
def test_payments_are_found_by_their_customer_and_their_reference(
    api, admin_user, two, term, expected
):
    answer = api(admin_user).get("/api/v1/payments/", {"search": term})
    assert _ids(answer) == [two[name].pk for name in expected]


def test_the_search_stays_within_the_callers_scope(api, mgr_a, two):
    assert _ids(api(mgr_a).get("/api/v1/payments/", {"search": "钢铁"})) == []
    assert _ids(api(mgr_a).get("/api/v1/payments/", {"search": "WX-000111"})) == []
    assert _ids(api(mgr_a).get("/api/v1/payments/", {"search": "医院"})) == [
        two["hospital_payment"].pk
    ]


def test_follow_ups_are_found_by_summary_and_customer(api, mgr_a, two):
    own = FollowUpFactory(customer=two["hospital"], manager=mgr_a, summary="核对十一月电费")
    FollowUpFactory(customer=two["hospital"], manager=mgr_a, summary="走访配电房")
    assert _ids(api(mgr_a).get("/api/v1/followups/", {"search": "十一月"})) == [own.pk]
    assert len(_ids(api(mgr_a).get("/api/v1/followups/", {"search": "3301000101"}))) == 2


def test_a_customer_matched_by_name_and_own_field_lists_each_row_once(api, admin_user, two, pay):
    # The term is both in the customer's account number and in the reference.
    payment = pay(two["steel"], 50, reference="REF-3302000202")
    found = _ids(api(admin_user).get("/api/v1/payments/", {"search": "3302000202"}))
    assert sorted(found) == sorted([two["steel_payment"].pk, payment.pk])


def test_the_searched_tables_have_their_trigram_indexes():
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname FROM pg_indexes WHERE indexdef LIKE '%%gin_trgm_ops%%' "
            "ORDER BY indexname"
        )
        names = {row[0] for row in cursor.fetchall()}
    assert {
        "payment_reference_trgm",
        "collectionaction_outcome_trgm",
        "promise_promised_by_trgm",
        "complaint_ticket_no_trgm",
        "complaint_external_ref_trgm",
        "complaint_description_trgm",
        "visit_notes_trgm",
        "followup_summary_trgm",
    } <= names


def test_a_broad_search_stays_a_subquery_and_finds_the_same(api, admin_user, two, monkeypatch):
    from customers import querysets

    # Fewer ids than found: the union is used as a subquery instead of a list.
    monkeypatch.setattr(querysets, "SEARCH_IDS_INLINE", 0)
    answer = api(admin_user).get("/api/v1/payments/", {"search": "778899"})
    assert _ids(answer) == [two["hospital_payment"].pk]
    answer = api(admin_user).get("/api/v1/customers/", {"search": "13912345678"})
    assert _ids(answer) == [two["hospital"].pk]
