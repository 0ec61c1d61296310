from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from common.roles import Role, role_of, sees_everything
from customers.models import Customer
from grid.models import Feeder
from outages.models import ImpactLevel, OutageKind, OutageStatus, PlannedOutage

DATETIME_INPUT = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"]


def feeders_for(user):
    qs = Feeder.objects.select_related("substation").order_by("code")
    if role_of(user) == Role.SUPERVISOR and not sees_everything(user):
        qs = qs.filter(region_id=user.region_id)
    return qs


class FeederChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.code} {obj.name} · {obj.substation.name}"


class OutageForm(forms.ModelForm):
    feeders = FeederChoiceField(
        label=_("Feeders"),
        queryset=Feeder.objects.none(),
        widget=forms.SelectMultiple(attrs={"data-tom-select": ""}),
        help_text=_("Type a code or a name to find a feeder."),
    )
    start = forms.DateTimeField(
        label=pgettext_lazy("outage", "Start"),
        widget=DATETIME_INPUT,
        input_formats=DATETIME_FORMATS,
    )
    end = forms.DateTimeField(
        label=_("Expected end"), widget=DATETIME_INPUT, input_formats=DATETIME_FORMATS
    )

    class Meta:
        model = PlannedOutage
        fields = ["kind", "reason", "area", "feeders", "start", "end", "override_reason"]

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["feeders"].queryset = feeders_for(user)
        if self.instance.pk and self.instance.status in (
            OutageStatus.APPROVED,
            OutageStatus.NOTIFYING,
            OutageStatus.NOTIFIED,
        ):
            # After approval the times change by Reschedule (customers are told).
            for name in ("start", "end", "kind"):
                self.fields[name].disabled = True
                self.fields[name].help_text = _("Use “Reschedule” to change the times.")

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["end"] <= data["start"]:
            self.add_error("end", _("The end must be after the start."))
        return data


class ApproveForm(forms.Form):
    override_reason = forms.CharField(
        label=_("Reason for a short notice"),
        required=False,
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Needed only when the notice lead time cannot be kept."),
    )


class RescheduleForm(forms.Form):
    start = forms.DateTimeField(
        label=_("New start"), widget=DATETIME_INPUT, input_formats=DATETIME_FORMATS
    )
    end = forms.DateTimeField(
        label=_("New expected end"), widget=DATETIME_INPUT, input_formats=DATETIME_FORMATS
    )
    override_reason = forms.CharField(
        label=_("Reason for a short notice"), required=False, max_length=300
    )

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["end"] <= data["start"]:
            self.add_error("end", _("The end must be after the start."))
        return data


class CancelForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), required=False, max_length=300)


class ConfirmCallForm(forms.Form):
    customer = forms.ModelChoiceField(queryset=Customer.objects.none(), widget=forms.HiddenInput)
    note = forms.CharField(label=_("What the customer said"), required=False, max_length=500)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["customer"].queryset = Customer.objects.visible_to(user)


class OutageFilterForm(forms.Form):
    q = forms.CharField(
        label=_("Search"),
        required=False,
        widget=forms.TextInput(attrs={"placeholder": _("Reference, reason, area")}),
    )
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("All statuses")), *OutageStatus.choices]
    )
    kind = forms.ChoiceField(
        label=_("Kind"), required=False, choices=[("", _("All kinds")), *OutageKind.choices]
    )
    start_from = forms.DateField(
        label=_("Starting from"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    start_to = forms.DateField(
        label=_("Starting until"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )


COVERAGE_STATES = [
    ("", _("All affected customers")),
    ("unreachable", _("No reachable contact")),
    ("not_notified", _("Not notified yet")),
    ("unconfirmed", _("Not confirmed")),
    ("important_unconfirmed", _("Important, no confirmed call")),
    ("confirmed", _("Confirmed")),
]


class CoverageFilterForm(forms.Form):
    q = forms.CharField(
        label=_("Customer"),
        required=False,
        widget=forms.TextInput(attrs={"placeholder": _("Name or account number")}),
    )
    impact = forms.ChoiceField(
        label=_("Impact"),
        required=False,
        choices=[("", _("Full and partial")), *ImpactLevel.choices],
    )
    state = forms.ChoiceField(label=_("Notice state"), required=False, choices=COVERAGE_STATES)
