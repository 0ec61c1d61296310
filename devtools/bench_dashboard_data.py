"""Benchmark-only rows that `seed_bench` does not make, for `bench_dashboard --prepare`:
visits and surveys, complaint tickets with their events and callbacks, a grid with upcoming
outages and their notices, and two risk scans. Deterministic (choices come from the ids);
PostgreSQL only, like the rest of the benchmark code. Not a command (the leading underscore).
"""

from __future__ import annotations

import datetime as dt

from django.db import connection
from django.utils import timezone

from common.actors import SYSTEM
from complaints.models import CallbackAttempt, Complaint, ComplaintEvent
from customers.models import Assignment, Contact, Customer
from grid.models import Feeder, Region, Substation
from outages.models import Notification, OutageImpact, PlannedOutage
from risk import services as risk
from risk.models import RiskScanTrigger
from visits.models import SatisfactionSurvey, Visit, VisitPlan

TZ = "Asia/Shanghai"
CATEGORIES = ["power_quality", "outage", "billing", "service", "business", "metering", "other"]
WORKING = ["new", "acknowledged", "in_progress", "resolved", "reopened"]


def visits_and_surveys(today: dt.date) -> None:
    """A visit this cycle for a third of the customers (fulfilling their plan item), by their
    manager, on a day between the cycle's start and today; a survey on one in five."""
    if Visit.objects.filter(notes="bench").exists():
        return
    visit, plan = Visit._meta.db_table, VisitPlan._meta.db_table
    survey, assignment = SatisfactionSurvey._meta.db_table, Assignment._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
INSERT INTO {visit} (created_at, updated_at, customer_id, manager_id, visited_at, kind,
                     outcome, contact_person, notes, recorded_by_id)
SELECT now(), now(), p.customer_id, a.manager_id,
       ((p.window_start + (p.customer_id %% GREATEST(1, %(today)s::date - p.window_start + 1))::int)
        + time '10:00') AT TIME ZONE %(tz)s,
       'routine', 'completed', '', 'bench', a.manager_id
FROM {plan} p JOIN {assignment} a ON a.customer_id = p.customer_id AND a."end" IS NULL
WHERE p.status = 'planned' AND p.window_start <= %(today)s AND p.customer_id %% 3 = 0""",
            {"today": today, "tz": TZ},
        )
        cursor.execute(
            f"""
UPDATE {plan} p SET status = 'done', visit_id = v.id,
       done_on = (v.visited_at AT TIME ZONE %(tz)s)::date, updated_at = now()
FROM {visit} v
WHERE v.customer_id = p.customer_id AND p.status = 'planned' AND v.notes = 'bench'
  AND p.window_start <= (v.visited_at AT TIME ZONE %(tz)s)::date""",
            {"tz": TZ},
        )
        cursor.execute(
            f"""
INSERT INTO {survey} (visit_id, customer_id, taken_at, respondent, supply_reliability,
                      power_quality, billing, service_attitude, business_handling, comments)
SELECT v.id, v.customer_id, v.visited_at, '', 3 + v.id %% 3, 2 + v.id %% 4, 3 + v.id %% 3,
       4 + v.id %% 2, 3 + v.id %% 3, ''
FROM {visit} v WHERE v.notes = 'bench' AND v.id %% 5 = 0""",
            {},
        )


def complaints(today: dt.date) -> int:
    """Tickets of the last 12 months for about 8 % of the customers: older ones closed after a
    callback, recent ones in every status; some breached, some repeats."""
    if Complaint.objects.filter(description="bench").exists():
        return 0
    now = timezone.now()
    rows = [
        (customer_id, manager_id)
        for customer_id, manager_id in Assignment.objects.filter(
            end__isnull=True, customer__status="active"
        ).values_list("customer_id", "manager_id")
        if customer_id % 13 == 0
    ]
    tickets, events, callbacks = [], [], []
    for n, (customer_id, manager_id) in enumerate(rows):
        received = now - dt.timedelta(days=(customer_id * 7) % 365, hours=customer_id % 11)
        age = (now - received).days
        status = "closed" if age > 30 else ([*WORKING, "closed"])[customer_id % 6]
        breached = customer_id % 10 == 0
        done = status in ("resolved", "closed")
        resolved_at = received + dt.timedelta(days=2 + customer_id % 6) if done else None
        if resolved_at and resolved_at > now:
            resolved_at = now
        tickets.append(
            Complaint(
                ticket_no=f"BN{n:08d}",
                customer_id=customer_id,
                channel="hotline_95598",
                category=CATEGORIES[customer_id % len(CATEGORIES)],
                severity="normal",
                description="bench",
                assignee_id=manager_id,
                status=status,
                received_at=received,
                cycle_started_at=received,
                ack_due=received + dt.timedelta(hours=24),
                resolve_due=received + dt.timedelta(days=7),
                ack_warn_at=received + dt.timedelta(hours=23),
                resolve_warn_at=received + dt.timedelta(days=6),
                acknowledged_at=received + dt.timedelta(hours=3) if status != "new" else None,
                breached=breached,
                is_repeat=customer_id % 20 == 0,
                resolved_at=resolved_at,
                satisfaction=3 + customer_id % 3 if status == "closed" else None,
                solved=True if status == "closed" else None,
                closed_at=(
                    resolved_at + dt.timedelta(days=1)
                    if status == "closed" and resolved_at
                    else None
                ),
            )
        )
    Complaint.objects.bulk_create(tickets, batch_size=2000)
    for ticket in tickets:
        events.append(
            ComplaintEvent(complaint=ticket, at=ticket.received_at, kind="created", to_status="new")
        )
        if ticket.status != "new":
            events.append(
                ComplaintEvent(
                    complaint=ticket,
                    at=ticket.resolved_at or ticket.received_at + dt.timedelta(hours=3),
                    kind="updated",
                    from_status="new",
                    to_status=ticket.status,
                )
            )
        if ticket.status == "closed" and ticket.closed_at is not None:
            callbacks.append(
                CallbackAttempt(
                    complaint=ticket,
                    cycle=0,
                    at=ticket.closed_at,
                    reached=True,
                    satisfaction=ticket.satisfaction,
                    solved=True,
                )
            )
    ComplaintEvent.objects.bulk_create(events, batch_size=5000)
    CallbackAttempt.objects.bulk_create(callbacks, batch_size=5000)
    return len(tickets)


def outages(today: dt.date) -> int:
    """A substation and a feeder per region, and ten approved outages in the next weeks, each
    hitting 300 customers of its region; notices reached two in three of them."""
    if PlannedOutage.objects.filter(reference__startswith="BENCH-").exists():
        return 0
    now = timezone.now()
    regions = list(Region.objects.order_by("code"))
    feeders = []
    for region in regions:
        station, _created = Substation.objects.get_or_create(
            code=f"BS-{region.code}", defaults={"name": f"{region.name}变电站", "region": region}
        )
        feeder, _created = Feeder.objects.get_or_create(
            code=f"BF-{region.code}",
            defaults={"name": f"{region.name}10kV线", "substation": station, "region": region},
        )
        feeders.append(feeder)
    made = 0
    for n, feeder in enumerate(feeders):
        start = now + dt.timedelta(days=2 + 2 * n, hours=n)
        outage = PlannedOutage.objects.create(
            reference=f"BENCH-{n:04d}",
            kind="planned",
            reason="检修",
            start=start,
            end=start + dt.timedelta(hours=8),
            status="approved",
            approved_at=now,
        )
        outage.feeders.add(feeder)
        customers = list(
            Customer.objects.filter(region=feeder.region, status="active")
            .order_by("pk")
            .values_list("pk", "importance")[n * 300 : (n + 1) * 300]
        )
        OutageImpact.objects.bulk_create(
            OutageImpact(
                outage=outage,
                customer_id=pk,
                impact="full",
                important=importance != "normal",
                reachable=pk % 17 != 0,
            )
            for pk, importance in customers
        )
        contacts = Contact.objects.bulk_create(
            Contact(
                customer_id=pk,
                name="联系人",
                role="electrical",
                mobile=f"+86139{pk:08d}",
                preferred_channel="sms",
            )
            for pk, _importance in customers
        )
        Notification.objects.bulk_create(
            Notification(
                outage=outage,
                customer_id=c.customer_id,
                contact=c,
                channel="sms",
                address=c.mobile,
                kind="notice",
                status=["pending", "sent", "delivered"][c.customer_id % 3],
            )
            for c in contacts
        )
        made += len(customers)
    return made


def risk_scans() -> None:
    """Two scans through the real service (the second is the nightly case)."""

    for _ in range(2):
        scan = risk.queue_risk_scan(acting_user=SYSTEM, trigger=RiskScanTrigger.COMMAND)
        risk.run_risk_scan(scan.pk)
