"""Pages of the customer register: the list, the 360 page, the forms.

Views parse input, call customers.services and render; what a user sees is scoped with
Customer.objects.visible_to(user), so another manager's customer is a 404.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import IntegrityError
from django.db.models import CharField, Model, OuterRef, Subquery, Value
from django.db.models.fields import Field
from django.db.models.functions import Coalesce, NullIf
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.formats import localize
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from common.errors import DomainError
from common.policy import allowed_to
from customers import policy, services
from customers.forms import (
    AssignForm,
    ContactForm,
    CustomerFilter,
    CustomerForm,
    attach_error,
    supply_point_formset,
)
from customers.history import author_of
from customers.models import Assignment, Contact, Customer, SupplyPoint
from customers.tabs import customer_tabs
from customers.timeline import customer_timeline, ref_url, timeline_kinds
from grid.models import Feeder, Region

PAGE_SIZE = 25
CONFLICT = gettext_lazy(
    "This change conflicts with another one made at the same time. Please try again."
)


def visible_customer(request, pk: int) -> Customer:
    return get_object_or_404(
        Customer.objects.visible_to(request.user).select_related("region"), pk=pk
    )


def _manager_name():
    return Coalesce(
        NullIf("manager__name", Value("")), "manager__username", output_field=CharField()
    )


# --- the list --------------------------------------------------------------------------------

SORT_COLUMNS = [
    ("account_no", gettext_lazy("Account no.")),
    ("name", gettext_lazy("Name")),
    ("segment", gettext_lazy("Segment")),
    ("importance", gettext_lazy("Importance")),
    ("region", gettext_lazy("Region")),
    ("manager", gettext_lazy("Manager")),
    ("risk", gettext_lazy("Risk")),
    ("capacity", gettext_lazy("Capacity (kVA)")),
]


# Columns a phone leaves out (the 360 page has them all).
WIDE_ONLY_COLUMNS = frozenset({"segment", "importance", "region", "capacity"})


def _sort_headers(current: str) -> list[dict]:
    headers = []
    for key, label in SORT_COLUMNS:
        direction = "asc" if current == key else "desc" if current == f"-{key}" else ""
        headers.append(
            {
                "key": key,
                "wide_only": key in WIDE_ONLY_COLUMNS,
                "label": label,
                "direction": direction,
                "next": f"-{key}" if direction == "asc" else key,
            }
        )
    return headers


@allowed_to(policy.POLICY, "view")
def customer_list(request):
    open_assignment = Assignment.objects.filter(customer=OuterRef("pk"), end__isnull=True)
    customers = (
        Customer.objects.visible_to(request.user)
        .select_related("region")
        .annotate(
            manager_name=Subquery(
                open_assignment.annotate(n=_manager_name()).values("n")[:1],
                output_field=CharField(),
            )
        )
    )
    filterset = CustomerFilter(
        request.GET or None, queryset=customers, user=request.user, request=request
    )
    page = Paginator(filterset.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "customers/customer_list.html",
        {
            "filter": filterset,
            "page_obj": page,
            "customers": page.object_list,
            "headers": _sort_headers(request.GET.get("o", "")),
            "can_create": policy.may(request.user, "create_customer"),
            "filtered": any(v for k, v in request.GET.items() if k not in ("page", "o")),
        },
    )


# --- create and edit -------------------------------------------------------------------------


def _save_customer(request, form, formset, customer: Customer | None):
    """Call the service; on a refusal attach its message to the form and return None."""
    try:
        if customer is None:
            return services.create_customer(
                acting_user=request.user,
                supply_points=formset.points(),
                manager=form.cleaned_data.get("manager"),
                **form.service_fields(),
            )
        return services.update_customer(
            customer,
            acting_user=request.user,
            supply_points=formset.points(),
            **form.service_fields(),
        )
    except (ValidationError, DomainError) as exc:
        attach_error(form, exc)
    except IntegrityError:
        form.add_error(None, CONFLICT)
    return None


@allowed_to(policy.POLICY, "create_customer")
@require_http_methods(["GET", "POST"])
def customer_create(request):
    data = request.POST if request.method == "POST" else None
    form = CustomerForm(data, user=request.user)
    formset = supply_point_formset(data=data)
    if data is not None and all([form.is_valid(), formset.is_valid()]):
        customer = _save_customer(request, form, formset, None)
        if customer is not None:
            messages.success(request, _("Customer %(name)s registered.") % {"name": customer.name})
            return redirect(customer)
    return render(
        request,
        "customers/customer_form.html",
        {"form": form, "formset": formset, "customer": None},
    )


@allowed_to(policy.POLICY, "update_customer")
@require_http_methods(["GET", "POST"])
def customer_edit(request, pk: int):
    customer = visible_customer(request, pk)
    data = request.POST if request.method == "POST" else None
    form = CustomerForm(data, instance=customer, user=request.user)
    formset = supply_point_formset(data=data, customer=customer)
    if data is not None and all([form.is_valid(), formset.is_valid()]):
        saved = _save_customer(request, form, formset, customer)
        if saved is not None:
            messages.success(request, _("Changes to %(name)s saved.") % {"name": saved.name})
            return redirect(saved)
    return render(
        request,
        "customers/customer_form.html",
        {"form": form, "formset": formset, "customer": customer},
    )


# --- the 360 page ----------------------------------------------------------------------------


def _tabs(customer: Customer) -> list[dict]:
    tabs: list[dict[str, str | Promise]] = [
        {
            "key": "timeline",
            "label": gettext_lazy("Timeline"),
            "url": reverse("customers:timeline", args=[customer.pk]),
        },
        {
            "key": "history",
            "label": gettext_lazy("Change history"),
            "url": reverse("customers:history", args=[customer.pk]),
        },
    ]
    for tab in customer_tabs():
        try:
            url = reverse(tab.url_name, args=[customer.pk])
        except NoReverseMatch:
            continue  # registered by a part whose page is not there (yet)
        tabs.append({"key": tab.key, "label": tab.label, "url": url})
    return tabs


@allowed_to(policy.POLICY, "view")
def customer_detail(request, pk: int):
    customer = visible_customer(request, pk)
    assignments = list(
        customer.assignments.select_related("manager", "created_by").order_by("-start", "-id")
    )
    current = next((a for a in assignments if a.end is None), None)
    can_assign = policy.may(request.user, "assign_customer")
    return render(
        request,
        "customers/customer_detail.html",
        {
            "customer": customer,
            "contacts": list(customer.contacts.all()),
            "supply_points": list(
                customer.supply_points.select_related("feeder__substation").order_by(
                    "-is_primary", "feeder__code"
                )
            ),
            "assignments": assignments,
            "current_assignment": current,
            "can_edit": policy.may(request.user, "update_customer"),
            "can_assign": can_assign,
            "assign_form": AssignForm(user=request.user, customer=customer) if can_assign else None,
            "tabs": _tabs(customer),
        },
    )


@allowed_to(policy.POLICY, "view")
def customer_timeline_pane(request, pk: int):
    customer = visible_customer(request, pk)
    kinds = timeline_kinds()
    labels = dict(kinds)
    kind = request.GET.get("kind", "")
    entries = customer_timeline(customer, kinds=[kind] if kind in labels else None)
    page = Paginator(entries, 20).get_page(request.GET.get("page"))
    rows = [
        {
            **entry,
            "kind_label": labels.get(entry["tl_kind"], entry["tl_kind"]),
            "url": ref_url(entry["tl_ref"]),
        }
        for entry in page.object_list
    ]
    return render(
        request,
        "customers/partials/timeline.html",
        {
            "customer": customer,
            "page_obj": page,
            "entries": rows,
            "kinds": kinds,
            "kind": kind if kind in labels else "",
            "pane_url": reverse("customers:timeline", args=[customer.pk]),
        },
    )


# The change history: who changed what, old → new, for the customer, its contacts and its
# supply points, newest first. A page is one UNION query plus at most two per source (the page's
# records, and the records before them to diff against), whatever the number of changes.

HISTORY_SOURCES = (
    # (key, model, how its rows belong to a customer)
    ("customer", Customer, "id"),
    ("contact", Contact, "customer_id"),
    ("supply_point", SupplyPoint, "customer_id"),
)
HISTORY_SKIP_FIELDS = frozenset({"id", "created_at", "updated_at", "customer"})


def _display(field: Field, value, names: dict) -> str:
    if value is None or value == "":
        return "—"
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if field.is_relation:
        return names.get((field.related_model, value), str(value))
    return str(localize(value))


def _related_names(records_by_source: dict) -> dict:
    """Names of the regions and feeders the page's records point at (one query each)."""

    region_ids = {r.region_id for r in records_by_source.get("customer", ())}
    feeder_ids = {r.feeder_id for r in records_by_source.get("supply_point", ())}
    names: dict[tuple[type[Model], int], str] = {}
    if region_ids:
        names.update({(Region, r.pk): r.name for r in Region.objects.filter(pk__in=region_ids)})
    if feeder_ids:
        names.update(
            {(Feeder, f.pk): f"{f.code} {f.name}" for f in Feeder.objects.filter(pk__in=feeder_ids)}
        )
    return names


def _history_subject(source: str, record) -> str:
    if source == "customer":
        return _("Customer record")
    if source == "contact":
        return _("Contact %(name)s") % {"name": record.name}
    return _("Supply point")


def change_history(customer: Customer, *, page, per_page: int):
    parts = []
    for key, model, link in HISTORY_SOURCES:
        parts.append(
            model.history.filter(**{link: customer.pk})
            .annotate(source=Value(key, output_field=CharField()))
            .values("history_id", "history_date", "source")
            .order_by()
        )
    first, *rest = parts
    union = first.union(*rest, all=True).order_by("-history_date", "-history_id")
    page_obj = Paginator(union, per_page).get_page(page)
    wanted: dict[str, list[int]] = {}
    for row in page_obj.object_list:
        wanted.setdefault(row["source"], []).append(row["history_id"])
    records: dict[tuple[str, int], object] = {}
    records_by_source: dict[str, list] = {}
    previous: dict[tuple[str, int], object] = {}
    for key, model, _link in HISTORY_SOURCES:
        ids = wanted.get(key)
        if not ids:
            continue
        history = model.history.model
        before = history.objects.filter(
            id=OuterRef("id"), history_date__lt=OuterRef("history_date")
        ).order_by("-history_date", "-history_id")
        rows = list(
            history.objects.filter(history_id__in=ids)
            .select_related("history_user")
            .annotate(prev_id=Subquery(before.values("history_id")[:1]))
        )
        records_by_source[key] = rows
        records.update({(key, r.history_id): r for r in rows})
        prev_ids = [r.prev_id for r in rows if r.prev_id]
        if prev_ids:
            prevs = {p.history_id: p for p in history.objects.filter(history_id__in=prev_ids)}
            previous.update({(key, r.history_id): prevs.get(r.prev_id) for r in rows})
    names = _related_names(records_by_source)
    changes = []
    for row in page_obj.object_list:
        record_key = (row["source"], row["history_id"])
        record = records.get(record_key)
        if record is None:
            continue
        changes.append(_describe(row["source"], record, previous.get(record_key), names))
    return page_obj, changes


def _describe(source: str, record, before, names: dict) -> dict:
    model = record.instance_type
    fields = []
    if record.history_type == "~" and before is not None:
        delta = record.diff_against(before, excluded_fields=HISTORY_SKIP_FIELDS)
        for change in delta.changes:
            field = model._meta.get_field(change.field)
            fields.append(
                {
                    "name": change.field,
                    "label": field.verbose_name,
                    "old": _display(field, change.old, names),
                    "new": _display(field, change.new, names),
                }
            )
    elif record.history_type == "+" and source == "supply_point":
        field = model._meta.get_field("feeder")
        fields.append(
            {
                "name": "feeder",
                "label": field.verbose_name,
                "old": None,
                "new": _display(field, record.feeder_id, names),
            }
        )
    return {
        "at": record.history_date,
        "subject": _history_subject(source, record),
        "action": record.history_type,
        "who": author_of(record),
        "fields": fields,
    }


@allowed_to(policy.POLICY, "view")
def customer_history_pane(request, pk: int):
    customer = visible_customer(request, pk)
    page, changes = change_history(customer, page=request.GET.get("page"), per_page=15)
    return render(
        request,
        "customers/partials/history.html",
        {
            "customer": customer,
            "page_obj": page,
            "changes": changes,
            "pane_url": reverse("customers:history", args=[customer.pk]),
        },
    )


# --- contacts --------------------------------------------------------------------------------


@allowed_to(policy.POLICY, "create_contact")
@require_http_methods(["GET", "POST"])
def contact_create(request, pk: int):
    customer = visible_customer(request, pk)
    form = ContactForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            contact = services.create_contact(
                customer=customer, acting_user=request.user, **form.service_fields()
            )
        except (ValidationError, DomainError) as exc:
            attach_error(form, exc)
        else:
            messages.success(request, _("Contact %(name)s added.") % {"name": contact.name})
            return redirect(customer)
    return render(
        request,
        "customers/contact_form.html",
        {"form": form, "customer": customer, "contact": None},
    )


def _visible_contact(request, pk: int, contact_pk: int) -> tuple[Customer, Contact]:
    customer = visible_customer(request, pk)
    contact = get_object_or_404(Contact.objects.filter(customer=customer), pk=contact_pk)
    return customer, contact


@allowed_to(policy.POLICY, "update_contact")
@require_http_methods(["GET", "POST"])
def contact_edit(request, pk: int, contact_pk: int):
    customer, contact = _visible_contact(request, pk, contact_pk)
    form = ContactForm(request.POST if request.method == "POST" else None, instance=contact)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_contact(contact, acting_user=request.user, **form.service_fields())
        except (ValidationError, DomainError) as exc:
            attach_error(form, exc)
        else:
            messages.success(request, _("Contact %(name)s saved.") % {"name": contact.name})
            return redirect(customer)
    return render(
        request,
        "customers/contact_form.html",
        {"form": form, "customer": customer, "contact": contact},
    )


@allowed_to(policy.POLICY, "delete_contact")
@require_http_methods(["GET", "POST"])
def contact_delete(request, pk: int, contact_pk: int):
    customer, contact = _visible_contact(request, pk, contact_pk)
    if request.method == "POST":
        services.delete_contact(contact, acting_user=request.user)
        messages.success(request, _("Contact %(name)s deleted.") % {"name": contact.name})
        return redirect(customer)
    return render(
        request, "customers/contact_confirm_delete.html", {"customer": customer, "contact": contact}
    )
