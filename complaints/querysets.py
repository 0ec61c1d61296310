"""Who sees which complaint tickets: the one scoping rule of pages and API alike."""

from __future__ import annotations

from django.db import models
from django.db.models import Case, F, IntegerField, Q, Value, When
from django.utils import timezone

from common.roles import Role, role_of, sees_everything

# The models module imports this one for its managers (Django's own ordering): its
# models are read through the module at call time.
from complaints import models as complaints_models
from customers.models import Customer
from customers.querysets import CustomerScopedQuerySet, customer_scope


def complaint_scope(user) -> Q:
    """A Q over complaints_models.Complaint for what `user` sees.

    Everyone sees the tickets of the customers they see (customers.querysets.customer_scope);
    a manager or supervisor also sees the tickets assigned to them.
    """
    if sees_everything(user):
        # Not OR-ed with anything: an empty Q OR-ed with a condition is just that condition.
        return Q()
    role = role_of(user)
    if role is None:
        return Q(pk__in=[])
    if role == Role.ACCOUNT_MANAGER:
        # A subquery, not a join through assignments, so that OR-ing the assignee never
        # duplicates rows.
        own_customers = Customer.objects.filter(customer_scope(user)).values("pk")
        return Q(customer_id__in=own_customers) | Q(assignee_id=user.pk)
    if role == Role.SUPERVISOR:
        return customer_scope(user, "customer") | Q(assignee_id=user.pk)
    return customer_scope(user, "customer")


def deadline_passed(due, now) -> bool:
    """The boundary of every complaint deadline: a deadline reached at `now` is missed."""
    return due <= now


def deadline_passed_q(field: str, now) -> Q:
    """The deadline in `field` has been reached at `now`: reached is missed (`<=`)."""
    return Q(**{f"{field}__lte": now})


def overdue_q(now) -> Q:
    """The one definition of an overdue ticket, as a Q over complaints_models.Complaint.

    A ticket being worked whose contact deadline (while not yet contacted) or resolution
    deadline has been reached: a deadline at exactly `now` counts as missed (`<=`), the same
    boundary as the deadline job's breach step (its warning step stops at `due > now`).
    `Complaint.missed_deadline` / `Complaint.is_overdue` say the same for one loaded ticket.
    """

    return Q(status__in=complaints_models.WORKING_STATUSES) & (
        (Q(acknowledged_at__isnull=True) & deadline_passed_q("ack_due", now))
        | deadline_passed_q("resolve_due", now)
    )


class ComplaintQuerySet(CustomerScopedQuerySet):
    # `search` (CustomerScopedQuerySet) finds tickets by their customer and own fields.
    def visible_to(self, user):
        return self.filter(complaint_scope(user))

    def open(self):
        """Not closed: resolved tickets wait for their callback and still count as open."""
        return self.exclude(status="closed")

    def working(self):

        return self.filter(status__in=complaints_models.WORKING_STATUSES)

    def overdue(self, now=None):
        """Tickets being worked with a deadline that passed unmet (see `overdue_q`)."""
        return self.filter(overdue_q(now or timezone.now()))

    def with_next_due(self, now=None):
        """Annotate `next_due`: the deadline the ticket is working against now (or null), and
        `overdue` (1 or 0, by `overdue_q`)."""

        return self.annotate(
            next_due=Case(
                When(
                    status__in=complaints_models.WORKING_STATUSES,
                    acknowledged_at__isnull=True,
                    then=F("ack_due"),
                ),
                When(status__in=complaints_models.WORKING_STATUSES, then=F("resolve_due")),
                default=Value(None),
            ),
            overdue=Case(
                When(overdue_q(now or timezone.now()), then=Value(1)),
                default=Value(0),
                output_field=IntegerField(),
            ),
        )


class ComplaintRelatedQuerySet(models.QuerySet):
    """Rows hanging off one ticket (events, attachments, callbacks)."""

    def visible_to(self, user):

        return self.filter(
            complaint_id__in=complaints_models.Complaint.objects.visible_to(user).values("pk")
        )
