"""Forms of the complaint pages. They only parse input; the services decide."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.db.models import F, Q
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accounts_manager.models import User
from common.roles import Role
from complaints.attachments import allowed_extensions
from complaints.models import (
    DESCRIPTION_MAX,
    TEXT_MAX,
    Category,
    Channel,
    InformedVia,
    Responsibility,
    Severity,
    Status,
)
from customers.models import Customer

DATETIME_WIDGET = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


def _textarea(rows: int = 3) -> forms.Textarea:
    return forms.Textarea(attrs={"rows": rows})


class ComplaintForm(forms.Form):
    """A complaint received at the counter, by phone or in person."""

    account_no = forms.CharField(
        label=pgettext_lazy("complaint", "Customer account number"),
        max_length=32,
        help_text=_("The customer's account number (户号)."),
    )
    channel = forms.ChoiceField(
        label=pgettext_lazy("complaint", "Channel"), choices=Channel.choices, initial="counter"
    )
    category = forms.ChoiceField(label=_("Category"), choices=Category.choices)
    severity = forms.ChoiceField(
        label=_("Severity"),
        choices=Severity.choices,
        initial=Severity.NORMAL,
        help_text=_("A repeat complaint is raised one step automatically."),
    )
    description = forms.CharField(
        label=_("What the customer says"), max_length=DESCRIPTION_MAX, widget=_textarea(5)
    )
    received_at = forms.DateTimeField(
        label=_("Received at"),
        required=False,
        widget=DATETIME_WIDGET,
        help_text=_("Leave empty for now."),
    )
    external_ref = forms.CharField(
        label=_("External ticket number"),
        max_length=64,
        required=False,
        help_text=_("The 95598 work-order number, if there is one."),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_account_no(self) -> Customer:
        account_no = self.cleaned_data["account_no"].strip()
        customer = Customer.objects.visible_to(self.user).filter(account_no=account_no).first()
        if customer is None:
            raise forms.ValidationError(
                pgettext_lazy("complaint", "No customer you can see has this account number.")
            )
        return customer


class ComplaintEditForm(forms.Form):
    description = forms.CharField(
        label=pgettext_lazy("complaint", "Description"),
        max_length=DESCRIPTION_MAX,
        widget=_textarea(4),
    )
    channel = forms.ChoiceField(
        label=pgettext_lazy("complaint", "Channel"), choices=Channel.choices
    )
    category = forms.ChoiceField(label=_("Category"), choices=Category.choices)
    severity = forms.ChoiceField(
        label=_("Severity"),
        choices=Severity.choices,
        help_text=_("A new category or severity recomputes the deadlines."),
    )


class NoteForm(forms.Form):
    note = forms.CharField(
        label=_("Note"), max_length=TEXT_MAX, required=False, widget=_textarea(2)
    )


def assignee_choices(user):
    """Active account managers and supervisors; a supervisor picks from their region."""
    qs = User.objects.filter(
        is_active=True, groups__name__in=[Role.ACCOUNT_MANAGER, Role.SUPERVISOR]
    ).select_related("region")
    if user.region_id and not user.is_superuser:
        qs = qs.filter(Q(region_id=user.region_id) | Q(supervisor_id=user.pk) | Q(pk=user.pk))
    return qs.distinct().order_by("name", "username")


class AssigneeField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return f"{obj.display_name} ({obj.username})"


class AssignForm(forms.Form):
    assignee = AssigneeField(label=_("Assign to"), queryset=User.objects.none())
    note = forms.CharField(
        label=_("Note"), max_length=TEXT_MAX, required=False, widget=_textarea(2)
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = assignee_choices(user)
        self.fields["assignee"].widget.attrs["data-tom-select"] = ""


class ResolveForm(forms.Form):
    root_cause = forms.CharField(label=_("Root cause"), max_length=TEXT_MAX, widget=_textarea())
    responsibility = forms.ChoiceField(
        label=_("Responsibility"), choices=Responsibility.choices, widget=forms.RadioSelect
    )
    justification = forms.CharField(
        label=_("Why this responsibility"),
        max_length=TEXT_MAX,
        widget=_textarea(),
        help_text=_("The facts that show who is responsible."),
    )
    corrective_action = forms.CharField(
        label=_("Corrective action"), max_length=TEXT_MAX, widget=_textarea()
    )
    customer_informed_at = forms.DateTimeField(
        label=_("Customer told the result at"), widget=DATETIME_WIDGET
    )
    customer_informed_via = forms.ChoiceField(
        label=_("Customer told by"), choices=InformedVia.choices
    )


YES_NO = [("yes", _("Yes")), ("no", _("No"))]


class CallbackForm(forms.Form):
    reached = forms.ChoiceField(
        label=_("Customer reached"), choices=YES_NO, initial="yes", widget=forms.RadioSelect
    )
    satisfaction = forms.TypedChoiceField(
        label=_("Satisfaction"),
        choices=[("", "—")] + [(str(i), str(i)) for i in range(5, 0, -1)],
        coerce=int,
        required=False,
        empty_value=None,
        help_text=_("5 very satisfied … 1 very dissatisfied."),
    )
    solved = forms.ChoiceField(
        label=_("Problem solved"), choices=YES_NO, required=False, widget=forms.RadioSelect
    )
    notes = forms.CharField(
        label=_("Notes"), max_length=TEXT_MAX, required=False, widget=_textarea(2)
    )

    def clean(self):
        data = super().clean()
        data["reached"] = data.get("reached") == "yes"
        if data["reached"]:
            if data.get("satisfaction") is None:
                self.add_error("satisfaction", _("Give the customer's satisfaction."))
            if data.get("solved") not in ("yes", "no"):
                self.add_error("solved", _("Say whether the problem is solved."))
            data["solved"] = data.get("solved") == "yes"
        else:
            data["satisfaction"] = None
            data["solved"] = None
        return data


class CloseForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for closing without a callback"), max_length=TEXT_MAX, widget=_textarea()
    )


class ReopenForm(forms.Form):
    reason = forms.CharField(
        label=_("Why reopen"), max_length=TEXT_MAX, required=False, widget=_textarea(2)
    )


class CommentForm(forms.Form):
    text = forms.CharField(label=_("Comment"), max_length=TEXT_MAX, widget=_textarea(2))


class AttachmentForm(forms.Form):
    file = forms.FileField(label=_("File"))
    note = forms.CharField(label=_("Note"), max_length=TEXT_MAX, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = _("At most %(max)s; allowed: %(types)s.") % {
            "max": filesizeformat(settings.COMPLAINT_ATTACHMENT_MAX_BYTES),
            "types": allowed_extensions(),
        }
        self.fields["file"].widget.attrs["accept"] = allowed_extensions().replace(" ", "")


SORTS = {
    # Tickets being worked first, by the deadline they work against; the rest after them.
    "deadline": (F("next_due").asc(nulls_last=True), "-received_at", "pk"),
    "-deadline": (F("next_due").desc(nulls_last=True), "-received_at", "-pk"),
    "-received": ("-received_at", "-pk"),
    "received": ("received_at", "pk"),
    "-escalation": ("-escalation_level", F("next_due").asc(nulls_last=True), "pk"),
}
TRI_STATE = [("", _("Any")), ("yes", _("Yes")), ("no", _("No"))]


class ComplaintFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("All statuses")), ("open", _("Open (not closed)")), *Status.choices],
    )
    category = forms.ChoiceField(
        label=_("Category"), required=False, choices=[("", _("All categories")), *Category.choices]
    )
    breached = forms.ChoiceField(label=_("Deadline missed"), required=False, choices=TRI_STATE)
    repeat = forms.ChoiceField(label=_("Repeat"), required=False, choices=TRI_STATE)
    sort = forms.ChoiceField(
        label=_("Sort by"),
        required=False,
        choices=[
            ("deadline", _("Deadline, soonest first")),
            ("-deadline", _("Deadline, latest first")),
            ("-received", _("Received, newest first")),
            ("received", _("Received, oldest first")),
            ("-escalation", _("Escalation level")),
        ],
    )

    def filter(self, queryset):
        if not self.is_valid():
            return queryset.order_by(*SORTS["deadline"])
        data = self.cleaned_data
        if data["q"]:
            queryset = queryset.search(data["q"], own_fields=("ticket_no", "external_ref"))
        if data["status"] == "open":
            queryset = queryset.exclude(status=Status.CLOSED)
        elif data["status"]:
            queryset = queryset.filter(status=data["status"])
        if data["category"]:
            queryset = queryset.filter(category=data["category"])
        if data["breached"]:
            queryset = queryset.filter(breached=data["breached"] == "yes")
        if data["repeat"]:
            queryset = queryset.filter(is_repeat=data["repeat"] == "yes")
        return queryset.order_by(*SORTS[data["sort"] or "deadline"])
