"""Forms of the risk pages."""

import datetime as dt

from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from common.errors import DomainError
from customers.models import RiskLevel


class RiskOverrideForm(forms.Form):
    level = forms.ChoiceField(label=_("Level to show"), choices=RiskLevel.choices)
    reason = forms.CharField(
        label=_("Reason"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Why the computed level does not fit, e.g. a guarantee or a payment plan."),
    )
    expires_at = forms.DateTimeField(
        label=_("Until"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text=_("The computed level shows again after this time."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            default = timezone.localtime() + dt.timedelta(days=settings.RISK_OVERRIDE_DEFAULT_DAYS)
            self.initial.setdefault("expires_at", default.replace(second=0, microsecond=0))

    def attach(self, error: DomainError) -> None:
        field = error.field if error.field in self.fields else None
        self.add_error(field, str(error.message))
