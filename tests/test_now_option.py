"""The --now option of tests/conftest.py: a date_sensitive test and its fixtures run at that
moment, the clock ticking; a travel of the test's own wins while it lasts."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import timezone

SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def fixture_now():
    return timezone.now()


@pytest.mark.date_sensitive
def test_a_date_sensitive_test_and_its_fixtures_run_at_the_given_now(request, fixture_now):
    value = request.config.getoption("--now")
    if value is None:
        pytest.skip("runs with --now=… (scripts/test.sh)")
    moment = dt.datetime.fromisoformat(value)
    now = timezone.now()
    assert moment <= fixture_now <= now < moment + dt.timedelta(minutes=5)  # ticking from there
    assert timezone.localdate() == moment.astimezone(SHANGHAI).date()

    own = dt.datetime(2025, 6, 3, 9, 0, tzinfo=SHANGHAI)
    with time_machine.travel(own, tick=False):
        assert timezone.now() == own  # the test's own clock wins
    assert moment <= timezone.now() < moment + dt.timedelta(minutes=5)  # and hands back
