"""Forms and filters of the customer pages. They parse input; customers.services decides."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, cast

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.db.models import F
from django.utils.translation import gettext_lazy as _

from common.errors import DomainError
from common.roles import Role, role_of
from customers.models import (
    Assignment,
    Contact,
    Customer,
    CustomerStatus,
    Importance,
    RiskLevel,
    Segment,
)
from customers.policy import may, regions_for
from customers.portfolios import visible_managers
from customers.services import SupplyPointInput, check_supply_points
from customers.validators import credit_code_problem, normalize_credit_code, normalize_mobile
from grid.models import Feeder, Region

if TYPE_CHECKING:
    from accounts_manager.models import User

CHOOSE = _("Choose…")


def manager_label(user: User) -> str:
    return user.display_name


class ManagerChoiceField(forms.ModelChoiceField):
    """A choice of account manager shown by name; the form sets the queryset for its user."""

    def label_from_instance(self, obj: User) -> str:
        return manager_label(obj)


def manager_choices_queryset(user, *, exclude=None):
    """Active account managers `user` may hand customers to, by name."""
    qs = visible_managers(user).filter(is_active=True).select_related("region")
    if exclude is not None:
        qs = qs.exclude(pk=exclude.pk)
    return qs.order_by("name", "username")


class AssignForm(forms.Form):
    """Give one customer to a manager (supervisors)."""

    manager = ManagerChoiceField(
        label=_("account manager"), queryset=None, empty_label=_("Choose a manager")
    )
    start = forms.DateField(
        label=_("from"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Empty: today."),
    )
    reason = forms.CharField(label=_("reason"), required=False, max_length=300)

    def __init__(self, *args, user, customer, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.customer = customer
        manager = self.fields["manager"]
        assert isinstance(manager, ManagerChoiceField)
        manager.queryset = manager_choices_queryset(user)
        manager.widget.attrs["data-tom-select"] = ""


def attach_error(form: forms.BaseForm, exc: ValidationError | DomainError) -> None:
    """Show an error a service raised on the form: on its field when the form has it."""
    if isinstance(exc, DomainError):
        field = exc.field if exc.field in form.fields else None
        form.add_error(field, str(exc.message))
        return
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc)


class ServiceModelForm(forms.ModelForm):
    """A ModelForm whose instance is saved by a service, not by the form.

    The service validates the model (full_clean) inside its transaction and its errors are
    attached with `attach_error`, so the model's rules run once and the form never changes the
    instance it was given (services compare old and new values to record what changed).
    """

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            # "Choose…" rather than Django's dashes for a select that has no value yet.
            if isinstance(field, forms.ModelChoiceField):
                if field.empty_label is not None:
                    field.empty_label = CHOOSE
            elif isinstance(field, forms.ChoiceField) and field.choices:
                # Django normalises choices to an iterable; the stubs give the input's type.
                choices = list(cast(Iterable[Any], field.choices))
                if choices[0][0] == "":
                    field.choices = [("", CHOOSE), *choices[1:]]

    def _post_clean(self) -> None:
        pass


# --- customers -------------------------------------------------------------------------------

CUSTOMER_FIELDS = [
    "account_no",
    "name",
    "credit_code",
    "credit_code_override",
    "segment",
    "importance",
    "status",
    "region",
    "address",
    "voltage_kv",
    "contract_capacity_kva",
    "typical_daily_load_kw",
    "tariff",
    "has_backup_generator",
    "backup_capacity_kw",
]


class CustomerForm(ServiceModelForm):
    # Accept codes typed with spaces, dashes or lower case; the form normalises them.
    credit_code = forms.CharField(
        label=_("unified social credit code"),
        max_length=40,
        help_text=_("18 characters: digits and capitals without I, O, Z, S, V."),
    )
    manager = ManagerChoiceField(
        label=_("account manager"),
        queryset=None,
        required=False,
        help_text=_("Leave empty to assign later from the managers page."),
    )

    class Meta:
        model = Customer
        fields = CUSTOMER_FIELDS
        widgets = {
            "address": forms.TextInput(),
            "credit_code_override": forms.TextInput(),
        }

    def __init__(self, *args, user, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        regions = regions_for(user)
        if self.instance.region_id is not None:
            if may(user, "change_region"):
                # A customer filed under another region keeps it selectable on its own form.
                regions = regions | Region.objects.filter(pk=self.instance.region_id)
            else:
                # Only supervisors and administrators move a customer to another region.
                regions = Region.objects.filter(pk=self.instance.region_id)
        region_field = self.fields["region"]
        assert isinstance(region_field, forms.ModelChoiceField)
        region_field.queryset = regions
        editing = self.instance.pk is not None
        if editing:
            # 户号 never changes once the customer exists.
            self.fields["account_no"].disabled = True
            self.fields["account_no"].help_text = _("The account number cannot be changed.")
        if editing or role_of(user) not in (Role.SUPERVISOR, Role.ADMIN):
            # Managers get the customers they register; reassignment has its own form.
            del self.fields["manager"]
        else:
            manager_field = self.fields["manager"]
            assert isinstance(manager_field, ManagerChoiceField)
            manager_field.queryset = manager_choices_queryset(user)

    def clean_credit_code(self) -> str:
        value = normalize_credit_code(self.cleaned_data["credit_code"])
        problem = credit_code_problem(value)
        # A wrong check character may be accepted with an override reason; the model decides
        # that together with the override field. Any other problem is final.
        if problem and problem[0] != "checksum":
            raise ValidationError(problem[1], code="invalid_credit_code")
        return value

    def service_fields(self) -> dict:
        data = {
            name: self.cleaned_data[name] for name in CUSTOMER_FIELDS if name in self.cleaned_data
        }
        if self.instance.pk is not None:
            data.pop("account_no", None)
        return data


class SupplyPointForm(forms.Form):
    feeder = forms.TypedChoiceField(label=_("feeder"), coerce=int)
    is_primary = forms.BooleanField(label=_("primary supply"), required=False)

    def __init__(self, *args, feeder_choices=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        feeder = self.fields["feeder"]
        assert isinstance(feeder, forms.TypedChoiceField)
        feeder.choices = [("", _("Choose a feeder…")), *feeder_choices]
        feeder.widget.attrs["data-tom-select"] = ""


class BaseSupplyPointFormSet(forms.BaseFormSet):
    def clean(self) -> None:
        if any(self.errors):
            return
        try:
            # The service's own rule (one primary, no feeder twice), checked before saving so
            # its message shows together with the other errors of the page.
            check_supply_points(self.points())
        except DomainError as exc:
            raise ValidationError(str(exc.message), code=exc.code) from exc

    def points(self) -> list[SupplyPointInput]:
        return [
            SupplyPointInput(
                feeder_id=form.cleaned_data["feeder"],
                is_primary=form.cleaned_data.get("is_primary", False),
            )
            for form in self.forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE")
        ]


# formset_factory builds a subclass of `formset`; the stubs type it as the base BaseFormSet.
SupplyPointFormSet = cast(
    type[BaseSupplyPointFormSet],
    forms.formset_factory(
        SupplyPointForm,
        formset=BaseSupplyPointFormSet,
        extra=0,
        can_delete=True,
        min_num=1,
        validate_min=True,
        max_num=20,
        validate_max=True,
    ),
)


def feeder_choices() -> list[tuple[int, str]]:
    """Every feeder as (id, "code name · substation"), in one query for the whole formset."""
    return [
        (f.pk, f"{f.code} {f.name} · {f.substation.name}")
        for f in Feeder.objects.select_related("substation")
        .only("code", "name", "substation__name")
        .order_by("code")
    ]


def supply_point_formset(*, data=None, customer: Customer | None = None) -> BaseSupplyPointFormSet:
    initial = None
    if data is None:
        if customer is not None:
            initial = [
                {"feeder": sp.feeder_id, "is_primary": sp.is_primary}
                for sp in customer.supply_points.all()
            ]
        else:
            initial = [{"is_primary": True}]
    return SupplyPointFormSet(
        data=data,
        initial=initial,
        prefix="supply",
        form_kwargs={"feeder_choices": feeder_choices()},
    )


# --- contacts --------------------------------------------------------------------------------

CONTACT_FIELDS = [
    "name",
    "role",
    "mobile",
    "email",
    "preferred_channel",
    "language",
    "receives_outage_notices",
    "receives_billing_notices",
]


class ContactForm(ServiceModelForm):
    class Meta:
        model = Contact
        fields = CONTACT_FIELDS
        widgets = {"mobile": forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"})}
        help_texts = {"mobile": _("A Chinese mobile number, e.g. 13812345678; stored as +86…")}

    def clean_mobile(self) -> str:
        value = self.cleaned_data["mobile"].strip()
        return normalize_mobile(value) if value else ""

    def service_fields(self) -> dict:
        return {name: self.cleaned_data[name] for name in CONTACT_FIELDS}


# --- the list --------------------------------------------------------------------------------

NOT_SCANNED = "none"


class NullsLastOrderingFilter(django_filters.OrderingFilter):
    """Sorting where empty values (an unscanned risk, no manager) always come last, with the
    primary key as a tie-breaker so pages never overlap."""

    def get_ordering_value(self, param):
        value = super().get_ordering_value(param)
        expression = F(value.lstrip("-"))
        if value.startswith("-"):
            return expression.desc(nulls_last=True)
        return expression.asc(nulls_last=True)

    def filter(self, qs, value):
        if not value:
            return qs
        return qs.order_by(*[self.get_ordering_value(param) for param in value], "pk")


class CustomerFilter(django_filters.FilterSet):
    """Filters, search and sorting of the customer list page."""

    q = django_filters.CharFilter(
        label=_("Search"),
        method="search",
        widget=forms.TextInput(
            attrs={"placeholder": _("Name, account no. or credit code"), "type": "search"}
        ),
    )
    segment = django_filters.ChoiceFilter(
        label=_("segment"), choices=Segment.choices, empty_label=_("All")
    )
    importance = django_filters.ChoiceFilter(
        label=_("importance class"), choices=Importance.choices, empty_label=_("All")
    )
    region = django_filters.ModelChoiceFilter(
        label=_("region"), queryset=Region.objects.all(), empty_label=_("All")
    )
    status = django_filters.ChoiceFilter(
        label=_("status"), choices=CustomerStatus.choices, empty_label=_("All")
    )
    risk = django_filters.ChoiceFilter(
        label=_("risk level"),
        choices=[*RiskLevel.choices, (NOT_SCANNED, _("Not scanned"))],
        method="filter_risk",
        empty_label=_("All"),
    )
    manager = django_filters.ModelChoiceFilter(
        label=_("account manager"), queryset=None, method="filter_manager", empty_label=_("All")
    )
    unassigned = django_filters.BooleanFilter(
        label=_("Without a manager"),
        method="filter_unassigned",
        widget=forms.CheckboxInput,
    )
    o = NullsLastOrderingFilter(
        fields=(
            ("account_no", "account_no"),
            ("name", "name"),
            ("segment", "segment"),
            ("importance", "importance"),
            ("region__code", "region"),
            ("manager_name", "manager"),
            ("risk_score", "risk"),
            ("contract_capacity_kva", "capacity"),
        ),
    )

    class Meta:
        model = Customer
        fields: list[str] = []

    def __init__(self, *args, user, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        managers = visible_managers(user).order_by("name", "username")
        self.filters["manager"].queryset = managers
        self.filters["manager"].field.label_from_instance = lambda u: u.display_name
        if role_of(user) == Role.ACCOUNT_MANAGER:
            # A manager only sees their own portfolio: these filters would say nothing.
            del self.filters["manager"]
            del self.filters["unassigned"]

    def search(self, queryset, name, value):
        return queryset.search(value)

    def filter_risk(self, queryset, name, value):
        if value == NOT_SCANNED:
            return queryset.filter(risk_level__isnull=True)
        return queryset.filter(risk_level=value)

    def filter_manager(self, queryset, name, value):
        return queryset.filter(assignments__manager=value, assignments__end__isnull=True)

    def filter_unassigned(self, queryset, name, value):
        if not value:
            return queryset

        return queryset.exclude(
            pk__in=Assignment.objects.filter(end__isnull=True).values("customer_id")
        )
