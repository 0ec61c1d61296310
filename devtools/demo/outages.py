"""Demo outages for `make run` (called by `manage.py seed_demo` after the customer register).

A handful of outages in every stage of the workflow, on feeders that supply demo customers,
run through the real services: impacts frozen at approval, notices sent to the demo log
channel (var/outage-notices.log), some confirmed by customers, some calls recorded. Runs
once: if any outage exists, nothing is added.
"""

from __future__ import annotations

import datetime as dt
import random

from django.db.models import Count
from django.utils import timezone

from accounts_manager.models import User
from common.actors import SYSTEM
from common.roles import Role
from customers.models import Assignment
from grid.models import Feeder
from outages import confirmations, notices, services
from outages.channels.logfile import LogFileSender
from outages.models import Notification, OutageEvent, OutageImpact, PlannedOutage

REASONS = {
    "planned": ["10kV线路计划检修", "变电站主变年度预试", "开关柜更换", "线路绝缘化改造"],
    "temporary": ["线路缺陷临时消缺", "电缆终端头临时处理"],
    "construction": ["市政道路施工迁改线路", "新建小区配套工程接入"],
    "emergency": ["电缆故障抢修", "雷击跳闸故障抢修"],
}
AREAS = ["开发区北片", "东湖路以北", "高新园区一期", "滨江路沿线", "老城区东片", "工业园三期"]


def _at(days: int, hour: int) -> dt.datetime:
    day = timezone.localdate() + dt.timedelta(days=days)
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


def _send(outage: PlannedOutage) -> None:
    """Deliver the outage's due notices to the demo log channel, as a worker would."""
    log = LogFileSender()
    notices.run_batch(outage_id=outage.pk, channel_senders={"sms": log, "email": log})


def _confirm_some(rng: random.Random, outage: PlannedOutage, share: float) -> int:
    tokens = list(
        Notification.objects.filter(outage=outage, status="sent").values_list("token", flat=True)
    )
    picked = [t for t in tokens if rng.random() < share]
    for token in picked:
        confirmations.confirm_receipt(token)
    return len(picked)


def _record_calls(rng: random.Random, outage: PlannedOutage, share: float) -> None:

    for impact in OutageImpact.objects.filter(outage=outage, important=True).select_related(
        "customer"
    ):
        if rng.random() >= share:
            continue
        assignment = Assignment.objects.filter(customer=impact.customer, end__isnull=True).first()
        confirmations.record_confirmed_call(
            outage,
            customer=impact.customer,
            acting_user=assignment.manager if assignment else SYSTEM,
            note=rng.choice(
                [
                    "已电话告知，客户已安排自备电源",
                    "已通知电工班做好停电准备",
                    "客户确认知悉，将调整生产计划",
                ]
            ),
        )


def _shift_into_past(outage: PlannedOutage, days: int) -> None:
    """Demo history: move a finished outage and its records `days` back in time."""
    delta = dt.timedelta(days=days)
    PlannedOutage.objects.filter(pk=outage.pk).update(
        start=outage.start - delta,
        end=outage.end - delta,
        approved_at=outage.approved_at - delta if outage.approved_at else None,
        started_at=outage.started_at - delta if outage.started_at else None,
        completed_at=outage.completed_at - delta if outage.completed_at else None,
    )
    for event in OutageEvent.objects.filter(outage=outage):
        OutageEvent.objects.filter(pk=event.pk).update(at=event.at - delta)
    for n in Notification.objects.filter(outage=outage):
        Notification.objects.filter(pk=n.pk).update(
            created_at=n.created_at - delta,
            sent_at=n.sent_at - delta if n.sent_at else None,
            confirmed_at=n.confirmed_at - delta if n.confirmed_at else None,
        )


def seed(rng: random.Random, stdout=None) -> int:
    if PlannedOutage.objects.exists():
        if stdout is not None:
            stdout.write("outages: demo outages already there")
        return 0
    supervisor = (
        User.objects.filter(groups__name=Role.SUPERVISOR, is_active=True, region__isnull=False)
        .order_by("username")
        .first()
    )
    feeders = (
        list(
            Feeder.objects.filter(region=supervisor.region if supervisor else None)
            .annotate(n=Count("supply_points"))
            .filter(n__gt=0)
            .order_by("-n", "code")[:14]
        )
        if supervisor
        else []
    )
    if len(feeders) < 7:
        if stdout is not None:
            stdout.write("outages: no supervisor or grid with customers yet; no demo outages")
        return 0
    rng.shuffle(feeders)
    # Supervisors enter and run outages; the dispatch system only reads them.
    entered_by = supervisor

    def outage(kind: str, feeder_list, days: int, hour: int, hours: int) -> PlannedOutage:
        start = _at(days, hour)
        return services.create_outage(
            acting_user=entered_by or SYSTEM,
            kind=kind,
            reason=rng.choice(REASONS[kind]),
            area=rng.choice(AREAS),
            feeders=feeder_list,
            start=start,
            end=start + dt.timedelta(hours=hours),
        )

    def approve(o: PlannedOutage, reason: str = "") -> PlannedOutage:
        services.submit_outage(o, acting_user=entered_by or SYSTEM)
        return services.approve_outage(o, acting_user=supervisor or SYSTEM, override_reason=reason)

    # Notified, a week and a half ahead: customers have confirmed in part, calls in part.
    notified = approve(outage("planned", feeders[0:2], 10, 8, 8))
    services.notify_outage(notified, acting_user=supervisor or SYSTEM)
    _send(notified)
    _confirm_some(rng, notified, 0.4)
    _record_calls(rng, notified, 0.5)
    # Approved, notices not sent yet; important customers still to be called.
    approve(outage("temporary", feeders[2:3], 2, 9, 4))
    # Waiting for approval, and a draft.
    submitted = outage("planned", feeders[3:4], 14, 8, 10)
    services.submit_outage(submitted, acting_user=entered_by or SYSTEM)
    outage("construction", feeders[4:5], 24, 7, 12)
    # An emergency repair under way since this morning.
    emergency = approve(outage("emergency", feeders[5:6], 0, timezone.localtime().hour, 5))
    _send(emergency)
    services.start_outage(emergency, acting_user=entered_by or SYSTEM)
    # Finished last week: told, cut, restored.
    done = approve(outage("planned", feeders[6:7], 8, 8, 6))
    services.notify_outage(done, acting_user=supervisor or SYSTEM)
    _send(done)
    _confirm_some(rng, done, 0.6)
    _record_calls(rng, done, 1.0)
    services.start_outage(done, acting_user=entered_by or SYSTEM)
    services.complete_outage(done, acting_user=entered_by or SYSTEM)
    _send(done)
    done.refresh_from_db()
    _shift_into_past(done, 15)
    # Cancelled after its notices went out.
    if len(feeders) > 7:
        cancelled = approve(outage("planned", feeders[7:8], 12, 13, 3))
        services.notify_outage(cancelled, acting_user=supervisor or SYSTEM)
        _send(cancelled)
        services.cancel_outage(
            cancelled, acting_user=supervisor or SYSTEM, reason="施工单位调整计划"
        )
        _send(cancelled)
    count = PlannedOutage.objects.count()
    if stdout is not None:
        stdout.write(
            f"outages: {count} demo outages, {OutageImpact.objects.count()} affected customers, "
            f"{Notification.objects.count()} notices (see var/outage-notices.log)"
        )
    return count
