"""No input gets a 500: bad pages, odd values, broken bodies, unknown paths."""

import datetime as dt

import pytest
from django.db import DataError, IntegrityError
from django.test import Client
from rest_framework.test import APIClient

from common.api.exceptions import exception_handler
from common.errors import DomainError, TransitionNotAllowed
from tests.factories import CustomerFactory, FollowUpFactory

pytestmark = pytest.mark.django_db

LISTS = [
    "/api/v1/customers/",
    "/api/v1/contacts/",
    "/api/v1/regions/",
    "/api/v1/users/",
    "/api/v1/managers/",
    "/api/v1/assignments/",
    "/api/v1/followups/",
    "/api/v1/notices/",
]


@pytest.mark.parametrize("path", LISTS)
def test_every_list_is_paginated(api, admin_user, path):
    body = api(admin_user).get(path).json()
    assert set(body) == {"count", "next", "previous", "results"}


@pytest.mark.parametrize("path", LISTS)
@pytest.mark.parametrize("page", ["abc", "0", "-1", "1.5", "١", " 1"])
def test_a_page_that_is_not_a_positive_number_is_400(api, admin_user, path, page):
    response = api(admin_user).get(path, {"page": page})
    assert response.status_code == 400
    assert "page" in response.json()


def test_a_page_past_the_end_is_404_and_last_is_allowed(api, admin_user, east):
    CustomerFactory.create_batch(3, region=east)
    client = api(admin_user)
    assert client.get("/api/v1/customers/", {"page": 99}).status_code == 404
    assert client.get("/api/v1/customers/", {"page": "9" * 30}).status_code == 404
    assert client.get("/api/v1/customers/", {"page": "9" * 5000}).status_code == 404
    assert client.get("/api/v1/customers/", {"page": ""}).status_code == 200
    last = client.get("/api/v1/customers/", {"page": "last", "page_size": 2})
    assert last.status_code == 200
    assert len(last.json()["results"]) == 1


@pytest.mark.parametrize("page_size", ["100000", "abc", "0", "-5", "501"])
def test_odd_page_sizes_fall_back_or_are_capped(api, admin_user, page_size, east):
    CustomerFactory.create_batch(3, region=east)
    response = api(admin_user).get("/api/v1/customers/", {"page_size": page_size})
    assert response.status_code == 200
    assert len(response.json()["results"]) == 3


def test_page_size_is_capped_at_500(api, admin_user, east):
    CustomerFactory.create_batch(501, region=east)
    body = api(admin_user).get("/api/v1/customers/", {"page_size": 100000}).json()
    assert (body["count"], len(body["results"])) == (501, 500)


@pytest.mark.parametrize(
    "query",
    [
        {"manager": "9" * 40},
        {"manager": "-1"},
        {"voltage_kv": "1e400"},
        {"voltage_kv": "NaN"},
        {"search": "x" * 5000},
        {"ordering": "no_such_field"},
        {"ordering": "-,--"},
        {"account_no": "😀"},
    ],
)
def test_odd_filter_values_never_give_500(api, admin_user, query):
    response = api(admin_user).get("/api/v1/customers/", query)
    assert response.status_code in (200, 400)


@pytest.mark.parametrize(
    "due_before",
    ["0001-01-01T00:00:00Z", "9999-12-31T23:59:59-12:00", "0388-07-23T05:27:59-20:32", "x"],
)
def test_odd_moments_in_a_filter_never_give_500(api, admin_user, due_before):
    FollowUpFactory()
    response = api(admin_user).get("/api/v1/followups/", {"due_before": due_before})
    assert response.status_code in (200, 400)


@pytest.mark.parametrize(
    "path",
    ["/api/v1/customers/99999999999999999999999/", "/api/v1/customers/abc/",
     "/api/v1/customers/-1/", "/api/v1/customers/1.5/timeline/"],
)  # fmt: skip
def test_odd_ids_are_not_found(api, admin_user, path):
    response = api(admin_user).get(path)
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"


def test_unknown_api_path_is_a_json_404(api, admin_user):
    response = api(admin_user).get("/api/v1/no-such-thing/at/all")
    assert response.status_code == 404
    assert response.json() == {"detail": response.json()["detail"]}


def test_unknown_api_path_with_a_newline_is_a_json_404_too(api, admin_user):
    response = api(admin_user).get("/api/v1/customers/1%0A2/timeline/")
    assert (response.status_code, response["Content-Type"]) == (404, "application/json")


def test_unknown_api_path_is_404_even_without_login():
    response = Client().get("/api/v1/nothing-here/")
    assert (response.status_code, response["Content-Type"]) == (404, "application/json")


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        ("{not json", "application/json"),
        ("[1, 2", "application/json"),
        ("", "application/json"),
        ('{"name": "a\\u0000b"}', "application/json"),
    ],
)
def test_broken_json_bodies_are_400(api, admin_user, body, content_type):
    response = api(admin_user).generic("POST", "/api/v1/regions/", body, content_type)
    assert response.status_code == 400


@pytest.mark.parametrize(
    "body", ["[]", "42", '"text"', "null", '{"code": ["A"], "name": {"x": 1}}']
)
def test_json_of_the_wrong_shape_is_400(api, admin_user, body):
    response = api(admin_user).generic("POST", "/api/v1/regions/", body, "application/json")
    assert response.status_code == 400


@pytest.mark.parametrize(
    "content_type", ["application/x-www-form-urlencoded", "text/plain", "application/xml"]
)
def test_bodies_other_than_json_are_415(api, admin_user, content_type):
    response = api(admin_user).generic("POST", "/api/v1/regions/", "code=N&name=x", content_type)
    assert response.status_code == 415


@pytest.mark.parametrize(
    "kwargs",
    [
        {"path": "/api/v1/customers/?search=a%00b"},
        {"path": "/api/v1/customers/?a%00=1"},
        {"path": "/api/v1/customers/a%00/"},
        {"path": "/accounts/login/?next=%00"},
    ],
)
def test_nul_characters_in_the_address_are_400(admin_user, kwargs):
    client = APIClient()
    client.force_authenticate(admin_user)
    response = client.get(kwargs["path"])
    assert response.status_code == 400


def test_nul_character_in_a_cookie_is_400_not_a_session_lookup():
    client = Client()
    client.cookies["sessionid"] = "abc\x00def"
    assert client.get("/api/v1/customers/").status_code == 400


def test_huge_and_negative_numbers_in_a_body_are_field_errors(api, admin_user):
    response = api(admin_user).post(
        "/api/v1/assignments/", {"customer": 10**30, "manager": -1, "start": "2025-13-01"}
    )
    assert response.status_code == 400
    assert {"customer", "manager", "start"} <= set(response.json())


# --- the exception handler -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("exc", "status", "data"),
    [
        (DomainError("nope", "不可以", field="start"), 400, {"start": ["不可以"], "code": "nope"}),
        (DomainError("nope", "不可以"), 400, {"detail": "不可以", "code": "nope"}),
        (
            TransitionNotAllowed("state", "状态不允许"),
            409,
            {"detail": "状态不允许", "code": "state"},
        ),
        (IntegrityError("duplicate key"), 409, None),
        (DataError("value too long"), 400, None),
        (OverflowError("date value out of range"), 400, None),
    ],
)
def test_exception_handler_maps_refusals_to_client_errors(exc, status, data):
    response = exception_handler(exc, {})
    assert response.status_code == status
    if data is not None:
        assert response.data == data
    else:
        assert set(response.data) == {"detail"}


def test_django_validation_errors_keep_their_fields():
    from django.core.exceptions import ValidationError

    response = exception_handler(
        ValidationError({"mobile": ["坏号码"], "__all__": ["整体错误"]}), {}
    )
    assert response.status_code == 400
    assert response.data == {"mobile": ["坏号码"], "non_field_errors": ["整体错误"]}


def test_other_exceptions_are_left_to_be_real_500s():
    assert exception_handler(KeyError("bug"), {}) is None


def test_dates_far_in_the_past_or_future_are_accepted_or_refused_cleanly(api, sup_all, mgr_a):
    customer = CustomerFactory()
    for start in ("0001-01-01", "9999-12-31", str(dt.date.today())):
        response = api(sup_all).post(
            "/api/v1/assignments/", {"customer": customer.pk, "manager": mgr_a.pk, "start": start}
        )
        assert response.status_code in (201, 400)


def test_url_names_still_reverse_with_the_api_catch_all():
    from django.urls import reverse

    assert reverse("customer-list") == "/api/v1/customers/"
    assert reverse("api-docs") == "/api/docs/"
