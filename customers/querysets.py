"""Reusable queries over customers, and the one scoping rule every part uses."""

from django.db import models
from django.db.models import OuterRef, Q, Subquery

from common.roles import Role, role_of, sees_everything

# The models module imports this one for its managers (Django's own ordering): its
# models are read through the module at call time.
from customers import models as customers_models
from customers.validators import normalize_credit_code


def customer_scope(user, prefix: str = "") -> Q:
    """A Q over Customer (or over a model whose `prefix` leads to Customer) for what `user` sees.

    - administrators, integration clients, auditors, supervisors without a region: everything
    - supervisors: the customers of their region
    - account managers: the customers whose open assignment is theirs
    - the system (common.actors.SYSTEM: a job or a command): everything
    - anyone else: nothing
    """
    p = f"{prefix}__" if prefix else ""
    if sees_everything(user):
        return Q()
    role = role_of(user)
    if role is None:
        return Q(**{f"{p}pk__in": []})
    if role == Role.SUPERVISOR:
        return Q(**{f"{p}region_id": user.region_id})
    if role == Role.ACCOUNT_MANAGER:
        # At most one open assignment per customer (a database constraint), so this join
        # never duplicates rows.
        return Q(**{f"{p}assignments__manager_id": user.pk, f"{p}assignments__end__isnull": True})
    return Q(**{f"{p}pk__in": []})


class CustomerScopedQuerySet(models.QuerySet):
    """Base for querysets of rows that hang off one customer through `customer_path`."""

    customer_path = "customer"

    def visible_to(self, user):
        return self.filter(customer_scope(user, self.customer_path))


class CustomerQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(customer_scope(user))

    def search(self, text: str):
        """Customers whose name, account number or credit code contains `text`
        (case-insensitive substrings, Chinese included).

        The one search of the register: the list page and the API's `?search=` use it. On
        PostgreSQL trigram indexes serve a term of three characters or more (customers
        migration 0006), so a selective search reads only its rows; a shorter term reads the
        table, as before."""
        text = text.strip()
        if not text:
            return self
        return self.filter(
            Q(name__icontains=text)
            | Q(account_no__icontains=text)
            | Q(credit_code__icontains=normalize_credit_code(text))
        )

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
