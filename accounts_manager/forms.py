"""Forms of the account managers' pages. They parse input; accounts_manager.services decides."""

from __future__ import annotations

import django_filters
from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts_manager.models import FollowUpKind, FollowUpStatus, User
from accounts_manager.querysets import visible_managers
from common.errors import DomainError
from common.roles import Role, role_of


def _manager_label(user: User) -> str:
    return user.display_name


class ManagerChoiceField(forms.ModelChoiceField):
    """A choice of account manager shown by name; the form sets the queryset for its user."""

    def label_from_instance(self, obj: User) -> str:
        return _manager_label(obj)


def manager_choices_queryset(user, *, exclude=None):
    """Active account managers `user` may hand customers to, by name."""
    qs = visible_managers(user).filter(is_active=True).select_related("region")
    if exclude is not None:
        qs = qs.exclude(pk=exclude.pk)
    return qs.order_by("name", "username")


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
            self.filters["manager"].field.label_from_instance = _manager_label

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
