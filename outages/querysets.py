"""Who sees which outages, impacts and notifications (pages and API alike)."""

from django.db import models
from django.db.models import Exists, OuterRef

from common.roles import Role, role_of, sees_everything
from customers.models import SupplyPoint
from customers.querysets import CustomerScopedQuerySet, customer_scope
from grid.models import Feeder

# The models module imports this one for its managers (Django's own ordering): its
# models are read through the module at call time.
from outages import models as outages_models


class PlannedOutageQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Outages `user` sees.

        - everyone who sees every customer (admins, integration, auditors, supervisors without
          a region): all outages;
        - a supervisor: outages on a feeder of their region or hitting a customer of it;
        - an account manager: outages that hit one of their customers (a frozen impact), and
          outages not yet approved on a feeder that supplies one of their customers, so they
          can plan before the impacts are frozen.
        """
        if sees_everything(user):
            return self
        role = role_of(user)
        if role is None:
            return self.none()

        hits = outages_models.OutageImpact.objects.filter(
            customer_scope(user, "customer"), outage_id=OuterRef("pk"), removed_at__isnull=True
        )
        if role == Role.SUPERVISOR:
            on_region_feeder = Feeder.objects.filter(
                outages=OuterRef("pk"), region_id=user.region_id
            )
            return self.filter(Exists(hits) | Exists(on_region_feeder))
        if role == Role.ACCOUNT_MANAGER:
            feeds_mine = SupplyPoint.objects.filter(
                customer_scope(user, "customer"), feeder__outages=OuterRef("pk")
            )
            frozen = outages_models.OutageImpact.objects.filter(outage_id=OuterRef("pk"))
            return self.filter(Exists(hits) | (~Exists(frozen) & Exists(feeds_mine)))
        return self.none()

    def upcoming(self, now):
        return self.filter(start__gt=now)


class OutageImpactQuerySet(CustomerScopedQuerySet):
    def active(self):
        return self.filter(removed_at__isnull=True)


class NotificationQuerySet(CustomerScopedQuerySet):
    def pending(self):
        return self.filter(status="pending")
