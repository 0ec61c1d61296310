"""Forms of the account managers' pages. They parse input; accounts_manager.services decides."""

from __future__ import annotations

import django_filters
from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts_manager.models import FollowUpKind, FollowUpStatus, WeComPreference
from common.errors import DomainError
from common.roles import Role, role_of
from customers.forms import ManagerChoiceField, manager_choices_queryset, manager_label
from customers.portfolios import visible_managers


def attach_domain_error(form: forms.BaseForm, exc: DomainError, aliases=None) -> None:
    """Show a service's refusal on the field it names (`aliases` maps service → form names)."""
    field = (aliases or {}).get(exc.field, exc.field)
    form.add_error(field if field in form.fields else None, str(exc.message))


class FollowUpFilter(django_filters.FilterSet):
    """Filters of "my day": kind, and for supervisors the manager whose queue to look at."""

    kind = django_filters.ChoiceFilter(label=_("kind"), choices=FollowUpKind.choices)
    manager = django_filters.ModelChoiceFilter(
        label=_("manager"), queryset=None, null_label=_("No manager"), empty_label=_("All managers")
    )
    overdue = django_filters.BooleanFilter(
        label=_("Overdue only"), method="filter_overdue", widget=forms.CheckboxInput
    )

    class Meta:
        fields: list[str] = []

    def __init__(self, *args, user, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if role_of(user) == Role.ACCOUNT_MANAGER:
            del self.filters["manager"]
        else:
            self.filters["manager"].queryset = visible_managers(user).order_by("name", "username")
            self.filters["manager"].field.label_from_instance = manager_label

    def filter_overdue(self, queryset, name, value):
        return queryset.filter(due_at__lt=timezone.now()) if value else queryset


class FollowUpCloseForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Outcome"),
        choices=[(FollowUpStatus.DONE, _("Done")), (FollowUpStatus.CANCELLED, _("Cancelled"))],
    )
    note = forms.CharField(
        label=_("note"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


class HandoverForm(forms.Form):
    """Hand a manager's whole portfolio, open follow-ups included, to another manager."""

    to = ManagerChoiceField(
        label=_("Hand over to"), queryset=None, empty_label=_("Choose a manager")
    )
    effective = forms.DateField(
        label=_("effective from"),
        widget=forms.DateInput(attrs={"type": "date"}),
        initial=timezone.localdate,
    )
    reason = forms.CharField(label=_("reason"), required=False, max_length=300)
    confirm = forms.BooleanField(
        label=_(
            "I confirm that the whole portfolio and its open follow-ups move to the new manager."
        ),
        required=True,
        error_messages={"required": _("Tick the box to confirm the handover.")},
    )

    def __init__(self, *args, user, from_manager, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        to = self.fields["to"]
        assert isinstance(to, ManagerChoiceField)
        to.queryset = manager_choices_queryset(user, exclude=from_manager)
        to.widget.attrs["data-tom-select"] = ""


class WeComPreferenceForm(forms.ModelForm):
    """Which notices also reach the user as 企业微信 应用消息."""

    class Meta:
        model = WeComPreference
        fields = ["followups", "escalations", "approvals", "other"]
        help_texts = {
            "followups": _("A new item in your work queue (my day)."),
            "escalations": _("Complaints escalated to you, deadlines breached, overdue matters."),
            "approvals": _("Outages and disconnections waiting for your approval."),
            "other": _("Every other in-app notice (assignments, repeats, hand-overs)."),
        }
