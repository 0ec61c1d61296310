"""Forms of the visit pages. They parse input; visits.services decides."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts_manager.models import User
from common import moments
from common.forms import MonthField
from common.roles import Role, role_of
from customers.models import Customer, Importance
from customers.portfolios import visible_managers
from visits.models import SURVEY_DIMENSIONS, VisitKind, VisitOutcome, VisitPlanStatus


def visitor_queryset(user):
    """Who `user` may record a visit for: themselves (a manager or supervisor) and the active
    managers they see."""
    if role_of(user) == Role.ACCOUNT_MANAGER:
        return User.objects.filter(pk=user.pk)
    return User.objects.filter(
        Q(pk__in=visible_managers(user).values("pk")) | Q(pk=user.pk), is_active=True
    ).order_by("name", "username")


class VisitForm(forms.Form):
    """A visit, and optionally the satisfaction survey taken during it."""

    account_no = forms.CharField(
        label=_("Customer account number"), max_length=32, help_text=_("The customer's 户号.")
    )
    manager = forms.ModelChoiceField(label=_("Visited by"), queryset=User.objects.none())
    visited_at = forms.DateTimeField(
        label=_("Visited at"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    kind = forms.ChoiceField(label=_("Kind"), choices=VisitKind.choices)
    outcome = forms.ChoiceField(label=_("Outcome"), choices=VisitOutcome.choices)
    contact_person = forms.CharField(label=_("Met with"), max_length=100, required=False)
    notes = forms.CharField(
        label=_("Notes"), required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 3})
    )
    with_survey = forms.BooleanField(
        label=_("Record a satisfaction survey taken during the visit"), required=False
    )
    respondent = forms.CharField(label=_("Respondent"), max_length=100, required=False)
    comments = forms.CharField(
        label=_("Comments"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["manager"].queryset = visitor_queryset(user)
        self.fields["manager"].label_from_instance = lambda u: u.display_name
        self.fields["visited_at"].initial = timezone.localtime().replace(second=0, microsecond=0)
        if role_of(user) in (Role.ACCOUNT_MANAGER, Role.SUPERVISOR):
            self.fields["manager"].initial = user.pk
        for name, label in SURVEY_DIMENSIONS:
            self.fields[name] = forms.TypedChoiceField(
                label=label,
                choices=[("", "—"), *[(n, str(n)) for n in range(1, 6)]],
                coerce=int,
                required=False,
                empty_value=None,
            )

    @property
    def survey_fields(self):
        return [self[name] for name, _label in SURVEY_DIMENSIONS]

    def clean_account_no(self) -> Customer:
        account_no = self.cleaned_data["account_no"].strip()
        customer = Customer.objects.visible_to(self.user).filter(account_no=account_no).first()
        if customer is None:
            raise ValidationError(_("No customer you can see has this account number."))
        return customer

    def clean(self):
        data = super().clean()
        if data.get("with_survey"):
            for name, _label in SURVEY_DIMENSIONS:
                if data.get(name) is None:
                    self.add_error(name, _("Give a score from 1 to 5."))
        return data

    def survey(self) -> dict | None:
        data = self.cleaned_data
        if not data.get("with_survey"):
            return None
        return {
            **{name: data[name] for name, _label in SURVEY_DIMENSIONS},
            "respondent": data.get("respondent", ""),
            "comments": data.get("comments", ""),
        }


PLAN_STATES = [
    ("", _("Open (planned)")),
    ("overdue", _("Overdue")),
    ("done", _("Done")),
    ("cancelled", _("Cancelled")),
    ("all", _("All")),
]


class VisitPlanFilterForm(forms.Form):
    """Filters of the visit list and the plan page."""

    q = forms.CharField(label=_("Customer"), required=False, max_length=100)
    state = forms.ChoiceField(label=_("State"), choices=PLAN_STATES, required=False)
    importance = forms.ChoiceField(
        label=_("Importance class"), required=False, choices=[("", _("All")), *Importance.choices]
    )
    manager = forms.ModelChoiceField(
        label=_("Manager"),
        queryset=User.objects.none(),
        required=False,
        empty_label=_("All managers"),
    )
    due_month = MonthField(label=_("Due in month"))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        if role_of(user) == Role.ACCOUNT_MANAGER:
            del self.fields["manager"]
        else:
            self.fields["manager"].queryset = visible_managers(user).order_by("name", "username")
            self.fields["manager"].label_from_instance = lambda u: u.display_name

    def apply(self, plans, today):
        if not self.is_valid():
            return plans.filter(status=VisitPlanStatus.PLANNED)
        data = self.cleaned_data
        if data["q"]:
            plans = plans.search(data["q"])
        state = data["state"]
        if state == "overdue":
            plans = plans.filter(status=VisitPlanStatus.PLANNED, due_date__lt=today)
        elif state in ("done", "cancelled"):
            plans = plans.filter(status=state)
        elif state != "all":
            plans = plans.filter(status=VisitPlanStatus.PLANNED)
        if data["importance"]:
            plans = plans.filter(customer__importance=data["importance"])
        if data.get("manager"):
            plans = plans.filter(manager_id_open=data["manager"].pk)
        if self.data.get("due_month"):
            period = data["due_month"]
            plans = plans.filter(due_date__gte=period, due_date__lte=moments.month_end(period))
        return plans
