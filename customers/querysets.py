"""Reusable queries over customers, and the one scoping rule every part uses."""

import re
from collections.abc import Sequence

from django.db import connections, models
from django.db.models import OuterRef, Q, Subquery
from django.db.models.expressions import RawSQL

from common.roles import Role, role_of, sees_everything

# The models module imports this one for its managers (Django's own ordering): its
# models are read through the module at call time.
from customers import models as customers_models
from customers.validators import normalize_credit_code

# What people type inside a phone number: "138 1234 5678", "138-1234-5678".
_PHONE_SEPARATORS = re.compile(r"[\s\-()]")


# A search that matches at most this many rows is run once and its ids go into the list's
# statements (count, page ids, rows) as one array; a broader one stays a subquery of each.
SEARCH_IDS_INLINE = 50_000


def matched_ids(parts: Sequence[models.QuerySet], *, key: str = "pk"):
    """The ids of the rows any of `parts` finds (the first part's `pk`, the others' `key`), for
    an `__in` lookup: the ids themselves when there are not too many, else the union as a
    subquery.

    The ids are found once rather than in every statement of the list, and PostgreSQL plans
    the list's sort over the rows found instead of walking an ordering index in the hope of
    meeting them (seconds for a few thousand payments among millions). On PostgreSQL they go
    as one array parameter, not one parameter each."""
    first, *others = parts
    union = first.values_list("pk")
    if others:
        union = union.union(*(part.values_list(key) for part in others))
    found = [row[0] for row in union[: SEARCH_IDS_INLINE + 1]]
    if len(found) > SEARCH_IDS_INLINE:
        return union
    if connections[union.db].vendor == "postgresql":
        return RawSQL("SELECT unnest(%s::bigint[])", [found])
    return found


def whole_regions_seen(user) -> frozenset[int | None] | None:
    """The regions every customer of which `user` sees: None for all customers (every region
    and none), an empty set when what the user sees is not whole regions (an account
    manager's portfolio, or nothing). `customer_scope` is built on it; a count kept per region
    (billing.counts) reads it."""
    if sees_everything(user):
        return None
    if role_of(user) == Role.SUPERVISOR:
        return frozenset({user.region_id})
    return frozenset()


def customer_scope(user, prefix: str = "") -> Q:
    """A Q over Customer (or over a model whose `prefix` leads to Customer) for what `user` sees.

    - administrators, integration clients, auditors, supervisors without a region: everything
    - supervisors: the customers of their region
    - account managers: the customers whose open assignment is theirs
    - the system (common.actors.SYSTEM: a job or a command): everything
    - anyone else: nothing
    """
    p = f"{prefix}__" if prefix else ""
    regions = whole_regions_seen(user)
    if regions is None:
        return Q()
    if regions:
        (region_id,) = regions
        return Q(**{f"{p}region_id": region_id})
    if role_of(user) == Role.ACCOUNT_MANAGER:
        # At most one open assignment per customer (a database constraint), so this join
        # never duplicates rows.
        return Q(**{f"{p}assignments__manager_id": user.pk, f"{p}assignments__end__isnull": True})
    return Q(**{f"{p}pk__in": []})


class CustomerScopedQuerySet(models.QuerySet):
    """Base for querysets of rows that hang off one customer through `customer_path`."""

    customer_path = "customer"

    def visible_to(self, user):
        return self.filter(customer_scope(user, self.customer_path))

    def search(self, text: str, *, own_fields: Sequence[str] = (), by_customer: bool = True):
        """Rows whose customer the register's search finds (`CustomerQuerySet.search`: name,
        account number, credit code, contacts), or one of whose `own_fields` contains `text`
        (case-insensitive). Pages and the API's `?search=` (common.api.search) read it.

        The matches are a union of ids, so each part is served by its own index (the
        register's trigram indexes, then the rows' customer index; a trigram index on a large
        table's own field) instead of an OR across a join that reads the whole table."""
        text = text.strip()
        if not text or not (own_fields or by_customer):
            return self
        rows = self.model._default_manager.all()
        parts = []
        if by_customer:
            customers = customers_models.Customer.objects.search(text).values_list("pk")
            if not own_fields:
                # The customers found, then their rows through the customer index.
                return self.filter(**{f"{self.customer_path}__in": customers})
            parts.append(rows.filter(**{f"{self.customer_path}__in": customers}))
        if own_fields:
            own = Q()
            for field in own_fields:
                own |= Q(**{f"{field}__icontains": text})
            parts.append(rows.filter(own))
        return self.filter(pk__in=matched_ids(parts))


class CustomerQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(customer_scope(user))

    def search(self, text: str):
        """Customers whose name, account number or credit code contains `text`, or one of whose
        contacts has it in their name or mobile number (case-insensitive substrings, Chinese
        included; a phone typed with spaces or dashes is found too).

        The one search of the register: the list page and the API's `?search=` use it. On
        PostgreSQL trigram indexes serve a term of three characters or more (customers
        migrations 0006 and 0009), so a selective search reads only its rows; a shorter term
        reads the tables, as before. The contacts' matches are a union of ids rather than an
        OR with a subquery, which would make PostgreSQL read the whole register."""
        text = text.strip()
        if not text:
            return self
        own = customers_models.Customer.objects.filter(
            Q(name__icontains=text)
            | Q(account_no__icontains=text)
            | Q(credit_code__icontains=normalize_credit_code(text))
        )
        digits = _PHONE_SEPARATORS.sub("", text)
        # A number is a phone number, not a name.
        if digits.lstrip("+").isdigit():
            contacts = Q(mobile__icontains=digits)
        else:
            contacts = Q(name__icontains=text)
        by_contact = customers_models.Contact.objects.filter(contacts)
        return self.filter(pk__in=matched_ids([own, by_contact], key="customer_id"))

    def active(self):
        return self.filter(status="active")

    def with_manager(self):
        """Annotate `manager_id_open` (user id of the open assignment, or None)."""

        open_assignment = customers_models.Assignment.objects.filter(
            customer=OuterRef("pk"), end__isnull=True
        )
        return self.annotate(
            manager_id_open=Subquery(open_assignment.values("manager_id")[:1]),
        )

    def unassigned(self):
        """Active customers without an open assignment (never assigned ones included)."""

        # Not `exclude(assignments__end__isnull=True)`: its LEFT JOIN also matches customers
        # with no assignment at all, which are then wrongly left out.
        open_assignments = customers_models.Assignment.objects.filter(end__isnull=True).values(
            "customer_id"
        )
        return self.active().exclude(pk__in=open_assignments)
