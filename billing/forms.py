"""Forms of the billing pages. They parse input; billing.services and billing.disconnections
decide, and their refusals are shown on the field they concern."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts_manager.models import User
from billing.imports import MoneyFormField
from billing.models import (
    ActionKind,
    CollectionAction,
    DeliveryMethod,
    PaymentChannel,
)
from billing.selectors import AGING_CHOICES, order_arrears, with_arrears_aged
from common.errors import DomainError
from common.roles import Role, role_of
from customers.models import Importance
from customers.portfolios import visible_managers
from grid.models import Region

DATETIME_WIDGET = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def attach_error(form: forms.BaseForm, exc: DomainError) -> None:
    """Show a service's refusal on its field when the form has it, else on the form."""
    field = exc.field if exc.field in form.fields else None
    form.add_error(field, str(exc.message))


def money_field(label, **kwargs) -> forms.DecimalField:
    # The same rule as the API and the imports: plain digits, at most two decimals.
    return MoneyFormField(
        label=label,
        min_value=Decimal("0.01"),
        widget=forms.NumberInput(attrs={"step": "0.01", "inputmode": "decimal"}),
        **kwargs,
    )


class PaymentForm(forms.Form):
    """A payment taken at the counter (or recorded from a bank slip)."""

    amount = money_field(_("Amount (¥)"))
    paid_at = forms.DateTimeField(label=_("Paid at"), widget=DATETIME_WIDGET)
    channel = forms.ChoiceField(
        label=_("Channel"), choices=PaymentChannel.choices, initial=PaymentChannel.COUNTER
    )
    reference = forms.CharField(
        label=_("Receipt or transaction number"),
        max_length=100,
        help_text=_("Recording the same number on the same channel twice is refused."),
    )
    note = forms.CharField(label=_("Note"), max_length=300, required=False)

    def clean_reference(self):
        return self.cleaned_data["reference"].strip()


class ReverseForm(forms.Form):
    reason = forms.CharField(label=_("Reason for the reversal"), max_length=300)


class ActionForm(forms.Form):
    kind = forms.ChoiceField(label=_("Action"), choices=ActionKind.choices)
    at = forms.DateTimeField(label=_("When"), widget=DATETIME_WIDGET)
    outcome = forms.CharField(
        label=_("Outcome"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    delivered_at = forms.DateTimeField(
        label=_("Delivered at"),
        widget=DATETIME_WIDGET,
        required=False,
        help_text=_(
            "For a written reminder or disconnection notice: when the customer received it."
        ),
    )
    delivery_method = forms.ChoiceField(
        label=_("Delivery method"), choices=[("", "—"), *DeliveryMethod.choices], required=False
    )
    delivered_to = forms.CharField(label=_("Received by"), max_length=100, required=False)

    def clean(self):
        data = super().clean()
        if data.get("delivered_at") and not data.get("delivery_method"):
            self.add_error("delivery_method", _("Say how the notice was delivered."))
        return data


class DeliveryForm(forms.Form):
    delivered_at = forms.DateTimeField(label=_("Delivered at"), widget=DATETIME_WIDGET)
    delivery_method = forms.ChoiceField(label=_("Delivery method"), choices=DeliveryMethod.choices)
    delivered_to = forms.CharField(label=_("Received by"), max_length=100, required=False)


class PromiseForm(forms.Form):
    amount = money_field(_("Amount promised (¥)"))
    due_date = forms.DateField(label=_("Promised payment date"), widget=DATE_WIDGET)
    promised_by = forms.CharField(
        label=_("Promised by"),
        max_length=100,
        required=False,
        help_text=_("Who made the promise, e.g. the finance lead."),
    )
    note = forms.CharField(
        label=_("Note"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )


class NoticeChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: CollectionAction) -> str:
        delivered = (
            timezone.localtime(obj.delivered_at).strftime("%Y-%m-%d %H:%M")
            if obj.delivered_at
            else _("not delivered")
        )
        return _("Notice of %(at)s, delivered %(delivered)s") % {
            "at": timezone.localtime(obj.at).strftime("%Y-%m-%d"),
            "delivered": delivered,
        }


class DisconnectionRequestForm(forms.Form):
    scheduled_for = forms.DateField(label=_("Disconnection date"), widget=DATE_WIDGET)
    notice = NoticeChoiceField(
        label=_("Disconnection notice (停电通知书)"),
        queryset=CollectionAction.objects.none(),
        required=False,
        empty_label=_("The latest delivered notice"),
    )
    reason = forms.CharField(
        label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )

    def __init__(self, *args, customer, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["notice"].queryset = CollectionAction.objects.filter(
            customer=customer, kind=ActionKind.DISCONNECTION_NOTICE
        ).order_by("-at")


class ApproveForm(forms.Form):
    authority_informed_at = forms.DateTimeField(
        label=_("Power authority informed at"),
        widget=DATETIME_WIDGET,
        required=False,
        help_text=_("Required for an important customer."),
    )
    note = forms.CharField(label=_("Note"), max_length=500, required=False)


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=300)


class NoteForm(forms.Form):
    note = forms.CharField(label=_("Note"), max_length=500, required=False)


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("File"),
        help_text=_("A .csv (UTF-8 or GBK) or .xlsx file whose first row names the columns."),
    )
    partial = forms.BooleanField(
        label=_("Import the good rows even if some rows are bad"),
        required=False,
        help_text=_("By default nothing is imported while any row has a problem."),
    )


SORTS = [
    ("-amount", _("Largest amount first")),
    ("amount", _("Smallest amount first")),
    ("-age", _("Oldest arrears first")),
    ("age", _("Newest arrears first")),
]
SORT_ORDER = {
    "-amount": ("-outstanding",),
    "amount": ("outstanding",),
    "-age": ("oldest_due_date",),
    "age": ("-oldest_due_date",),
}  # terms of billing.selectors.ARREARS_ORDERINGS


class ArrearsFilterForm(forms.Form):
    q = forms.CharField(
        label=_("Search"),
        required=False,
        widget=forms.TextInput(attrs={"placeholder": _("Name or account no.")}),
    )
    region = forms.ModelChoiceField(
        label=_("Region"),
        queryset=Region.objects.all(),
        required=False,
        empty_label=_("All regions"),
    )
    manager: forms.ModelChoiceField[User] = forms.ModelChoiceField(
        label=_("Manager"), queryset=None, required=False, empty_label=_("All managers")
    )
    importance = forms.ChoiceField(
        label=_("Importance"), required=False, choices=[("", _("All")), *Importance.choices]
    )
    aging = forms.ChoiceField(
        label=_("Has arrears aged"), required=False, choices=[("", _("Any age")), *AGING_CHOICES]
    )
    min_amount = forms.DecimalField(
        label=_("At least (¥)"), required=False, min_value=0, max_digits=14, decimal_places=2
    )
    o = forms.ChoiceField(label=_("Sort"), choices=SORTS, required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        role = role_of(user)
        if role == Role.ACCOUNT_MANAGER:
            del self.fields["manager"]
            del self.fields["region"]
        else:
            self.fields["manager"].queryset = visible_managers(user).order_by("username")
            self.fields["manager"].label_from_instance = lambda u: u.display_name
            if role == Role.SUPERVISOR and user.region_id:
                del self.fields["region"]

    def apply(self, queryset):
        """The rows filtered and sorted by the (valid) form."""
        data = self.cleaned_data if self.is_valid() else {}
        if data.get("q"):
            queryset = queryset.search(data["q"])
        if data.get("region"):
            queryset = queryset.filter(customer__region=data["region"])
        if data.get("manager"):
            queryset = queryset.filter(
                customer__assignments__manager=data["manager"],
                customer__assignments__end__isnull=True,
            )
        if data.get("importance"):
            queryset = queryset.filter(customer__importance=data["importance"])
        if data.get("aging"):
            queryset = with_arrears_aged(queryset, data["aging"])
        if data.get("min_amount") is not None:
            queryset = queryset.filter(outstanding__gte=data["min_amount"])
        return order_arrears(queryset, SORT_ORDER[data.get("o") or "-amount"])
