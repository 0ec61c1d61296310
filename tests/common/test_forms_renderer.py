"""The form renderer writes a drop-down list exactly as Django's templates do."""

import pytest
from django import forms
from django.forms.renderers import DjangoTemplates
from django.utils.safestring import mark_safe

from common.forms_renderer import FormRenderer

CHOICES = [
    ("", "---------"),
    ("a", "Plain"),
    ("b<", 'Needs "escaping" & <more>'),
    (3, 1234567),
    (mark_safe("s"), mark_safe("<b>safe</b>")),
    ("Group", [("g1", "In a group"), ("g2", "Another")]),
]


class Everything(forms.Form):
    one = forms.ChoiceField(choices=CHOICES, required=False)
    many = forms.MultipleChoiceField(choices=CHOICES, required=False)
    maybe = forms.NullBooleanField(required=False)
    styled = forms.ChoiceField(
        choices=CHOICES,
        widget=forms.Select(attrs={"class": 'form-select "x"', "data-n": 5, "disabled": True}),
    )
    radio = forms.ChoiceField(choices=CHOICES[1:3], widget=forms.RadioSelect)


@pytest.mark.parametrize(
    "data",
    [None, {"one": "b<", "many": ["a", "g2"], "maybe": "true", "styled": "3", "radio": "a"}],
)
@pytest.mark.parametrize("name", ["one", "many", "maybe", "styled", "radio"])
def test_same_html_as_djangos_templates(name, data):
    fast = Everything(data, renderer=FormRenderer())[name].as_widget()
    django = Everything(data, renderer=DjangoTemplates())[name].as_widget()
    assert fast == django


def test_the_project_renders_forms_with_it(settings):
    assert settings.FORM_RENDERER == "common.forms_renderer.FormRenderer"
