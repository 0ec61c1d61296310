"""Demo connection projects (业扩报装) for `manage.py seed_demo`, in every state.

Projects go through the real services with times in the past (the services accept when an
application was accepted, a step finished, a wait began or ended), so steps, due dates, waits,
events and register updates are what the product would produce. The deadline job then runs
once: the late ones are marked breached and escalated. Running it again adds nothing: it seeds
only while no project exists.
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from django.utils import timezone

from accounts_manager.models import User
from common.actors import SYSTEM
from common.roles import Role
from connections import paperwork, services, sla
from connections.models import Project, Scheme
from customers.models import Customer
from grid.models import Feeder

APPLICANTS = [
    "新区智能制造产业园有限公司",
    "市第一人民医院（新院区）",
    "云谷数据中心有限公司",
    "滨江新能源汽车零部件有限公司",
    "东湖国际会展中心",
    "高铁新城枢纽站建设指挥部",
    "城南污水处理厂",
    "光明冷链物流有限公司",
    "实验中学新校区",
    "华晟半导体材料有限公司",
]
CREDIT_CODES = [
    "91330100MA2H0K1X0H",
    "91330100MA2J7T5Q87",
    "91330100MA2KBR9W1N",
]
# (final state, scheme, steps finished): every state and every step of the flow.
PLAN = [
    ("open", Scheme.HV_DUAL, 0),
    ("open", Scheme.HV_DUAL, 2),
    ("open", Scheme.HV_SINGLE, 1),
    ("open", Scheme.HV_SINGLE, 3),
    ("open", Scheme.LV, 1),
    ("late", Scheme.HV_SINGLE, 0),
    ("late", Scheme.LV, 0),
    ("waiting", Scheme.HV_DUAL, 1),
    ("waiting", Scheme.LV, 0),
    ("suspended", Scheme.HV_SINGLE, 2),
    ("returned", Scheme.HV_SINGLE, 2),
    ("energized", Scheme.HV_DUAL, 5),
    ("energized", Scheme.LV, 3),
    ("archived", Scheme.HV_SINGLE, 5),
    ("cancelled", Scheme.HV_SINGLE, 1),
]


def _ago(days: int, hour: int = 10) -> dt.datetime:
    moment = timezone.localtime() - dt.timedelta(days=days)
    return moment.replace(hour=hour, minute=0, second=0, microsecond=0)


def _fields(rng, scheme, n, customers, feeders) -> dict:
    high = scheme != Scheme.LV
    feeder_pair = rng.sample(feeders, 2) if len(feeders) >= 2 else feeders * 2
    fields = {
        "voltage_kv": Decimal("10") if high else Decimal("0.4"),
        "supply_scheme": scheme,
        "requested_capacity_kva": Decimal(rng.choice([400, 630, 1250, 2000, 5000, 8000])),
        "segment": rng.choice(["industrial", "hospital", "data_center", "commercial"]),
        "tariff": "two_part" if high else "single_part",
        "primary_feeder": feeder_pair[0],
        "contact_name": rng.choice(["王工", "李经理", "陈主任", "赵工"]),
        "contact_phone": f"1380000{rng.randint(1000, 9999)}",
    }
    if scheme == Scheme.HV_DUAL:
        fields["backup_feeder"] = feeder_pair[1]
    if customers and n % 3 == 2:
        customer = customers[n % len(customers)]
        fields.update(kind="increase", customer=customer, region=customer.region)
    else:
        fields.update(
            kind=rng.choice(["new", "new", "temporary"]),
            applicant_name=APPLICANTS[n % len(APPLICANTS)],
            credit_code=CREDIT_CODES[n % len(CREDIT_CODES)],
            region=feeder_pair[0].region,
        )
    return fields


def _walk(project: Project, state: str, finished: int, start_days: int, rng) -> None:
    day = start_days
    for _ in range(finished):
        day -= rng.randint(2, 5)
        project = services.finish_step(project, acting_user=SYSTEM, at=_ago(day, 15))
    if state in ("waiting", "suspended"):
        kind = "customer_pause" if state == "suspended" else "documents"
        services.wait_for_customer(
            project,
            acting_user=SYSTEM,
            reason="客户资料待补充：产权证明",
            kind=kind,
            at=_ago(day - 1),
        )
    elif state == "returned":
        services.return_step(project, acting_user=SYSTEM, reason="设计图纸未通过审核，需修改")
    elif state == "cancelled":
        services.cancel_project(project, acting_user=SYSTEM, reason="客户项目延期，撤回申请")
    elif state == "archived":
        services.archive_project(project, acting_user=SYSTEM)
    if project.status == "open" and state == "open":
        paperwork.receive_document(project, acting_user=SYSTEM, code="identity")


def seed(rng: random.Random, stdout=None) -> dict:
    """Write the demo projects unless projects exist already."""
    if Project.objects.exists():
        if stdout is not None:
            stdout.write("connections: projects exist, nothing added")
        return {"connections": 0}
    customers = list(
        Customer.objects.filter(assignments__end__isnull=True, status="active").order_by("pk")[:20]
    )
    feeders = list(Feeder.objects.select_related("region").order_by("pk")[:20])
    if not feeders:
        return {"connections": 0}
    made = 0
    for n, (state, scheme, finished) in enumerate(PLAN):
        start_days = 60 if state == "late" else 15 + 6 * finished + rng.randint(0, 5)
        fields = _fields(rng, scheme, n, customers, feeders)
        if fields.get("customer") is None:
            manager = _manager_of_region(fields["region"])
            if manager is None:
                continue
            fields["manager"] = manager
        project, _created = services.create_project(
            acting_user=SYSTEM, accepted_at=_ago(start_days, 9), **fields
        )
        _walk(project, state, finished, start_days, rng)
        made += 1
    sla.check_deadlines()
    if stdout is not None:
        stdout.write(f"connections: {made} projects")
    return {"connections": made}


def _manager_of_region(region):
    return (
        User.objects.filter(groups__name=Role.ACCOUNT_MANAGER, is_active=True, region=region)
        .order_by("pk")
        .first()
        or User.objects.filter(groups__name=Role.ACCOUNT_MANAGER, is_active=True)
        .order_by("pk")
        .first()
    )
