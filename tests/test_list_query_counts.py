"""Every list of the API runs the same number of queries whatever the number of rows on its
page: the demo data (every part filled), each list read with two rows a page and with
twenty-five. One query may depend on whether the page holds a row of a kind (the late fees of
overdue bills); a query per row would add twenty-three.

The lists are found from the URL configuration (devtools.bench_cases.api_lists, which
`make bench` times), so a new list is guarded without being added here.
"""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from devtools.bench_cases import api_lists

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

MOMENT = dt.datetime(2026, 11, 20, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


def statements(client, url) -> tuple[int, int, int]:
    with CaptureQueriesContext(connection) as captured:
        answer = client.get(url)
    assert answer.status_code == 200, (url, answer.content[:300])
    return answer.status_code, len(answer.json()["results"]), len(captured.captured_queries)


def test_no_list_runs_a_query_per_row(api, admin_user):
    with time_machine.travel(MOMENT, tick=True):
        call_command("seed_demo", "--customers", "40", verbosity=0)
        client = api(admin_user)
        thin = []
        for name, path, _viewset in api_lists():
            client.get(f"{path}?page_size=2")  # warm what a first request caches
            _, few_rows, few = statements(client, f"{path}?page_size=2")
            _, rows, many = statements(client, f"{path}?page_size=25")
            if rows <= few_rows:
                thin.append(name)
                continue
            assert many - few <= 1, f"{name}: {few} queries for {few_rows} rows, {many} for {rows}"
        # The demo data fills (nearly) every list; a list left empty would guard nothing.
        assert len(thin) <= 4, thin
