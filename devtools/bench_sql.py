"""SQL expressions for the bench data (seed_bench): deterministic "random" numbers, local times,
and the contacts' rows."""


def h(expression: str) -> str:
    """A deterministic "random" whole number in [0, 2**32) drawn from `expression`."""
    return f"(hashint8(({expression})::bigint)::bigint + 2147483648)"


def local(day: str, clock: str) -> str:
    return f"(({day}) + time '{clock}') AT TIME ZONE 'Asia/Shanghai'"


# Contacts: a surname of the list and a title, a mobile number drawn from the customer's id.
CONTACT_SURNAMES = ["王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周"]
CONTACT_VALUES = {
    "created_at": "c.created_at",
    "updated_at": "c.created_at",
    "customer_id": "c.id",
    "name": (
        f"(ARRAY{CONTACT_SURNAMES!r})[1 + {h('c.id * 2 + j')} %% 10]"
        " || CASE j WHEN 1 THEN '经理' ELSE '电工' END"
    ),
    "role": "CASE j WHEN 1 THEN 'finance' ELSE 'electrical' END",
    "mobile": (
        f"'+861' || (3 + {h('c.id * 2 + j + 7')} %% 7)"
        f" || lpad(({h('c.id * 2 + j')} %% 1000000000)::text, 9, '0')"
    ),
    "preferred_channel": "'sms'",
    "language": "'zh-hans'",
    "receives_outage_notices": "j = 2",
    "receives_billing_notices": "j = 1",
}
CONTACTS_FROM = """
FROM {customer} c
CROSS JOIN generate_series(1, 2) j"""
