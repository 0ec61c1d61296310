"""Factories of the dashboard, performance and visit tests."""

import datetime as dt

import factory
from django.utils import timezone

from tests.factories import CustomerFactory, UserFactory
from visits.models import Visit, VisitPlan


class VisitPlanFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = VisitPlan

    customer = factory.SubFactory(CustomerFactory)
    window_start = dt.date(2025, 6, 1)
    due_date = dt.date(2025, 6, 30)
    frequency_months = 1
    importance = "special"


class VisitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Visit

    customer = factory.SubFactory(CustomerFactory)
    manager = factory.SubFactory(UserFactory, role="account_manager")
    visited_at = factory.LazyFunction(timezone.now)
    kind = "routine"
    outcome = "completed"
