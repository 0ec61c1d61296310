"""Realistic demo data for the customer register: people, grid, customers, contacts, queue.

The generators are pure: they take a `random.Random` and counts and return plain records, so
the same seed always yields the same data (benchmarks reuse them with bigger counts). `seed()`
writes what is missing and leaves what exists alone, so running it twice changes nothing.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TypedDict

import phonenumbers
from faker import Faker
from stdnum.cn import uscc

from customers.validators import USCC_ALPHABET

DEMO_PASSWORD = "demo12345"


class RegionSpec(TypedDict):
    code: str
    name: str
    divisions: list[str]  # administrative division codes
    places: list[str]


class SubstationSpec(TypedDict):
    code: str
    name: str
    region: str  # region code
    voltage_kv: Decimal


class FeederSpec(TypedDict):
    code: str
    name: str
    substation: str  # substation code
    region: str  # region code


# A city split into three supply regions; division codes are Hangzhou's districts.
REGIONS: list[RegionSpec] = [
    {
        "code": "EAST",
        "name": "东区",
        "divisions": ["330102", "330109"],
        "places": ["钱江", "九堡", "下沙", "笕桥", "彭埠", "丁桥"],
    },
    {
        "code": "WEST",
        "name": "西区",
        "divisions": ["330106", "330110"],
        "places": ["西溪", "转塘", "留下", "良渚", "仓前", "闲林"],
    },
    {
        "code": "SOUTH",
        "name": "南区",
        "divisions": ["330108", "330109"],
        "places": ["滨江", "浦沿", "长河", "瓜沥", "义蓬", "新塘"],
    },
]

SEGMENT_WEIGHTS = {
    "industrial": 35,
    "commercial": 20,
    "government": 8,
    "hospital": 8,
    "school": 8,
    "transport": 6,
    "data_center": 5,
    "other": 10,
}
IMPORTANCE_WEIGHTS = {"special": 3, "level1": 10, "level2": 17, "temporary": 5, "normal": 65}
# Segments whose loss of supply endangers people or much else are more often important users.
IMPORTANT_SEGMENTS = {"hospital", "data_center", "transport", "government"}

_SEGMENT_NAMES = {
    "industrial": [
        "电子",
        "机械",
        "化工",
        "纺织",
        "钢铁",
        "汽车零部件",
        "新材料",
        "制药",
        "食品",
        "精密制造",
        "光伏科技",
        "印染",
    ],
    "commercial": [
        "万象城",
        "购物中心",
        "国际酒店",
        "商业广场",
        "金融大厦",
        "奥特莱斯",
        "农贸市场",
        "国际会议中心",
    ],
    "government": [
        "区人民政府",
        "税务局",
        "公安分局",
        "市场监督管理局",
        "行政服务中心",
        "人民法院",
    ],
    "hospital": ["人民医院", "中医院", "妇幼保健院", "第一医院", "口腔医院", "肿瘤医院"],
    "school": ["第一中学", "实验小学", "职业技术学院", "外国语学校", "高级中学", "理工大学"],
    "transport": ["地铁站", "长途汽车站", "高铁站", "公交停车场", "港务有限公司", "隧道管理所"],
    "data_center": ["华数", "云栖", "电信", "移动", "联通", "浙数"],
    "other": ["污水处理厂", "自来水厂", "体育中心", "会展中心", "垃圾焚烧发电厂", "燃气调压站"],
}
_CONTACT_ROLES = ["legal", "electrical", "finance", "emergency"]


@dataclass
class UserSpec:
    username: str
    role: str
    name: str
    region: str | None = None
    supervisor: str | None = None
    employee_no: str = ""
    phone: str = ""


@dataclass
class CustomerSpec:
    fields: dict
    region: str
    supply: list[tuple[str, bool]]  # (feeder code, is primary)
    contacts: list[dict] = field(default_factory=list)


# --- small generators ------------------------------------------------------------------------


def _faker(rng: random.Random) -> Faker:
    fake = Faker("zh_CN")
    fake.seed_instance(rng.getrandbits(32))
    return fake


def _organization_code(rng: random.Random) -> str:
    """A GB 11714 organisation code: eight characters and its check character."""
    body = "".join(rng.choice("0123456789") for _ in range(8))
    weights = (3, 7, 9, 10, 5, 8, 4, 2)
    check = 11 - sum(int(c) * w for c, w in zip(body, weights, strict=True)) % 11
    return body + {10: "X", 11: "0"}.get(check, str(check))


def make_credit_code(rng: random.Random, *, kind: str, division: str) -> str:
    """A valid unified social credit code: `kind` is the first two characters (91 company,
    11 government body, 12 public institution), `division` the six-digit area code."""
    body = kind + division + _organization_code(rng)
    code = body + uscc.calc_check_digit(body)
    assert set(code) <= USCC_ALPHABET
    return code


def make_mobile(rng: random.Random) -> str:
    """A valid Chinese mobile number in +86 E.164 form."""
    prefixes = [
        "135",
        "136",
        "137",
        "138",
        "139",
        "150",
        "151",
        "152",
        "158",
        "159",
        "182",
        "183",
        "187",
        "188",
        "130",
        "131",
        "132",
        "155",
        "156",
        "185",
        "186",
        "133",
        "153",
        "180",
        "181",
        "189",
        "177",
        "199",
    ]
    while True:
        number = rng.choice(prefixes) + "".join(rng.choice("0123456789") for _ in range(8))
        parsed = phonenumbers.parse(number, "CN")
        if phonenumbers.is_valid_number(parsed) and phonenumbers.number_type(parsed) in (
            phonenumbers.PhoneNumberType.MOBILE,
            phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
        ):
            return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def _weighted(rng: random.Random, weights: dict[str, int]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


# --- people and grid -------------------------------------------------------------------------


def generate_users(rng: random.Random, *, managers: int = 8) -> list[UserSpec]:
    """The demo cast: admin, two supervisors, `managers` managers over the regions, an auditor
    and the billing system's integration account (usernames as printed by `make run`)."""
    fake = _faker(rng)
    users = [
        UserSpec("admin", "admin", "系统管理员"),
        UserSpec(
            "sup_east",
            "supervisor",
            fake.name(),
            region="EAST",
            employee_no="S001",
            phone=make_mobile(rng),
        ),
        UserSpec("sup_all", "supervisor", fake.name(), employee_no="S002", phone=make_mobile(rng)),
    ]
    for i in range(managers):
        region = REGIONS[i * len(REGIONS) // managers]["code"]
        users.append(
            UserSpec(
                f"mgr{i + 1:02d}",
                "account_manager",
                fake.name(),
                region=region,
                supervisor="sup_east" if region == "EAST" else "sup_all",
                employee_no=f"KM{i + 1:03d}",
                phone=make_mobile(rng),
            )
        )
    users += [
        UserSpec("auditor", "auditor", fake.name(), employee_no="A001"),
        UserSpec("billing_api", "integration", "营销系统接口"),
    ]
    return users


def generate_grid(
    rng: random.Random, *, substations: int = 12, feeders: int = 60
) -> tuple[list[SubstationSpec], list[FeederSpec]]:
    """Substations spread over the regions, each with its share of 10 kV feeders."""
    subs: list[SubstationSpec] = []
    lines: list[FeederSpec] = []
    for i in range(substations):
        region = REGIONS[i % len(REGIONS)]
        place = region["places"][(i // len(REGIONS)) % len(region["places"])]
        voltage = rng.choice([Decimal("110"), Decimal("110"), Decimal("35"), Decimal("220")])
        code = f"{region['code'][0]}{i + 1:02d}"
        subs.append(
            {
                "code": f"SS-{code}",
                "name": f"{place}{voltage:.0f}kV变电站",
                "region": region["code"],
                "voltage_kv": voltage,
            }
        )
    for j in range(feeders):
        sub = subs[j % substations]
        number = 100 + j // substations + 11
        lines.append(
            {
                "code": f"F-{sub['code'][3:]}-{number}",
                "name": f"{sub['name'][:2]}{number}线",
                "substation": sub["code"],
                "region": sub["region"],
            }
        )
    return subs, lines


# --- customers -------------------------------------------------------------------------------


_BRANDS = [
    "华通",
    "恒达",
    "鑫源",
    "宏业",
    "永盛",
    "中天",
    "瑞丰",
    "金诚",
    "东方",
    "天宇",
    "博远",
    "新锐",
    "锦程",
    "正泰",
    "万向",
    "汇丰",
    "德力",
    "海昌",
    "振华",
    "富春",
    "钱塘",
    "之江",
    "浙锋",
    "远大",
    "明珠",
    "长兴",
    "启航",
    "协力",
    "嘉禾",
    "同创",
]


def _customer_name(rng: random.Random, segment: str, place: str) -> str:
    word = rng.choice(_SEGMENT_NAMES[segment])
    if segment == "industrial":
        return f"杭州{rng.choice(_BRANDS)}{word}有限公司"
    if segment == "government":
        return f"{place}街道办事处" if word == "区人民政府" else f"杭州市{place}{word}"
    if segment == "data_center":
        return f"{word}{place}数据中心"
    if segment == "transport" and word == "地铁站":
        return f"地铁{rng.randint(1, 19)}号线{place}站"
    return f"{place}{word}"


def _address(rng: random.Random, fake: Faker, region: RegionSpec) -> str:
    return f"杭州市{rng.choice(region['places'])}{fake.street_name()}{rng.randint(1, 999)}号"


def _unique_name(rng: random.Random, segment: str, region: RegionSpec, taken: set[str]) -> str:
    for _ in range(20):
        name = _customer_name(rng, segment, rng.choice(region["places"]))
        if name not in taken:
            return name
    n = 2
    while f"{name}（{n}期）" in taken:
        n += 1
    return f"{name}（{n}期）"


def _sizes(rng: random.Random, segment: str) -> tuple[Decimal, Decimal, Decimal]:
    """Voltage (kV), contracted capacity (kVA) and typical daily load (kW)."""
    if segment in ("industrial", "data_center"):
        voltage = rng.choice([Decimal("10"), Decimal("10"), Decimal("35"), Decimal("110")])
    else:
        voltage = rng.choice([Decimal("10"), Decimal("10"), Decimal("10"), Decimal("35")])
    base = {"10": (315, 8000), "35": (5000, 31500), "110": (20000, 80000)}[f"{voltage:.0f}"]
    capacity = Decimal(rng.randrange(base[0], base[1], 5))
    load = (capacity * Decimal(rng.randint(25, 70)) / 100).quantize(Decimal("1"))
    return voltage, capacity, load


def _contacts(rng: random.Random, fake: Faker) -> list[dict]:
    contacts = []
    for role in _CONTACT_ROLES[: rng.randint(1, 4)]:
        mobile = make_mobile(rng)
        email = fake.email() if rng.random() < 0.6 else ""
        contacts.append(
            {
                "name": fake.name(),
                "role": role,
                "mobile": mobile,
                "email": email,
                "preferred_channel": "email" if email and rng.random() < 0.15 else "sms",
                "language": "zh-hans",
                "receives_outage_notices": role in ("legal", "electrical", "emergency"),
                "receives_billing_notices": role in ("finance", "legal"),
            }
        )
    return contacts


def generate_customers(
    rng: random.Random, *, count: int, feeders: list[FeederSpec], first_account_no: int = 3301000001
) -> list[CustomerSpec]:
    """`count` key accounts over the regions of `feeders` (as from generate_grid)."""
    fake = _faker(rng)
    by_region: dict[str, list[FeederSpec]] = {}
    for feeder in feeders:
        by_region.setdefault(feeder["region"], []).append(feeder)
    segments, importances = list(SEGMENT_WEIGHTS), list(IMPORTANCE_WEIGHTS)
    names: set[str] = set()
    specs = []
    for i in range(count):
        region = REGIONS[rng.randrange(len(REGIONS))]
        # The first rows cover every segment and importance class; the rest follow weights.
        segment = segments[i] if i < len(segments) else _weighted(rng, SEGMENT_WEIGHTS)
        importance = importances[i] if i < len(importances) else _weighted(rng, IMPORTANCE_WEIGHTS)
        if segment in IMPORTANT_SEGMENTS and importance == "normal" and rng.random() < 0.6:
            importance = rng.choice(["level1", "level2"])
        name = _unique_name(rng, segment, region, names)
        names.add(name)
        voltage, capacity, load = _sizes(rng, segment)
        generator = (
            segment in ("hospital", "data_center")
            or importance == "special"
            or (importance == "level1" and rng.random() < 0.5)
            or rng.random() < 0.05
        )
        kind = {"government": "11", "hospital": "12", "school": "12"}.get(segment, "91")
        fields = {
            "account_no": str(first_account_no + i),
            "name": name,
            "credit_code": make_credit_code(
                rng, kind=kind, division=rng.choice(region["divisions"])
            ),
            "segment": segment,
            "importance": importance,
            "voltage_kv": voltage,
            "contract_capacity_kva": capacity,
            "typical_daily_load_kw": load,
            "tariff": "two_part" if segment in ("industrial", "data_center") else "single_part",
            "status": rng.choices(["active", "suspended", "closed"], weights=[94, 4, 2])[0],
            "has_backup_generator": generator,
            "backup_capacity_kw": (load * Decimal(rng.randint(20, 60)) / 100).quantize(Decimal("1"))
            if generator
            else None,
            "address": _address(rng, fake, region),
        }
        dual = (
            importance in ("special", "level1")
            or (importance == "level2" and rng.random() < 0.5)
            or rng.random() < 0.05
        )
        lines = rng.sample(by_region[region["code"]], 2 if dual else 1)
        specs.append(
            CustomerSpec(
                fields=fields,
                region=region["code"],
                supply=[(line["code"], n == 0) for n, line in enumerate(lines)],
                contacts=_contacts(rng, fake),
            )
        )
    return specs


def generate_followups(rng: random.Random, *, customers: list[str], count: int) -> list[dict]:
    """Open follow-ups for some of `customers` (account numbers), due in office hours from five
    days ago to ten days ahead."""
    templates = [
        ("visit", "季度走访：了解用电计划与设备运行情况"),
        ("visit", "重要用户安全用电检查"),
        ("other", "核对联系人信息并更新停电通知名单"),
        ("other", "协助办理增容申请"),
        ("collection", "提醒客户按时缴纳本月电费"),
        ("satisfaction", "回访客户对抢修服务的评价"),
    ]
    chosen = rng.sample(customers, min(count, len(customers)))
    return [
        {
            "account_no": account_no,
            "kind": kind,
            "summary": summary,
            "due_in_days": rng.randint(-5, 10),
            "due_hour": rng.choice([9, 10, 11, 14, 15, 16, 17]),
            "source": f"demo:{account_no}:{n}",
        }
        for n, account_no in enumerate(chosen)
        for kind, summary in [rng.choice(templates)]
    ]
