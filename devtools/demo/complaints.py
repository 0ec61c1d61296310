"""Demo complaint tickets for `manage.py seed_demo` (after the customer register exists).

Tickets go through the real services, so numbers, deadlines, repeats, events, follow-ups and
notices are what the product would produce. Only their history is then moved back in time
(received days or weeks ago, handled in plausible steps since), because the services stamp
"now". The deadline job then runs once, which marks the late ones as breached and escalates
them. Running it again adds nothing: it seeds only while no complaint exists.
"""

from __future__ import annotations

import datetime as dt
import random

from django.db.models import F
from django.utils import timezone

from accounts_manager.models import User
from accounts_manager.services import supervisor_of
from common.actors import SYSTEM
from common.roles import Role
from complaints import closure, services, sla
from complaints.models import (
    CallbackAttempt,
    Complaint,
    ComplaintEvent,
    Status,
)
from customers.models import Customer

DESCRIPTIONS = {
    "power_quality": [
        "近两周多次出现电压骤降，生产线变频器频繁跳停，影响交货。",
        "厂区10kV进线电压偏低，空压机启动困难，要求检查线路。",
        "谐波超标导致电容器组发热，请供电公司协助测试电能质量。",
    ],
    "outage": [
        "本月已发生三次非计划停电，未提前通知，造成冷库货物损失。",
        "计划停电时间比通知时间延长了四小时，未收到任何说明。",
        "夜间突然停电，95598回复抢修到达时间过长。",
    ],
    "billing": [
        "本月电费较上月高出近一倍，用电量并无明显增加，对账单有异议。",
        "基本电费按容量计收，但变压器已办理暂停，仍被收取。",
        "力调电费计算有误，功率因数实际已达0.95以上。",
    ],
    "service": [
        "营业厅工作人员态度生硬，办理业务时多次推诿。",
        "客户经理电话长期无人接听，问题无人跟进。",
    ],
    "business": [
        "增容申请提交已超过一个月，仍未安排现场勘查。",
        "更名过户手续要求材料过多，多次往返营业厅仍未办结。",
    ],
    "metering": [
        "电能表走字明显偏快，申请校验。",
        "采集数据缺失，账单按估抄计费，与实际不符。",
    ],
    "other": ["供电公司施工后未恢复厂区道路，影响车辆通行。"],
}
RESOLUTIONS = {
    "power_quality": (
        "线路接头老化，负荷高峰时压降过大",
        "company",
        "接头属供电公司产权，由我方运维",
        "更换接头并调整变压器分接头，加装电能质量在线监测",
    ),
    "outage": (
        "线路树障引起故障停电，未及时通知客户",
        "company",
        "树障清理属我方巡视职责",
        "完成通道树障清理，将客户纳入停电短信通知名单",
    ),
    "billing": (
        "暂停手续已受理但系统未同步，基本电费多计",
        "company",
        "营销系统流程未闭环，责任在我方",
        "退还多收基本电费并完善暂停流程校验",
    ),
    "service": (
        "窗口人员服务规范执行不到位",
        "company",
        "营业厅人员由我方管理",
        "对相关人员批评教育，开展服务规范培训",
    ),
    "business": (
        "现场勘查排期积压",
        "company",
        "业扩流程时限由我方控制",
        "安排专人勘查并压缩后续环节时限",
    ),
    "metering": (
        "经现场校验电能表误差在允许范围内，客户新增设备导致用电量上升",
        "customer",
        "校验报告显示计量准确，用电增长来自客户新增负荷",
        "向客户解释校验结果并提供节能用电建议",
    ),
    "other": (
        "施工单位未按要求恢复路面",
        "third_party",
        "路面恢复由施工单位合同负责",
        "督促施工单位三日内完成恢复并验收",
    ),
}
# (status, received this many days ago, category) — in every status, some of them late.
PLAN = [
    ("new", 0, "power_quality"),
    ("new", 1, "metering"),
    ("new", 3, "outage"),
    ("new", 9, "business"),
    ("acknowledged", 1, "billing"),
    ("acknowledged", 2, "service"),
    ("acknowledged", 12, "power_quality"),
    ("in_progress", 2, "outage"),
    ("in_progress", 4, "metering"),
    ("in_progress", 8, "billing"),
    ("in_progress", 15, "business"),
    ("resolved", 5, "power_quality"),
    ("resolved", 7, "service"),
    ("resolved_unreached", 14, "billing"),
    ("closed", 20, "outage"),
    ("closed", 25, "billing"),
    ("closed", 30, "metering"),
    ("closed", 35, "power_quality"),
    ("closed", 40, "business"),
    ("closed", 45, "other"),
    ("closed_low", 28, "service"),
    ("closed_low", 33, "outage"),
    ("closed_without_callback", 38, "metering"),
    ("reopened", 18, "power_quality"),
    ("reopened", 22, "billing"),
]


def seed(rng: random.Random, stdout=None) -> dict:
    """Write the demo tickets unless complaints exist already."""
    if Complaint.objects.exists():
        if stdout is not None:
            stdout.write("complaints: tickets exist, nothing added")
        return {"complaints": 0}
    customers = _customers(rng, len(PLAN) + 2)
    if len(customers) < len(PLAN) + 2:
        if stdout is not None:
            stdout.write("complaints: not enough assigned customers, nothing added")
        return {"complaints": 0}
    now = timezone.now()
    callers = list(User.objects.filter(groups__name=Role.INTEGRATION, is_active=True)[:1])
    caller = callers[0] if callers else None
    created = []
    for (plan, days_ago, category), customer in zip(PLAN, customers, strict=False):
        created.append(_ticket(rng, customer, plan, days_ago, category, now, caller))
    # A repeat: the same customer complains again about the same thing three weeks later.
    first_customer = customers[len(PLAN)]
    earlier = _register(rng, first_customer, "outage", now - dt.timedelta(days=24), caller)
    _play(earlier, "closed", now - dt.timedelta(days=24), rng)
    created += [
        earlier,
        _register(rng, first_customer, "outage", now - dt.timedelta(days=3), caller),
    ]
    done = sla.check_deadlines(now=now)
    if stdout is not None:
        stdout.write(
            f"complaints: {len(created)} tickets, {done['ack_breach'] + done['resolve_breach']} "
            f"deadlines missed, {sum(done.values())} deadline steps"
        )
    return {"complaints": len(created)}


def _customers(rng: random.Random, count: int) -> list:

    pool = list(
        Customer.objects.active()
        .filter(assignments__end__isnull=True)
        .select_related("region")
        .order_by("account_no")[:400]
    )
    return rng.sample(pool, min(count, len(pool)))


def _register(rng, customer, category, received_at, caller) -> Complaint:
    hotline = rng.random() < 0.6
    complaint, _ = services.register_complaint(
        customer=customer,
        channel="hotline_95598" if hotline else rng.choice(["counter", "manager", "wechat"]),
        category=category,
        severity="urgent" if rng.random() < 0.15 else "normal",
        description=rng.choice(DESCRIPTIONS[category]),
        received_at=received_at,
        external_ref=f"95598{received_at:%Y%m%d}{rng.randint(100000, 999999)}" if hotline else "",
        acting_user=caller if hotline else SYSTEM,
    )
    return complaint


def _ticket(rng, customer, plan, days_ago, category, now, caller) -> Complaint:
    received = now - dt.timedelta(
        days=days_ago, hours=rng.randint(0, 8), minutes=rng.randint(0, 59)
    )
    complaint = _register(rng, customer, category, received, caller)
    _play(complaint, plan, received, rng)
    return complaint


def _play(complaint: Complaint, plan: str, received: dt.datetime, rng: random.Random) -> None:
    """Drive the ticket to `plan` through the services, then move its history back in time."""
    manager = complaint.assignee
    supervisor = supervisor_of(complaint.customer)
    if plan == "new" or manager is None:
        return
    services.acknowledge_complaint(complaint, acting_user=manager, note="已电话联系客户，了解情况")
    if plan == "acknowledged":
        return _backdate(complaint, received, rng)
    services.start_complaint(complaint, acting_user=manager, note="已安排现场核查")
    if plan == "in_progress":
        return _backdate(complaint, received, rng)
    cause, responsibility, why, action = RESOLUTIONS[complaint.category]
    services.resolve_complaint(
        complaint,
        acting_user=manager,
        root_cause=cause,
        responsibility=responsibility,
        justification=why,
        corrective_action=action,
        customer_informed_at=timezone.now(),
        customer_informed_via=rng.choice(["phone", "visit", "sms"]),
    )
    if plan == "resolved":
        return _backdate(complaint, received, rng)
    if plan in ("resolved_unreached", "closed_without_callback"):
        for _ in range(3):
            closure.record_callback(
                complaint, acting_user=supervisor or SYSTEM, reached=False, notes="电话无人接听"
            )
        if plan == "closed_without_callback" and supervisor is not None:
            closure.close_without_callback(
                complaint,
                acting_user=supervisor or SYSTEM,
                reason="三次回访均未联系上客户，现场已确认整改完成",
            )
        return _backdate(complaint, received, rng)
    if plan == "reopened":
        closure.record_callback(
            complaint,
            acting_user=supervisor or SYSTEM,
            satisfaction=2,
            solved=False,
            notes="客户表示问题仍未解决",
        )
        return _backdate(complaint, received, rng)
    satisfaction = rng.choice([1, 2]) if plan == "closed_low" else rng.choice([4, 5, 5, 3])
    closure.record_callback(
        complaint,
        acting_user=supervisor or SYSTEM,
        satisfaction=satisfaction,
        solved=True,
        notes="客户确认问题已解决",
    )
    _backdate(complaint, received, rng)


def _backdate(complaint: Complaint, received: dt.datetime, rng: random.Random) -> None:
    """Spread the ticket's events between its receipt and now, in their order."""
    events = list(ComplaintEvent.objects.filter(complaint=complaint).order_by("at", "pk"))
    # Most tickets are handled within a few days, some take longer than their deadline.
    handling = dt.timedelta(days=rng.choice([1, 2, 2, 3, 3, 4, 5, 8, 12]), hours=rng.randint(0, 9))
    span = min((timezone.now() - received) * 0.8, handling)
    step = span / max(len(events), 1)
    moments: dict[str, dt.datetime] = {}
    for i, event in enumerate(events):
        at = received + step * i + dt.timedelta(minutes=rng.randint(0, 50)) if i else received
        if i == 1:
            # The customer is usually called back the same day.
            at = received + min(step, dt.timedelta(hours=rng.randint(1, 20)))
        ComplaintEvent.objects.filter(pk=event.pk).update(at=at)
        moments.setdefault(event.kind, at)
    fields = {
        "acknowledged_at": moments.get("acknowledged"),
        "started_at": moments.get("started"),
        "resolved_at": moments.get("resolved"),
        "customer_informed_at": moments.get("resolved"),
    }
    closed = moments.get("callback") or moments.get("closed_without_callback")
    complaint.refresh_from_db()
    if complaint.status == Status.CLOSED and closed:
        fields["closed_at"] = closed
    Complaint.objects.filter(pk=complaint.pk).update(
        **{k: v for k, v in fields.items() if v is not None and getattr(complaint, k) is not None}
    )
    late = Complaint.objects.filter(pk=complaint.pk).filter(
        resolved_at__gt=F("resolve_due")
    ) | Complaint.objects.filter(pk=complaint.pk, acknowledged_at__gt=F("ack_due"))
    late.update(breached=True)
    attempts = list(CallbackAttempt.objects.filter(complaint=complaint).order_by("at", "pk"))
    for attempt, event in zip(
        attempts,
        [e for e in events if e.kind in ("callback", "callback_failed")],
        strict=False,
    ):
        CallbackAttempt.objects.filter(pk=attempt.pk).update(
            at=ComplaintEvent.objects.get(pk=event.pk).at
        )
