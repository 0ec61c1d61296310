"""Who sees which connection projects: the one scoping rule of pages and API alike."""

from __future__ import annotations

from django.db import models
from django.db.models import F, Prefetch, Q

from common.roles import Role, role_of, sees_everything

# The models module imports this one for its managers: its models are read through the module
# at call time.
from connections import models as connections_models
from customers.models import Customer
from customers.querysets import customer_scope, whole_regions_seen

LIVE_STATUSES = ("open", "waiting_customer")


def project_scope(user) -> Q:
    """A Q over connections_models.Project for what `user` sees, like the customers:

    - administrators, integration clients, auditors, supervisors without a region, the system:
      everything;
    - a supervisor: the projects of their region (an applicant has no customer yet, so the
      project's own region decides);
    - an account manager: the projects they own and those of the customers in their portfolio;
    - anyone else: nothing.
    """
    regions = whole_regions_seen(user)
    if regions is None:
        return Q()
    if regions:
        (region_id,) = regions
        return Q(region_id=region_id)
    if role_of(user) == Role.ACCOUNT_MANAGER:
        own_customers = Customer.objects.filter(customer_scope(user)).values("pk")
        return Q(manager_id=user.pk) | Q(customer_id__in=own_customers)
    return Q(pk__in=[])


class ProjectQuerySet(models.QuerySet):
    def visible_to(self, user):
        if sees_everything(user):
            return self.all()
        return self.filter(project_scope(user))

    def live(self):
        """Not ended: open or waiting for the customer."""
        return self.filter(status__in=LIVE_STATUSES)

    def search(self, text: str):
        text = (text or "").strip()
        if not text:
            return self
        return self.filter(
            Q(number__icontains=text)
            | Q(applicant_name__icontains=text)
            | Q(external_ref__icontains=text)
            | Q(customer__account_no__icontains=text)
        )

    def for_list(self):
        """What a list row shows, in a fixed number of queries whatever the rows."""
        return self.select_related("customer", "manager", "region").prefetch_related("steps")

    def with_current_step(self):
        """Rows of a page that shows only the current step: prefetch that step alone (as
        `current_steps`), not all six."""
        current = connections_models.ProjectStep.objects.filter(step=F("project__current_step"))
        return self.select_related("customer", "manager", "region").prefetch_related(
            Prefetch("steps", queryset=current, to_attr="current_steps")
        )


class ProjectRelatedQuerySet(models.QuerySet):
    """Rows hanging off one project (steps, waits, documents, events, attachments)."""

    def visible_to(self, user):
        if sees_everything(user):
            return self.all()
        return self.filter(
            project_id__in=connections_models.Project.objects.visible_to(user).values("pk")
        )
