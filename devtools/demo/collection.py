"""Demo collection work on top of the generated billing history: reminders and notices for
overdue bills, promises (pending, kept, broken) consistent with the payments, and a few
disconnections — requested, approved, executed, cancelled, reconnected — that follow the
procedure's rules (overdue > 30 days, urged, notice delivered in time, working days).
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from django.utils import timezone

from accounts_manager.models import User
from accounts_manager.services import raise_followup
from billing.models import (
    BlockedDate,
    CollectionAction,
    Disconnection,
    DisconnectionEvent,
    PaymentPromise,
)
from common import workcalendar
from common.money import ZERO
from customers.models import Assignment, Customer
from devtools.demo import billing as billing_demo

if TYPE_CHECKING:
    from billing.models import (
        CollectionAction,
        Disconnection,
        DisconnectionEvent,
        PaymentPromise,
    )

OUTCOMES = {
    "call": [
        "财务称本周内安排付款",
        "联系人未接听，已留言",
        "客户称资金紧张，申请缓交",
        "财务确认已收到账单，正在走审批",
        "客户对账单金额有疑问，已解释",
    ],
    "sms": ["已发送缴费提醒短信", "已发送欠费提醒短信"],
    "visit": ["上门催费，与财务负责人面谈", "上门送达账单并核对用电量"],
    "payment_reminder": ["送达《电费催缴通知书》"],
    "disconnection_notice": ["送达《欠费停电通知书》，告知停电时间"],
}


def _at(rng: random.Random, day: dt.date, hour: int | None = None) -> dt.datetime:
    return dt.datetime.combine(
        day,
        dt.time(hour if hour is not None else rng.randint(9, 16), rng.randint(0, 59)),
        billing_demo.SHANGHAI,
    )


def _open_state(history: billing_demo.History, today: dt.date) -> tuple[list[int], Decimal]:
    """Indexes of the bills overdue on `today`, and the overdue amount."""
    paid = [ZERO] * len(history.bills)
    for _p, b, amount in history.allocations:
        paid[b] += amount
    overdue = [
        i for i, bill in enumerate(history.bills) if bill.due_date < today and paid[i] < bill.total
    ]
    return overdue, sum((history.bills[i].total - paid[i] for i in overdue), ZERO)


def _working_day(day: dt.date, step: int, blocked: set[dt.date]) -> dt.date:
    while not workcalendar.is_working_day(day) or day in blocked:
        day += dt.timedelta(days=step)
    return day


@dataclass
class _DisconnectionDraft:
    """A disconnection to insert, with what is written after the insert."""

    row: Disconnection
    requested_at: dt.datetime  # created_at is overwritten on insert
    events: list[DisconnectionEvent]


class _Writer:
    def __init__(self, rng: random.Random, today: dt.date):

        self.rng, self.today = rng, today
        self.actions: list[CollectionAction] = []
        self.promises: list[PaymentPromise] = []
        # (promise, the day it was made) for the promises made in the past
        self.made_on: list[tuple[PaymentPromise, dt.date]] = []
        self.disconnections: list[_DisconnectionDraft] = []
        self.managers = dict(
            Assignment.objects.filter(end__isnull=True).values_list("customer_id", "manager_id")
        )
        self.blocked = set(BlockedDate.objects.values_list("date", flat=True))

    def action(self, history, kind, at, *, delivered=False):

        cid = history.profile.customer_id
        row = CollectionAction(
            customer_id=cid,
            kind=kind,
            at=at,
            outcome=self.rng.choice(OUTCOMES[kind]),
            recorded_by_id=self.managers.get(cid),
        )
        if delivered:
            row.delivered_at = at + dt.timedelta(hours=self.rng.randint(1, 30))
            row.delivery_method = self.rng.choice(["in_person", "registered_mail"])
            row.delivered_to = self.rng.choice(["财务部 王会计", "总经理办公室", "财务主管 李女士"])
        self.actions.append(row)
        return row


def _urge(w: _Writer, history: billing_demo.History, overdue: list[int]) -> None:
    """Reminders for the bills overdue now, and calls for some bills once paid late."""
    for i in overdue:
        due = history.bills[i].due_date
        for days, kind in ((2, "sms"), (6, "call"), (18, "payment_reminder"), (35, "visit")):
            if due + dt.timedelta(days=days) < w.today - dt.timedelta(days=1):
                w.action(
                    history,
                    kind,
                    _at(w.rng, due + dt.timedelta(days=days)),
                    delivered=kind == "payment_reminder",
                )
    for bill in history.bills:
        settled = bill.settled_on
        if settled and settled > bill.due_date + dt.timedelta(days=7) and w.rng.random() < 0.6:
            w.action(history, "call", _at(w.rng, bill.due_date + dt.timedelta(days=5)))


def _promises(
    w: _Writer, history: billing_demo.History, overdue: list[int], amount: Decimal
) -> None:

    cid = history.profile.customer_id
    if overdue and w.rng.random() < 0.6:
        w.promises.append(
            PaymentPromise(
                customer_id=cid,
                amount=(amount * Decimal("0.6")).quantize(Decimal("1")),
                due_date=w.today + dt.timedelta(days=w.rng.randint(2, 14)),
                status="pending",
                promised_by="财务负责人",
                recorded_by_id=w.managers.get(cid),
            )
        )
    late = [
        p
        for p in history.payments
        if timezone.localdate(p.paid_at) < w.today - dt.timedelta(days=20)
    ]
    if history.behaviour in ("late", "chronic") and late:
        kept = w.rng.choice(late)
        day = timezone.localdate(kept.paid_at)
        row = PaymentPromise(
            customer_id=cid,
            amount=kept.amount,
            due_date=day + dt.timedelta(days=2),
            status="kept",
            paid_amount=kept.amount,
            promised_by="财务负责人",
            resolved_at=kept.paid_at,
            recorded_by_id=w.managers.get(cid),
        )
        w.made_on.append((row, day - dt.timedelta(days=5)))
        w.promises.append(row)
    if history.behaviour == "chronic" and overdue:
        due = w.today - dt.timedelta(days=w.rng.randint(12, 40))
        paid = sum(
            (
                p.amount
                for p in history.payments
                if due - dt.timedelta(days=7) <= timezone.localdate(p.paid_at) <= due
            ),
            ZERO,
        )
        row = PaymentPromise(
            customer_id=cid,
            amount=paid + Decimal(w.rng.choice([50000, 80000, 120000])),
            due_date=due,
            status="broken",
            paid_amount=paid,
            promised_by="法定代表人",
            resolved_at=_at(w.rng, due + dt.timedelta(days=1), 2),
            recorded_by_id=w.managers.get(cid),
        )
        w.made_on.append((row, due - dt.timedelta(days=7)))
        w.promises.append(row)


def _disconnection(
    w: _Writer,
    history: billing_demo.History,
    state: str,
    *,
    oldest: dt.date,
    amount: Decimal,
    supervisor_id,
    important: bool,
    scheduled: dt.date | None = None,
    cleared: dt.date | None = None,
) -> None:
    """One disconnection in `state`, with the notice, reminder and events the rules need.

    `cleared` is the day the arrears were paid (a cancelled or reconnected one)."""

    cid, manager = history.profile.customer_id, w.managers.get(history.profile.customer_id)
    if scheduled is None and state in ("requested", "approved"):
        scheduled = _working_day(w.today + dt.timedelta(days=w.rng.randint(2, 5)), 1, w.blocked)
    elif scheduled is None:
        scheduled = _working_day(w.today - dt.timedelta(days=w.rng.randint(3, 12)), -1, w.blocked)
    # Early enough that the request (the next day) and its approval are in the past.
    notice_day = min(scheduled - dt.timedelta(days=8), w.today - dt.timedelta(days=3))
    w.action(history, "call", _at(w.rng, oldest + dt.timedelta(days=6)))
    notice = w.action(history, "disconnection_notice", _at(w.rng, notice_day, 10), delivered=True)
    notice.delivered_at = notice.at + dt.timedelta(hours=3)
    requested_at = _at(w.rng, notice_day + dt.timedelta(days=1), 9)
    d = Disconnection(
        customer_id=cid,
        scheduled_for=scheduled,
        status=state,
        notice=notice,
        reason="欠费逾期超过30日，经多次催缴仍未缴清",
        arrears_amount=amount,
        oldest_due_date=oldest,
        requested_by_id=manager,
    )
    events = [("", "requested", requested_at, manager, "")]
    if state != "requested":
        d.approved_by_id, d.approved_at = supervisor_id, requested_at + dt.timedelta(hours=5)
        if important:
            d.authority_informed_at = d.approved_at - dt.timedelta(hours=1)
        events.append(("requested", "approved", d.approved_at, supervisor_id, "同意"))
    if state in ("executed", "reconnected"):
        d.last_reminder = w.action(history, "call", _at(w.rng, scheduled, 9))
        d.executed_at, d.executed_by_id = _at(w.rng, scheduled, 11), manager
        events.append(("approved", "executed", d.executed_at, manager, ""))
    if state == "reconnected":
        assert cleared is not None, "a reconnection needs the day the arrears were cleared"
        d.arrears_cleared_at = _at(w.rng, cleared, 14)
        d.reconnect_due = d.arrears_cleared_at + dt.timedelta(hours=24)
        d.reconnected_at = d.arrears_cleared_at + dt.timedelta(hours=w.rng.randint(2, 20))
        d.reconnected_by_id = manager
        events.append(
            (
                "executed",
                "executed",
                d.arrears_cleared_at,
                None,
                "欠费已结清，复电期限 "
                + timezone.localtime(d.reconnect_due).strftime("%Y-%m-%d %H:%M"),
            )
        )
        events.append(("executed", "reconnected", d.reconnected_at, manager, "已复电"))
    if state == "cancelled":
        assert cleared is not None, "a cancellation needs the day the arrears were cleared"
        d.cancelled_at = _at(w.rng, cleared, 15)
        d.cancel_reason = "欠费已结清"
        events.append(("approved", "cancelled", d.cancelled_at, None, d.cancel_reason))
    w.disconnections.append(
        _DisconnectionDraft(
            row=d,
            requested_at=requested_at,
            events=[
                DisconnectionEvent(from_status=f, to_status=t, at=at, by_id=by, note=note)
                for f, t, at, by, note in events
            ],
        )
    )


def _episodes(
    histories: list[billing_demo.History], today: dt.date
) -> list[tuple[billing_demo.History, int, dt.date]]:
    """Bills once paid more than 40 days late: past disconnections can hang off them.

    (history, bill index, the day the bill was settled)."""
    found = []
    for history in histories:
        for i, bill in enumerate(history.bills):
            settled = bill.settled_on
            if (
                settled is not None
                and (settled - bill.due_date).days > 45
                and settled < today - dt.timedelta(days=5)
            ):
                found.append((history, i, settled))
                break
    return found


def seed_collection(
    rng: random.Random, histories: list[billing_demo.History], *, today: dt.date
) -> dict[str, int]:

    w = _Writer(rng, today)
    important = set(Customer.objects.exclude(importance="normal").values_list("pk", flat=True))
    region_of = dict(Customer.objects.values_list("pk", "region_id"))
    supervisors = dict(
        User.objects.filter(groups__name="supervisor", is_active=True).values_list(
            "region_id", "pk"
        )
    )
    candidates = []
    for history in histories:
        overdue, amount = _open_state(history, today)
        _urge(w, history, overdue)
        _promises(w, history, overdue, amount)
        oldest = history.bills[overdue[0]].due_date if overdue else None
        if (
            oldest
            and oldest < today - dt.timedelta(days=45)
            and history.profile.status == ("active")
        ):
            candidates.append((history, oldest, amount))
    rng.shuffle(candidates)

    def supervisor(cid):
        return supervisors.get(region_of[cid]) or supervisors.get(None)

    for state, (history, oldest, amount) in zip(
        ["requested", "approved", "executed", "approved"], candidates, strict=False
    ):
        cid = history.profile.customer_id
        _disconnection(
            w,
            history,
            state,
            oldest=oldest,
            amount=amount,
            supervisor_id=supervisor(cid),
            important=cid in important,
        )
    episodes = _episodes(histories, today)
    rng.shuffle(episodes)
    for state, (history, index, settled) in zip(
        ["reconnected", "cancelled", "reconnected"], episodes, strict=False
    ):
        bill, cid = history.bills[index], history.profile.customer_id
        # Cut a few days before the customer paid; or cancelled by that payment.
        scheduled = _working_day(
            settled - dt.timedelta(days=2 if state == "reconnected" else -3), -1, w.blocked
        )
        scheduled = max(scheduled, bill.due_date + dt.timedelta(days=31))
        if state == "reconnected" and scheduled >= settled:
            continue
        _disconnection(
            w,
            history,
            state,
            oldest=bill.due_date,
            amount=bill.total,
            supervisor_id=supervisor(cid),
            important=cid in important,
            scheduled=scheduled,
            cleared=settled,
        )
    CollectionAction.objects.bulk_create(w.actions, batch_size=2000)
    _write_promises(w.promises, w.made_on)
    for draft in w.disconnections:
        d = draft.row
        d.notice_id = d.notice.pk
        if d.last_reminder is not None:
            d.last_reminder_id = d.last_reminder.pk
    Disconnection.objects.bulk_create([draft.row for draft in w.disconnections])
    _write_events(w.disconnections)
    _followups(w, today)
    return {
        "collection actions": len(w.actions),
        "promises": len(w.promises),
        "disconnections": len(w.disconnections),
    }


def _write_promises(
    promises: list[PaymentPromise], made_on: list[tuple[PaymentPromise, dt.date]]
) -> None:

    PaymentPromise.objects.bulk_create(promises, batch_size=2000)
    # created_at is set on insert; back-date the ones made in the past.
    for promise, day in made_on:
        PaymentPromise.objects.filter(pk=promise.pk).update(
            created_at=dt.datetime.combine(day, dt.time(10), billing_demo.SHANGHAI)
        )


def _write_events(disconnections: list[_DisconnectionDraft]) -> None:

    events = []
    for draft in disconnections:
        d = draft.row
        Disconnection.objects.filter(pk=d.pk).update(created_at=draft.requested_at)
        for event in draft.events:
            event.disconnection_id = d.pk
            events.append(event)
    DisconnectionEvent.objects.bulk_create(events)


def _followups(w: _Writer, today: dt.date) -> None:
    """The managers' queue: promises falling due, broken promises, reconnections."""

    for promise in (
        PaymentPromise.objects.filter(status__in=["pending", "broken"])
        .filter(due_date__gte=today - dt.timedelta(days=14))
        .select_related("customer")
    ):
        broken = promise.status == "broken"
        raise_followup(
            promise.customer,
            kind="promise",
            source=f"promise:{promise.pk}",
            due_at=(
                _at(w.rng, today, 17)
                if broken
                else dt.datetime.combine(promise.due_date, dt.time(23, 59), billing_demo.SHANGHAI)
            ),
            summary=(
                f"付款承诺未兑现：¥{promise.amount}，承诺日期 {promise.due_date}"
                if broken
                else f"付款承诺到期：¥{promise.amount}，承诺日期 {promise.due_date}"
            ),
        )
