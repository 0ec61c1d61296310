"""The one way to lock customer rows.

Every write that must serialise per customer (a payment and its allocation, a bill import, a
reassignment, a visit, a risk override, a disconnection, ...) takes the customer's row lock
with `SELECT ... FOR UPDATE` through these two functions. Several rows are always locked in
ascending id order, so two transactions locking overlapping sets of customers wait for each
other instead of deadlocking. Both must be called inside `transaction.atomic` (a lock taken
outside a transaction would be released at once).
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import connection
from django.db.transaction import TransactionManagementError

from customers.models import Customer


def _require_transaction() -> None:
    if not connection.in_atomic_block:
        raise TransactionManagementError(
            "Customer rows can only be locked inside transaction.atomic()."
        )


def lock_customers(customer_ids: Iterable[int]) -> list[int]:
    """Lock the rows of `customer_ids` in ascending id order, in one query, and return the ids
    that exist (ascending). Missing ids are skipped; an empty set runs no query."""
    _require_transaction()
    ids = sorted({int(pk) for pk in customer_ids})
    if not ids:
        return []
    return list(
        Customer.objects.select_for_update()
        .filter(pk__in=ids)
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def lock_customer(customer: Customer | int) -> Customer:
    """Lock one customer's row and return it freshly read; `Customer.DoesNotExist` if gone."""
    _require_transaction()
    pk = customer if isinstance(customer, int) else customer.pk
    return Customer.objects.select_for_update().get(pk=pk)
