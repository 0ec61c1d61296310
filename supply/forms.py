"""Forms of the supply-quality pages."""

from django import forms
from django.utils.translation import gettext_lazy as _


class UploadForm(forms.Form):
    file = forms.FileField(
        label=_("File"), help_text=_("A .csv (UTF-8 or GB18030) or .xlsx file, first row headers.")
    )
    partial = forms.BooleanField(
        label=_("Write the good rows even if some are bad"), required=False
    )


class LinkForm(forms.Form):
    interruption = forms.IntegerField(label=_("Interruption"), min_value=1)
