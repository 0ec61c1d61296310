"""The fixed cast every test can use.

Two regions (east, west); supervisor `sup_east` over east and `sup_all` with no region (all);
managers `mgr_a` and `mgr_b` in east under sup_east, `mgr_c` in west; an administrator, an
integration client and an auditor. Customers are made per test with `customer_for`.

`--now=2026-12-31T23:30:00+08:00` runs the tests marked `date_sensitive` (fixtures included)
with the clock travelled to that moment and ticking; a test that travels the clock itself keeps
its own time (the inner travel wins). scripts/test.sh runs them so at a set of awkward dates.
"""

import datetime as dt

import pytest
import time_machine
from rest_framework.test import APIClient

from tests.calendar_fixtures import official_calendar, sample_calendars  # noqa: F401
from tests.factories import (
    AssignmentFactory,
    CustomerFactory,
    FeederFactory,
    RegionFactory,
    SubstationFactory,
    SupplyPointFactory,
    UserFactory,
)

# Browser fixtures (chromium, browser_page, shot) for tests/browser and tests/dashboard.
pytest_plugins = ["tests.browser_fixtures"]


def pytest_addoption(parser):
    parser.addoption(
        "--now",
        metavar="ISO_DATETIME",
        default=None,
        help="Travel the clock to this moment (with its UTC offset, e.g. "
        "2026-12-31T23:30:00+08:00) for the tests marked date_sensitive.",
    )


def _now_option(config) -> dt.datetime | None:
    value = config.getoption("--now")
    if not value:
        return None
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError as error:
        raise pytest.UsageError(f"--now={value}: not an ISO 8601 date and time") from error
    if moment.tzinfo is None:
        raise pytest.UsageError(f"--now={value}: give the UTC offset, e.g. +08:00")
    return moment


def pytest_configure(config):
    _now_option(config)  # a bad value stops the run before any test


def pytest_report_header(config):
    moment = _now_option(config)
    if moment is not None:
        return f"date_sensitive tests run at {moment.isoformat()}"
    return None


@pytest.fixture(autouse=True)
def _travel_to_now(request):
    """With --now, a date_sensitive test and its fixtures run at that moment (ticking).

    Autouse at the root, so it starts before the test's other function-scoped fixtures; a
    time_machine.travel inside the test or a fixture nests and wins until it stops.
    """
    moment = _now_option(request.config)
    if moment is None or request.node.get_closest_marker("date_sensitive") is None:
        yield
        return
    with time_machine.travel(moment, tick=True):
        yield


@pytest.fixture
def east(db):
    return RegionFactory(code="EAST", name="东区")


@pytest.fixture
def west(db):
    return RegionFactory(code="WEST", name="西区")


@pytest.fixture
def sup_east(east):
    return UserFactory(username="sup_east", name="东区主管", region=east, role="supervisor")


@pytest.fixture
def sup_all(db):
    return UserFactory(username="sup_all", name="总主管", role="supervisor")


@pytest.fixture
def mgr_a(east, sup_east):
    return UserFactory(
        username="mgr_a",
        name="经理甲",
        region=east,
        supervisor=sup_east,
        employee_no="E001",
        role="account_manager",
    )


@pytest.fixture
def mgr_b(east, sup_east):
    return UserFactory(
        username="mgr_b",
        name="经理乙",
        region=east,
        supervisor=sup_east,
        employee_no="E002",
        role="account_manager",
    )


@pytest.fixture
def mgr_c(west):
    return UserFactory(
        username="mgr_c", name="经理丙", region=west, employee_no="W001", role="account_manager"
    )


@pytest.fixture
def admin_user(db):
    return UserFactory(username="admin", name="管理员", role="admin")


@pytest.fixture
def integration(db):
    return UserFactory(username="billing_system", name="营销系统", role="integration")


@pytest.fixture
def auditor(db):
    return UserFactory(username="auditor", name="审计", role="auditor")


@pytest.fixture
def feeder_east(east):
    return FeederFactory(substation=SubstationFactory(region=east), region=east)


@pytest.fixture
def customer_for(east, feeder_east):
    """customer_for(manager, **fields): an active customer assigned to `manager` (or nobody)."""

    def make(manager=None, **fields):
        fields.setdefault("region", manager.region if manager and manager.region else east)
        customer = CustomerFactory(**fields)
        SupplyPointFactory(customer=customer, feeder=feeder_east, is_primary=True)
        if manager is not None:
            AssignmentFactory(customer=customer, manager=manager)
        return customer

    return make


@pytest.fixture
def api():
    """api(user) -> an APIClient authenticated as `user` (None: anonymous)."""

    def make(user=None):
        client = APIClient()
        if user is not None:
            client.force_authenticate(user)
        return client

    return make


@pytest.fixture
def portfolios(mgr_a, mgr_b, mgr_c, customer_for, west):
    """One customer per manager (mgr_c's in the west) and one unassigned in the east, each with
    a contact and an open follow-up in its manager's queue.

    Returns {"a": customer, "b": …, "c": …, "none": …}.
    """
    from tests.factories import ContactFactory, FollowUpFactory

    customers = {
        "a": customer_for(mgr_a),
        "b": customer_for(mgr_b),
        "c": customer_for(mgr_c),
        "none": customer_for(None),
    }
    managers = {"a": mgr_a, "b": mgr_b, "c": mgr_c, "none": None}
    for key, customer in customers.items():
        ContactFactory(customer=customer)
        FollowUpFactory(customer=customer, manager=managers[key])
    return customers


@pytest.fixture
def count_queries():
    """count_queries(fn) -> the number of database queries `fn()` runs."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def count(fn) -> int:
        with CaptureQueriesContext(connection) as context:
            fn()
        return len(context.captured_queries)

    return count


@pytest.fixture(autouse=True)
def _fresh_official_calendar():
    """The official calendar is cached per process: each test reads its own database's (a
    year entered by a rolled-back test must not linger)."""
    from common import workcalendar

    workcalendar.clear_cache()
    yield
    workcalendar.clear_cache()


@pytest.fixture(autouse=True)
def api_answers_match_the_schema(monkeypatch):
    """Every `/api/v1/` answer that a test receives is checked against the served OpenAPI
    schema (tests/schema_validation.py)."""
    from django.test import Client

    from tests.schema_validation import check_response

    original = Client.request

    def checked(self, **request_kwargs):
        response = original(self, **request_kwargs)
        method = request_kwargs.get("REQUEST_METHOD", "GET")
        check_response(method, request_kwargs.get("PATH_INFO", ""), response)
        return response

    monkeypatch.setattr(Client, "request", checked)
