"""Query count of "my day" as an account manager opens it (a page of `manage.py bench_load`):
exact, and the same for 2 tasks as for 12."""

import pytest
from django.urls import reverse

from tests.factories import FollowUpFactory

pytestmark = pytest.mark.django_db


def test_a_managers_day_in_seven_queries(client, mgr_a, customer_for, django_assert_num_queries):
    client.force_login(mgr_a)
    for count in (2, 12):
        while len(client.get(reverse("accounts_manager:my_day")).context["tasks"]) < count:
            FollowUpFactory(customer=customer_for(mgr_a), manager=mgr_a)
        # session, user, role, open tasks, tasks per kind, the page, unread notices
        with django_assert_num_queries(7):
            response = client.get(reverse("accounts_manager:my_day"))
        assert len(response.context["tasks"]) == count
