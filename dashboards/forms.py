"""Forms of the dashboard and performance pages. They parse input; the selectors and
services of accounts_manager decide."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from common import moments
from common.forms import MonthField
from common.moments import period_label
from common.roles import sees_everything
from dashboards.selectors import visible_regions


class DashboardFilterForm(forms.Form):
    """Region (a code; all the user sees when empty) and month of the dashboard pages."""

    region = forms.ChoiceField(label=_("Region"), required=False)
    period = MonthField(label=_("Month"))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        regions = [(r.code, r.name) for r in visible_regions(user)]
        if sees_everything(user):
            regions.insert(0, ("", _("All regions")))
        self.fields["region"].choices = regions

    def query(self) -> dict:
        """The cleaned filter as query parameters (for links and the API)."""
        data = self.cleaned_data
        return {
            "region": data.get("region") or "",
            "period": period_label(data["period"]),
        }


class PeriodForm(forms.Form):
    period = MonthField(label=_("Month"))


class SnapshotForm(forms.Form):
    period = MonthField(label=_("Month"), required=True)

    def clean_period(self):
        period = self.cleaned_data["period"]
        if period >= moments.current_period():
            raise ValidationError(_("Choose a month that is over."))
        return period
