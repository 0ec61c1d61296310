"""Reusable queries over bills, payments and collection, each scoped with `visible_to(user)`.

Amounts are SQL expressions so that lists and aggregates run a fixed number of queries:
a bill's paid amount is `paid_total`, the sum of its allocations that the database keeps on the
row (billing migration 0008), its outstanding amount the total less that. A customer's
outstanding amount is kept in `CustomerBalance` (billing.balances).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import models
from django.db.models import Case, F, OuterRef, Q, Subquery, Sum, Value, When
from django.db.models.functions import Coalesce, Round
from django.utils import timezone

# The models module imports this one for its managers (Django's own ordering): its
# models are read through the module at call time.
from billing import models as billing_models
from customers.querysets import CustomerScopedQuerySet

OPEN_BILL = Q(settled_on__isnull=True, written_off_at__isnull=True)
# Bills that still owe something (open or partially paid), from the paid amount on the row;
# the partial index `bill_owing_idx` holds them.
OWING_BILL = Q(written_off_at__isnull=True, paid_total__lt=F("total"))
# A bill's status (BillStatus values) as conditions on its row, exclusive of each other: the
# `bill_status` of `with_amounts()` and the API's `?status=` filter.
BILL_STATUS_CONDITIONS = {
    "written_off": Q(written_off_at__isnull=False),
    "paid": Q(written_off_at__isnull=True, paid_total__gte=F("total")),
    "partially_paid": OWING_BILL & Q(paid_total__gt=0),
    "open": OWING_BILL & Q(paid_total__lte=0),
}

# The one definition of the aging buckets: (key, first day past due, last day past due or
# None). A bill due today is not past due; one due 30 days ago is in 1_30, 31 days in 31_60.
AGING_BUCKETS = (("1_30", 1, 30), ("31_60", 31, 60), ("61_90", 61, 90), ("over_90", 91, None))


def aging_bucket_q(as_of: dt.date, first: int, last: int | None) -> Q:
    """A Q over bills whose due date puts them `first` to `last` days past due on `as_of`
    (an AGING_BUCKETS entry)."""
    q = Q(due_date__lte=as_of - dt.timedelta(days=first))
    if last is not None:
        q &= Q(due_date__gte=as_of - dt.timedelta(days=last))
    return q


def money_field() -> models.DecimalField:
    return models.DecimalField(max_digits=14, decimal_places=2)


def zero() -> Value:
    return Value(Decimal("0.00"), output_field=money_field())


def bill_outstanding_expression():
    """total − allocations of the bill in the current row (0 for a written-off bill)."""
    return Case(
        When(written_off_at__isnull=False, then=zero()),
        default=F("total") - F("paid_total"),
        output_field=money_field(),
    )


class BillQuerySet(CustomerScopedQuerySet):
    def open(self):
        """Bills neither fully paid nor written off."""
        return self.filter(OPEN_BILL)

    def overdue(self, as_of: dt.date | None = None):
        """Open bills whose due date has passed on `as_of` (today by default)."""
        return self.open().filter(due_date__lt=as_of or timezone.localdate())

    def with_amounts(self):
        """Annotate `paid_amount`, `outstanding_amount` and `bill_status` (BillStatus value),
        from the bill's row (`paid_total`, which the database keeps as its allocations' sum)."""
        return self.annotate(
            paid_amount=F("paid_total"),
            outstanding_amount=bill_outstanding_expression(),
            bill_status=Case(
                *(
                    When(condition, then=Value(status))
                    for status, condition in BILL_STATUS_CONDITIONS.items()
                ),
                output_field=models.CharField(),
            ),
        )


class PaymentQuerySet(CustomerScopedQuerySet):
    def active(self):
        """Payments that were not reversed."""
        return self.filter(reversed_at__isnull=True)

    def with_allocated(self):
        """Annotate `allocated_amount` and `unallocated_amount` (the customer's credit)."""

        total = (
            billing_models.PaymentAllocation.objects.filter(payment_id=OuterRef("pk"))
            .order_by()
            .values("payment_id")
            .annotate(s=Sum("amount"))
            .values("s")
        )
        return self.annotate(
            allocated_amount=Round(
                Coalesce(Subquery(total, output_field=money_field()), zero()),
                2,
                output_field=money_field(),
            )
        ).annotate(
            unallocated_amount=models.ExpressionWrapper(
                F("amount") - F("allocated_amount"), output_field=money_field()
            )
        )


class CustomerBalanceQuerySet(CustomerScopedQuerySet):
    def stale(self, as_of: dt.date):
        """Rows whose day-dependent figures (overdue, aging) do not hold on `as_of`."""
        return self.filter(Q(computed_on__gt=as_of) | Q(changes_on__lte=as_of))

    def in_arrears(self):
        """Customers with an open bill past due on any day D for which their balance is not
        `stale(D)` — refresh the stale ones first: within its window a balance's
        `arrears_since` is set exactly when the oldest open bill is past due. This is the
        predicate of the arrears indexes, so they serve it alone (an index-only scan)."""
        return self.filter(arrears_since__isnull=False)


class PaymentAllocationQuerySet(CustomerScopedQuerySet):
    customer_path = "bill__customer"


class CollectionActionQuerySet(CustomerScopedQuerySet):
    pass


class PaymentPromiseQuerySet(CustomerScopedQuerySet):
    def pending(self):
        return self.filter(status="pending")


class DisconnectionQuerySet(CustomerScopedQuerySet):
    def active(self):
        return self.filter(status__in=["requested", "approved", "executed"])

    def reconnection_overdue(self, now: dt.datetime | None = None):
        """Executed disconnections whose reconnection deadline has passed."""
        return self.filter(
            status="executed", reconnect_due__isnull=False, reconnect_due__lt=now or timezone.now()
        )
