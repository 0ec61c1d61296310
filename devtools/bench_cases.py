"""The cases of `manage.py bench_lists`: every API list and every list page, with the user who
would ask for it.

API lists are found from the URL configuration (each router list), so a new endpoint is measured
without being added here; its filters and orderings come from its FilterSet and
`ordering_fields`, each filter with a value taken from a real row.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

import django_filters
from django.core.exceptions import FieldError
from django.db.models import Model
from django.test import Client
from django.urls import get_resolver, reverse

from accounts_manager.models import User
from accounts_manager.services import create_user
from common.actors import SYSTEM
from common.roles import Role
from customers.models import Assignment, Customer

LIST_TARGET_MS = 50.0
CUSTOMER_TARGET_MS = 100.0
DASHBOARD_TARGET_MS = 150.0
DEEP_PAGE = 2000
PAGE_SIZE = 50
BENCH_PREFIX = "bench_"


@dataclass
class Case:
    label: str
    url: str
    user: User
    target_ms: float = LIST_TARGET_MS


def _user(username: str, role: str) -> User:
    existing = User.objects.filter(username=username).first()
    return existing or create_user(username=username, password=None, role=role, acting_user=SYSTEM)


def integration_client() -> User:
    return _user("bench_lists_client", Role.INTEGRATION)


def administrator() -> User:
    return _user("bench_lists_admin", Role.ADMIN)


def busiest_manager() -> User:
    """The bench manager with the most customers (a full portfolio)."""
    row = (
        Assignment.objects.filter(end__isnull=True, manager__username__startswith=BENCH_PREFIX)
        .values("manager_id")
        .order_by("manager_id")
        .first()
    )
    if row is None:
        raise LookupError("No bench manager: run seed_bench first.")
    return User.objects.get(pk=row["manager_id"])


def a_supervisor() -> User:
    return User.objects.filter(
        username__startswith=f"{BENCH_PREFIX}sup_", groups__name=Role.SUPERVISOR
    ).order_by("username")[0]


# --- the API -----------------------------------------------------------------------------------


def api_lists() -> Iterator[tuple[str, str, type]]:
    """(name, path, viewset class) of each list endpoint of the router."""

    def walk(patterns) -> Iterator:
        for entry in patterns:
            if hasattr(entry, "url_patterns"):
                yield from walk(entry.url_patterns)
            else:
                yield entry

    seen = set()
    for pattern in walk(get_resolver().url_patterns):
        name = pattern.name or ""
        callback = pattern.callback
        cls = getattr(callback, "cls", None)
        actions = getattr(callback, "actions", None) or {}
        if (
            cls is None
            or actions.get("get") != "list"
            or name in seen
            or "format" in str(pattern.pattern)
        ):
            continue
        seen.add(name)
        yield name.removesuffix("-list"), reverse(name), cls


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal | int | float | str):
        return str(value)
    return None


def filter_value(name: str, flt: django_filters.Filter, model: type[Model] | None) -> str | None:
    """A value for the filter that real rows match, or None when none can be found."""
    if isinstance(flt, django_filters.BooleanFilter):
        return "true"
    if isinstance(flt, django_filters.ChoiceFilter):
        choices = list(flt.extra.get("choices") or [])
        return str(choices[0][0]) if choices else None
    if name == "manager" or flt.field_name == "manager_id":
        return str(busiest_manager().pk)
    if name == "supervisor" or flt.field_name == "supervisor_id":
        return str(a_supervisor().pk)
    if name.startswith("min_"):
        return "1000"
    field = flt.field_name
    if model is None:
        return None
    try:
        value = model._default_manager.order_by("-pk").values_list(field, flat=True)[:1]
        found = next(iter(value), None)
    except (FieldError, ValueError, TypeError):
        return None
    if name.startswith("period") and isinstance(found, dt.date):
        return found.strftime("%Y-%m")
    return _text(found)


def _deep_page(client: Client, path: str) -> int:
    """Page DEEP_PAGE, or the last page of a shorter list."""
    answer = client.get(path)
    count = answer.json().get("count") if answer.status_code == 200 else None
    if not count:
        return 1
    return max(1, min(DEEP_PAGE, math.ceil(count / PAGE_SIZE)))


def api_cases() -> Iterator[Case]:
    integration, admin = integration_client(), administrator()
    probe = Client()
    probe.force_login(integration)
    for name, path, viewset in api_lists():
        # Integration clients see every customer; the lists they may not read (users, managers)
        # are asked for by an administrator.
        client = integration if probe.get(path).status_code == 200 else admin
        yield Case(f"API {name}", path, client)
        page = _deep_page(probe if client is integration else _logged_in(admin), path)
        yield Case(f"API {name} page {page}", _url(path, page=page), client)
        for field in getattr(viewset, "ordering_fields", None) or []:
            if field == "__all__":
                continue
            for prefix in ("", "-"):
                yield Case(
                    f"API {name} ordering={prefix}{field}",
                    _url(path, ordering=f"{prefix}{field}"),
                    client,
                )
        filterset = getattr(viewset, "filterset_class", None)
        if filterset is not None:
            model = filterset._meta.model
            for filter_name, flt in filterset.base_filters.items():
                value = filter_value(filter_name, flt, model)
                if value:
                    yield Case(
                        f"API {name} {filter_name}={value}",
                        _url(path, **{filter_name: value}),
                        client,
                    )
        if getattr(viewset, "search_fields", None):
            yield Case(f"API {name} search=1000", _url(path, search="1000"), client)
    customer = Customer.objects.order_by("pk").first()
    if customer is not None:
        yield Case(
            "API customer",
            reverse("customer-detail", args=[customer.pk]),
            integration,
            CUSTOMER_TARGET_MS,
        )
        yield Case(
            "API customer timeline",
            reverse("customer-timeline", args=[customer.pk]),
            integration,
        )
    yield Case("API dashboard", reverse("api-dashboard"), admin, DASHBOARD_TARGET_MS)
    region = a_supervisor().region
    if region is not None:
        yield Case(
            f"API dashboard region={region.code}",
            _url(reverse("api-dashboard"), region=region.code),
            admin,
            DASHBOARD_TARGET_MS,
        )


def _logged_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _url(path: str, **params: Any) -> str:
    return f"{path}?{urlencode(params)}"


# --- the pages ---------------------------------------------------------------------------------

# (label, URL name, who: "admin", "supervisor" or "manager", extra query parameters)
PAGES: list[tuple[str, str, str, dict[str, Any]]] = [
    ("my day", "accounts_manager:my_day", "manager", {}),
    ("notices", "accounts_manager:notices", "manager", {}),
    ("managers", "accounts_manager:manager_list", "supervisor", {}),
    ("customers", "customers:list", "admin", {}),
    ("customers page 2000", "customers:list", "admin", {"page": DEEP_PAGE}),
    ("customers search", "customers:list", "admin", {"q": "1000"}),
    ("customers of a manager", "customers:list", "manager", {}),
    ("customers of a region", "customers:list", "supervisor", {}),
    ("arrears", "billing:arrears", "admin", {}),
    ("arrears page 200", "billing:arrears", "admin", {"page": 200}),
    ("arrears of a region", "billing:arrears", "supervisor", {}),
    ("disconnections", "billing:disconnection_list", "supervisor", {}),
    ("risk overview", "risk:overview", "supervisor", {}),
    ("risk customers", "risk:customers", "supervisor", {}),
    ("dashboard managers", "dashboards:league", "supervisor", {}),
    ("visits", "visits:list", "supervisor", {}),
    ("visit plans", "visits:plans", "manager", {}),
    ("outages", "outages:list", "supervisor", {}),
    ("outage calendar", "outages:calendar", "supervisor", {}),
    ("complaints", "complaints:list", "supervisor", {}),
    ("complaints of a manager", "complaints:list", "manager", {}),
    ("connection projects", "connections:list", "supervisor", {}),
    ("connection projects of a manager", "connections:list", "manager", {}),
    ("connection projects page 200", "connections:list", "admin", {"page": 200}),
    ("connection weekly review", "connections:review", "supervisor", {}),
    ("connection weekly review, all regions", "connections:review", "admin", {}),
]


def page_cases() -> Iterator[Case]:
    people = {
        "admin": administrator(),
        "supervisor": a_supervisor(),
        "manager": busiest_manager(),
    }
    for label, url_name, who, params in PAGES:
        path = reverse(url_name)
        url = _url(path, **params) if params else path
        yield Case(f"page {label}", url, people[who])
    customer = Customer.objects.order_by("pk").first()
    if customer is not None:
        yield Case(
            "page customer 360",
            reverse("customers:detail", args=[customer.pk]),
            people["admin"],
            CUSTOMER_TARGET_MS,
        )
    for who in ("admin", "supervisor"):
        yield Case(
            f"page dashboard ({who})",
            reverse("dashboards:index"),
            people[who],
            DASHBOARD_TARGET_MS,
        )
