"""Forms of the connection pages. They only parse input; the services decide."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from accounts_manager.models import User
from common.roles import Role
from common.uploads import allowed_extensions
from connections.models import TEXT_MAX, Kind, Scheme, Status, Step, WaitKind
from customers.models import Customer, Segment, Tariff
from customers.portfolios import visible_managers
from grid.models import Feeder, Region

DATETIME_WIDGET = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
YES_NO = [("", "—"), ("1", _("Yes")), ("0", _("No"))]


def _textarea(rows: int = 3) -> forms.Textarea:
    return forms.Textarea(attrs={"rows": rows})


def _managers():
    return User.objects.filter(is_active=True, groups__name=Role.ACCOUNT_MANAGER).order_by("name")


class ProjectDetailsForm(forms.Form):
    """The details a live project's page may change."""

    applicant_name = forms.CharField(label=_("Applicant"), max_length=200, required=False)
    address = forms.CharField(label=_("Address"), max_length=300, required=False)
    requested_capacity_kva = forms.DecimalField(
        label=_("Requested capacity (kVA)"), max_digits=12, decimal_places=2, min_value=Decimal("0")
    )
    segment = forms.ChoiceField(
        label=_("Segment"), choices=[("", "—"), *Segment.choices], required=False
    )
    tariff = forms.ChoiceField(
        label=_("Tariff"), choices=[("", "—"), *Tariff.choices], required=False
    )
    primary_feeder = forms.ModelChoiceField(
        label=_("Primary feeder"), queryset=Feeder.objects.order_by("code"), required=False
    )
    backup_feeder = forms.ModelChoiceField(
        label=_("Second feeder"),
        queryset=Feeder.objects.order_by("code"),
        required=False,
        help_text=_("Dual supply only."),
    )
    contact_name = forms.CharField(label=_("Customer contact"), max_length=100, required=False)
    contact_phone = forms.CharField(label=_("Contact phone"), max_length=20, required=False)


class ProjectForm(ProjectDetailsForm):
    """An application accepted at the counter or by the manager (受理)."""

    field_order = ["kind", "customer", "applicant_name", "credit_code", "region"]

    kind = forms.ChoiceField(label=_("Kind"), choices=Kind.choices)
    customer = forms.CharField(
        label=_("Customer account number"),
        max_length=32,
        required=False,
        help_text=_("Leave empty for an applicant who is not yet a customer."),
    )
    credit_code = forms.CharField(
        label=_("Unified social credit code"), max_length=18, required=False
    )
    region = forms.ModelChoiceField(
        label=_("Region"), queryset=Region.objects.order_by("code"), required=False
    )
    voltage_kv = forms.DecimalField(
        label=_("Voltage (kV)"), max_digits=6, decimal_places=2, min_value=Decimal("0.22")
    )
    supply_scheme = forms.ChoiceField(label=_("Supply scheme"), choices=Scheme.choices)
    manager = forms.ModelChoiceField(
        label=_("Account manager"),
        queryset=User.objects.none(),
        required=False,
        help_text=_("Empty: you, or the customer's manager."),
    )
    accepted_at = forms.DateTimeField(
        label=_("Accepted at"),
        required=False,
        widget=DATETIME_WIDGET,
        help_text=_("Leave empty for now."),
    )
    external_ref = forms.CharField(label=_("External reference"), max_length=64, required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["manager"].queryset = _managers()

    def clean_customer(self) -> Customer | None:
        account_no = (self.cleaned_data.get("customer") or "").strip()
        if not account_no:
            return None
        customer = Customer.objects.visible_to(self.user).filter(account_no=account_no).first()
        if customer is None:
            raise forms.ValidationError(_("No customer you can see has this account number."))
        return customer

    def clean(self):
        data = super().clean()
        if not data.get("customer") and not (data.get("applicant_name") or "").strip():
            self.add_error("applicant_name", _("Give the applicant's name, or the customer."))
        return data


class EditForm(ProjectDetailsForm):
    manager = forms.ModelChoiceField(label=_("Account manager"), queryset=User.objects.none())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["manager"].queryset = _managers()


class FinishForm(forms.Form):
    at = forms.DateTimeField(
        label=_("Finished at"),
        required=False,
        widget=DATETIME_WIDGET,
        help_text=_("Leave empty for now."),
    )
    notes = forms.CharField(
        label=_("Notes"), max_length=TEXT_MAX, required=False, widget=_textarea()
    )


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=TEXT_MAX, widget=_textarea())


class WaitForm(ReasonForm):
    field_order = ["kind", "reason"]
    kind = forms.ChoiceField(
        label=_("Waiting for"),
        choices=[c for c in WaitKind.choices if c[0] != WaitKind.CUSTOMER_PAUSE],
    )


class ResumeForm(forms.Form):
    note = forms.CharField(label=_("Note"), max_length=TEXT_MAX, required=False, widget=_textarea())


class EmptyForm(forms.Form):
    pass


class DocumentForm(forms.Form):
    code = forms.CharField(max_length=30, widget=forms.HiddenInput)
    received = forms.BooleanField(required=False, widget=forms.HiddenInput)


class AttachmentForm(forms.Form):
    file = forms.FileField(label=_("File"))
    document = forms.ChoiceField(label=_("Document of the checklist"), required=False)
    note = forms.CharField(label=_("Note"), max_length=TEXT_MAX, required=False)

    def __init__(self, *args, documents=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["document"].choices = [("", "—"), *[(d.code, d.label) for d in documents]]
        self.fields["file"].help_text = _("Allowed: %(types)s; at most %(max)s.") % {
            "types": allowed_extensions(),
            "max": filesizeformat(settings.CONNECTION_ATTACHMENT_MAX_BYTES),
        }


class ProjectFilterForm(forms.Form):
    q = forms.CharField(required=False, max_length=100)
    status = forms.ChoiceField(required=False, choices=[("", "—"), *Status.choices])
    kind = forms.ChoiceField(required=False, choices=[("", "—"), *Kind.choices])
    supply_scheme = forms.ChoiceField(required=False, choices=[("", "—"), *Scheme.choices])
    current_step = forms.ChoiceField(required=False, choices=[("", "—"), *Step.choices])
    breached = forms.ChoiceField(required=False, choices=YES_NO)
    region = forms.ModelChoiceField(required=False, queryset=Region.objects.order_by("code"))
    manager = forms.ModelChoiceField(required=False, queryset=User.objects.none())
    archived = forms.ChoiceField(required=False, choices=YES_NO)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        # Only the managers the user oversees: a supervisor's select holds their region.
        managers = visible_managers(user) if user is not None else _managers()
        self.fields["manager"].queryset = managers.order_by("name")

    def filter(self, queryset):
        if not self.is_valid():
            return queryset.none()
        data = self.cleaned_data
        queryset = queryset.search(data["q"])
        for name in ("status", "kind", "supply_scheme", "current_step"):
            if data[name]:
                queryset = queryset.filter(**{name: data[name]})
        if data["breached"]:
            queryset = queryset.filter(breached=data["breached"] == "1")
        if data["archived"]:
            queryset = queryset.filter(archived_at__isnull=data["archived"] == "0")
        if data["region"] is not None:
            queryset = queryset.filter(region=data["region"])
        if data["manager"] is not None:
            queryset = queryset.filter(manager=data["manager"])
        return queryset
