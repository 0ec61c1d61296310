"""Payments as the API writes them, written by PostgreSQL: the delta sync's fast path.

An integration client syncs millions of payments (API.md "Delta sync"); building a model
instance and a dict per payment in Python costs more than the rows' SQL. For a keyset page
PostgreSQL writes the JSON array itself: the same fields and texts as `PaymentSerializer`
(money with its two places, periods `YYYY-MM`, timestamps by `crm_iso_moment`, common
migration 0004), which tests/billing/test_payment_json.py checks row for row.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.db import connection
from django.utils import timezone

from billing.models import Bill, Payment, PaymentAllocation
from customers.models import Customer

_PAGE_SQL = """
SELECT coalesce(json_agg(x.answer ORDER BY x.updated_at, x.id), '[]')::text FROM (
    SELECT p.updated_at, p.id, json_build_object(
        'id', p.id,
        'customer', p.customer_id,
        'account_no', c.account_no,
        'amount', p.amount::text,
        'paid_at', crm_iso_moment(p.paid_at, %(zone)s),
        'channel', p.channel,
        'reference', p.reference,
        'note', p.note,
        'allocations', coalesce((
            SELECT json_agg(json_build_object(
                'bill', a.bill_id,
                'period', to_char(b.period, 'YYYY-MM'),
                'amount', a.amount::text
            ) ORDER BY a.id)
            FROM {allocation} a JOIN {bill} b ON b.id = a.bill_id
            WHERE a.payment_id = p.id
        ), '[]'::json),
        'reversed', p.reversed_at IS NOT NULL,
        'reversed_at', crm_iso_moment(p.reversed_at, %(zone)s),
        'reversal_reason', p.reversal_reason,
        'created_at', crm_iso_moment(p.created_at, %(zone)s),
        'updated_at', crm_iso_moment(p.updated_at, %(zone)s)
    ) AS answer
    FROM {payment} p JOIN {customer} c ON c.id = p.customer_id
    WHERE p.id = ANY(%(ids)s)
) x
"""


def available() -> bool:
    """PostgreSQL writes the answer (elsewhere the serializer does)."""
    return connection.vendor == "postgresql"


def payments_json(ids: Sequence[int]) -> str:
    """The payments `ids` as a JSON array in sync order (`updated_at`, `id`), each as
    `PaymentSerializer` writes it, in the current time zone."""
    sql = _PAGE_SQL.format(
        payment=Payment._meta.db_table,
        customer=Customer._meta.db_table,
        allocation=PaymentAllocation._meta.db_table,
        bill=Bill._meta.db_table,
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, {"ids": list(ids), "zone": timezone.get_current_timezone_name()})
        (answer,) = cursor.fetchone()
    return answer
