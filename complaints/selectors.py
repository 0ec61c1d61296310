"""Read-side queries of the complaints part, some of which other parts call."""

from __future__ import annotations

from django.db.models import Avg, Count, Q, QuerySet

from complaints.models import Category, Complaint, Status


def has_open_billing_complaint(customer_id: int) -> bool:
    """Whether the customer has an open complaint of category `billing`.

    Billing calls this before requesting, approving or executing a disconnection for arrears.
    "Open" is every status except `closed`: a resolved ticket still waits for the customer's
    callback, and a matter is settled only when the customer confirmed it (or a supervisor
    closed it after the customer could not be reached), so the disconnection stays held until
    then. A reopened ticket is open again.
    """
    return (
        Complaint.objects.filter(customer_id=customer_id, category=Category.BILLING)
        .exclude(status=Status.CLOSED)
        .exists()
    )


def complaint_indicators(queryset: QuerySet[Complaint]) -> dict:
    """Complaint figures for dashboards and the list page, in one query.

    - `open`: counts of not-closed tickets by status;
    - `sla_compliance`: of the tickets resolved or closed, the share that never missed a
      deadline (None when there are none);
    - `repeat_rate`: share of tickets that are repeats;
    - `satisfaction`: average callback satisfaction (None without callbacks);
    - `closed_without_callback`, `breached_open`, `escalated_open`: counts.
    """
    done = Q(status__in=[Status.RESOLVED, Status.CLOSED])
    working = ~Q(status__in=[Status.RESOLVED, Status.CLOSED])
    figures = queryset.order_by().aggregate(
        total=Count("pk"),
        repeats=Count("pk", filter=Q(is_repeat=True)),
        done=Count("pk", filter=done),
        done_in_time=Count("pk", filter=done & Q(breached=False)),
        satisfaction=Avg("satisfaction"),
        closed_without_callback=Count("pk", filter=Q(closed_without_callback=True)),
        breached_open=Count("pk", filter=working & Q(breached=True)),
        escalated_open=Count("pk", filter=working & Q(escalation_level__gt=0)),
        **{
            f"open_{s.value}": Count("pk", filter=Q(status=s)) for s in Status if s != Status.CLOSED
        },
    )
    total, done_count = figures["total"], figures["done"]
    return {
        "total": total,
        "open": {s.value: figures[f"open_{s.value}"] for s in Status if s != Status.CLOSED},
        "open_total": sum(figures[f"open_{s.value}"] for s in Status if s != Status.CLOSED),
        "sla_compliance": round(figures["done_in_time"] / done_count, 4) if done_count else None,
        "repeat_rate": round(figures["repeats"] / total, 4) if total else None,
        "satisfaction": round(float(figures["satisfaction"]), 2)
        if figures["satisfaction"] is not None
        else None,
        "closed_without_callback": figures["closed_without_callback"],
        "breached_open": figures["breached_open"],
        "escalated_open": figures["escalated_open"],
    }
