"""Scoping of the supply-quality rows: the same rule as the customers' (customer_scope).

A feeder-wide interruption (no customer) is seen by whoever sees a customer supplied from
that feeder; those who see every customer see every interruption.
"""

from django.db import models
from django.db.models import Exists, OuterRef, Q

from customers.models import Customer, SupplyPoint
from customers.querysets import CustomerScopedQuerySet, customer_scope, whole_regions_seen


class InterruptionQuerySet(models.QuerySet):
    def visible_to(self, user):
        if whole_regions_seen(user) is None:
            return self
        customers = Customer.objects.filter(customer_scope(user)).values("pk")
        feeds_visible = SupplyPoint.objects.filter(
            customer_id__in=customers, feeder_id=OuterRef("feeder_id")
        )
        return self.filter(
            Q(customer_id__in=customers) | (Q(customer__isnull=True) & Exists(feeds_visible))
        )

    def faults(self):
        return self.filter(planned=False)


class MonitoringPointQuerySet(CustomerScopedQuerySet):
    pass


class VoltageReadingQuerySet(CustomerScopedQuerySet):
    customer_path = "point__customer"


class EpisodeQuerySet(CustomerScopedQuerySet):
    def open(self):
        return self.filter(closed_at__isnull=True)
