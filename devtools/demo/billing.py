"""Demo billing history: 24 months of bills per customer, payments and their allocations,
collection actions, promises and a few disconnections in different states.

The generator is pure: `generate_history(rng, profile, ...)` turns a customer's profile into
plain records (bills, payments, allocations) following the product's rules — the allocation is
`billing.allocation.plan_allocation`, oldest due first, credit consumed by the next bill — so a
benchmark can feed the same records to COPY for 200k customers. `seed()` writes them with bulk
inserts and does nothing when bills already exist.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import timezone

from billing.allocation import plan_allocation
from billing.balances import refresh_balances
from billing.models import Bill, Payment, PaymentAllocation
from common.money import CENT, ZERO
from customers.models import Customer
from devtools.demo import collection

SHANGHAI = ZoneInfo("Asia/Shanghai")

# Tariffs (CNY per kWh, before funds and surcharges) of a coastal province, 10 kV.
PRICES = {
    "two_part": {"peak": Decimal("1.0512"), "flat": Decimal("0.6480"), "valley": Decimal("0.2976")},
    "single_part": {
        "peak": Decimal("1.1390"),
        "flat": Decimal("0.7350"),
        "valley": Decimal("0.3990"),
    },
    "residential": {
        "peak": Decimal("0.5680"),
        "flat": Decimal("0.5380"),
        "valley": Decimal("0.2880"),
    },
}
BASIC_CHARGE_PER_KVA = Decimal("30.00")  # two-part tariff, by contracted capacity, per month
FUNDS_PER_KWH = Decimal("0.0290")  # government funds and surcharges
# Share of the energy in peak / flat / valley hours by segment.
TOU_SPLIT = {
    "industrial": (Decimal("0.36"), Decimal("0.38")),
    "data_center": (Decimal("0.33"), Decimal("0.34")),
    "commercial": (Decimal("0.45"), Decimal("0.40")),
}
DEFAULT_SPLIT = (Decimal("0.42"), Decimal("0.41"))
# Hours of use of the typical load per month, by segment.
UTILISATION = {
    "industrial": (0.55, 0.85),
    "data_center": (0.85, 0.95),
    "commercial": (0.45, 0.6),
    "hospital": (0.6, 0.75),
    "school": (0.25, 0.4),
    "government": (0.3, 0.45),
    "transport": (0.5, 0.7),
    "other": (0.35, 0.6),
}
# Behaviour: most pay on time; some late; a few chronic debtors; a few stopped recently.
BEHAVIOURS = {"punctual": 74, "late": 16, "chronic": 6, "stopped": 4}
CHANNELS = {"bank": 58, "online": 16, "counter": 10, "wechat": 10, "alipay": 6}
CHANNEL_PREFIX = {"bank": "BK", "online": "OL", "counter": "GT", "wechat": "WX", "alipay": "ZF"}


@dataclass(frozen=True)
class Profile:
    customer_id: int
    account_no: str
    segment: str
    tariff: str
    capacity_kva: Decimal
    load_kw: Decimal
    status: str


@dataclass
class BillRecord:
    period: dt.date
    tariff_category: str
    issue_date: dt.date
    due_date: dt.date
    energy_kwh: Decimal
    peak_kwh: Decimal
    flat_kwh: Decimal
    valley_kwh: Decimal
    basic_charge: Decimal
    energy_charge: Decimal
    power_factor_adjustment: Decimal
    other_charges: Decimal
    total: Decimal
    settled_on: dt.date | None = None


@dataclass
class PaymentRecord:
    amount: Decimal
    paid_at: dt.datetime
    channel: str
    reference: str


@dataclass
class History:
    profile: Profile
    behaviour: str
    bills: list[BillRecord] = field(default_factory=list)
    payments: list[PaymentRecord] = field(default_factory=list)
    # (payment index, bill index, amount)
    allocations: list[tuple[int, int, Decimal]] = field(default_factory=list)


def _weighted(rng: random.Random, weights: dict[str, int]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _money(value) -> Decimal:
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def _add_months(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def _season(period: dt.date, segment: str) -> float:
    """Cooling in summer, heating in winter; factories slow down for the Spring Festival."""
    factor = {7: 1.18, 8: 1.2, 1: 1.08, 12: 1.06, 6: 1.05}.get(period.month, 1.0)
    if period.month == 2 and segment in ("industrial", "commercial", "school"):
        factor *= 0.72
    if segment == "school" and period.month in (7, 8):
        factor *= 0.5
    return factor


def make_bill(rng: random.Random, profile: Profile, period: dt.date, category: str) -> BillRecord:
    low, high = UTILISATION.get(profile.segment, (0.4, 0.6))
    days = (_add_months(period, 1) - period).days
    kwh = Decimal(
        float(profile.load_kw)
        * 24
        * days
        * rng.uniform(low, high)
        * _season(period, profile.segment)
        * rng.uniform(0.93, 1.07)
    )
    kwh = kwh.quantize(Decimal("1"))
    peak_share, flat_share = TOU_SPLIT.get(profile.segment, DEFAULT_SPLIT)
    peak = (kwh * peak_share).quantize(Decimal("1"))
    flat = (kwh * flat_share).quantize(Decimal("1"))
    valley = kwh - peak - flat
    prices = PRICES["residential" if category == "residential" else profile.tariff]
    energy = _money(peak * prices["peak"] + flat * prices["flat"] + valley * prices["valley"])
    basic = (
        _money(profile.capacity_kva * BASIC_CHARGE_PER_KVA)
        if profile.tariff == "two_part"
        else ZERO
    )
    # 功率因数调整电费: mostly a small reward, sometimes a penalty.
    pf_rate = Decimal(rng.choice([-75, -60, -45, -30, -15, 0, 0, 25, 50, 100])) / 10000
    pf = _money((basic + energy) * pf_rate)
    other = _money(kwh * FUNDS_PER_KWH)
    issue = _add_months(period, 1) + dt.timedelta(days=rng.randint(2, 5))
    return BillRecord(
        period=period,
        tariff_category=category,
        issue_date=issue,
        due_date=issue + dt.timedelta(days=15),
        energy_kwh=kwh,
        peak_kwh=peak,
        flat_kwh=flat,
        valley_kwh=valley,
        basic_charge=basic,
        energy_charge=energy,
        power_factor_adjustment=pf,
        other_charges=other,
        total=basic + energy + pf + other,
    )


def _at(rng: random.Random, day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(rng.randint(8, 17), rng.randint(0, 59)), SHANGHAI)


def _payment_plan(
    rng: random.Random, behaviour: str, bills: list[BillRecord], today: dt.date, months: int
) -> list[tuple[dt.date, Decimal]]:
    """(day, amount) of the customer's payments."""
    plan = []
    stopped_for = rng.randint(2, 4)
    if behaviour == "chronic":
        # Pays late and short, then catches up every few months: arrears of one to four bills.
        owed = ZERO
        for index, bill in enumerate(bills):
            owed += bill.total
            if (index + 1) % rng.choice([3, 4]) == 0:
                amount, day = (
                    owed - bill.total,
                    bill.due_date + dt.timedelta(days=rng.randint(5, 20)),
                )
            else:
                share = Decimal(rng.uniform(0.7, 0.95))
                amount = (bill.total * share / 1000).quantize(Decimal("1")) * 1000
                day = bill.due_date + dt.timedelta(days=rng.randint(15, 45))
            amount = min(amount, owed)
            if amount > 0:
                plan.append((day, amount))
                owed -= amount
        return plan
    for index, bill in enumerate(bills):
        if behaviour == "stopped" and index >= len(bills) - stopped_for:
            continue
        if behaviour == "late" and rng.random() < 0.55:
            day = bill.due_date + dt.timedelta(days=rng.choice([3, 8, 15, 26, 38, 52]))
        elif rng.random() < 0.04:
            day = bill.due_date + dt.timedelta(days=rng.randint(1, 6))
        else:
            day = bill.due_date - dt.timedelta(days=rng.randint(0, 10))
        plan.append((max(day, bill.issue_date), bill.total))
    return plan


def generate_history(
    rng: random.Random,
    profile: Profile,
    *,
    today: dt.date,
    months: int = 24,
    first_reference: int = 1,
) -> History:
    """The customer's bills of the `months` months before `today`'s month, its payments (none
    after `today`) and their allocations, under the product's allocation rule."""
    behaviour = _weighted(rng, BEHAVIOURS)
    last = _add_months(today.replace(day=1), -1)
    if profile.status == "closed":
        last = _add_months(last, -rng.randint(3, 9))
        behaviour = "punctual"
    category = (
        "residential"
        if profile.segment == "other" and profile.tariff == "single_part" and rng.random() < 0.15
        else "large_industrial"
        if profile.tariff == "two_part"
        else "general_commercial"
    )
    history = History(profile=profile, behaviour=behaviour)
    # The last `months` bills already issued (this month's may not be out yet).
    bills = [
        make_bill(rng, profile, _add_months(last, -k), category) for k in range(months, -1, -1)
    ]
    history.bills = [b for b in bills if b.issue_date <= today][-months:]
    plan = sorted(
        (d, a) for d, a in _payment_plan(rng, behaviour, history.bills, today, months) if d < today
    )
    for offset, (day, amount) in enumerate(plan):
        channel = _weighted(rng, CHANNELS)
        history.payments.append(
            PaymentRecord(
                amount=amount,
                paid_at=_at(rng, day),
                channel=channel,
                reference=f"{CHANNEL_PREFIX[channel]}{day:%Y%m%d}{first_reference + offset:07d}",
            )
        )
    _allocate(history)
    return history


def _allocate(history: History) -> None:
    """Replay bills and payments in time order through the allocation rule (as the services
    do: a bill is settled on the day of the payment that completes it)."""
    days = [timezone.localdate(p.paid_at) for p in history.payments]
    events = sorted(
        [(b.issue_date, 0, i) for i, b in enumerate(history.bills)]
        + [(day, 1, i) for i, day in enumerate(days)]
    )
    paid = [ZERO] * len(history.bills)
    last_paid: list[dt.date | None] = [None] * len(history.bills)
    credit: list[list] = []  # [payment index, amount left], oldest payment first
    issued: list[int] = []

    def apply(payment_index: int, amount: Decimal) -> Decimal:
        day = days[payment_index]
        order = sorted(issued, key=lambda i: (history.bills[i].due_date, i))
        pieces, left = plan_allocation(
            amount, [(i, history.bills[i].total - paid[i]) for i in order]
        )
        for bill_index, piece in pieces:
            paid[bill_index] += piece
            last_paid[bill_index] = max(day, last_paid[bill_index] or day)
            history.allocations.append((payment_index, bill_index, piece))
            if paid[bill_index] == history.bills[bill_index].total:
                history.bills[bill_index].settled_on = last_paid[bill_index]
        return left

    for _day, kind, index in events:
        if kind == 0:
            issued.append(index)
            if history.bills[index].total == ZERO:
                history.bills[index].settled_on = history.bills[index].issue_date
            for entry in credit:
                if entry[1] > ZERO:
                    entry[1] = apply(entry[0], entry[1])
        else:
            left = apply(index, history.payments[index].amount)
            if left > ZERO:
                credit.append([index, left])


# --- writing ---------------------------------------------------------------------------------


def profiles_of(customers: Iterable) -> list[Profile]:
    return [
        Profile(
            customer_id=c.pk,
            account_no=c.account_no,
            segment=c.segment,
            tariff=c.tariff,
            capacity_kva=c.contract_capacity_kva,
            load_kw=c.typical_daily_load_kw,
            status=c.status,
        )
        for c in customers
    ]


def write_histories(histories: list[History], *, batch_size: int = 2000) -> dict[str, int]:
    """Bulk-insert the records (bills, payments, allocations) of `histories`."""

    bills, payments, allocations = [], [], []
    for history in histories:
        cid = history.profile.customer_id
        bill_rows = [Bill(customer_id=cid, **vars(b)) for b in history.bills]
        payment_rows = [Payment(customer_id=cid, **vars(p)) for p in history.payments]
        bills += bill_rows
        payments += payment_rows
        allocations += [
            (payment_rows[p], bill_rows[b], amount) for p, b, amount in history.allocations
        ]
    Bill.objects.bulk_create(bills, batch_size=batch_size)
    Payment.objects.bulk_create(payments, batch_size=batch_size)
    PaymentAllocation.objects.bulk_create(
        [PaymentAllocation(payment=p, bill=b, amount=a) for p, b, a in allocations],
        batch_size=batch_size,
    )
    return {"bills": len(bills), "payments": len(payments), "allocations": len(allocations)}


@transaction.atomic
def seed(rng: random.Random, stdout=None) -> dict[str, int]:
    """Write the demo billing history of every customer; nothing when bills exist."""

    if Bill.objects.exists():
        if stdout is not None:
            stdout.write("billing: bills exist, nothing added")
        return {}
    today = timezone.localdate()
    customers = list(Customer.objects.order_by("pk"))
    histories, reference = [], 1
    for profile in profiles_of(customers):
        history = generate_history(
            random.Random(rng.random()), profile, today=today, first_reference=reference
        )
        reference += len(history.payments)
        histories.append(history)
    added = write_histories(histories)
    added["balances"] = refresh_balances([c.pk for c in customers], as_of=today)

    added.update(collection.seed_collection(rng, histories, today=today))
    if stdout is not None:
        stdout.write("billing: " + ", ".join(f"{n} {k}" for k, n in added.items()))
    return added
