"""The form renderer (settings.FORM_RENDERER): Django's, with the drop-down list written in Python.

Django renders a <select> through one template per option and one more for each option's
attributes: the filter forms of the list pages (a few dozen options) spent a fifth of the
customers list's time there (docs/performance.md, "Under load"). This renderer writes exactly
what Django's templates django/forms/widgets/select.html and select_option.html write, in
one pass; any other template, or an option drawn by another template, goes to Django's
renderer as before. tests/common/test_forms_renderer.py holds the two outputs equal.
"""

from __future__ import annotations

from django.forms.renderers import DjangoTemplates
from django.utils.formats import localize
from django.utils.html import conditional_escape

SELECT_TEMPLATE = "django/forms/widgets/select.html"
OPTION_TEMPLATE = "django/forms/widgets/select_option.html"


def _text(value) -> str:
    """What `{{ value }}` writes (localized, escaped unless already safe)."""
    return str(conditional_escape(str(localize(value))))


def _attrs(attrs: dict) -> str:
    """What django/forms/widgets/attrs.html writes."""
    out = []
    for name, value in attrs.items():
        if value is False:
            continue
        if value is True:
            out.append(f" {_text(name)}")
        else:
            # `value|stringformat:'s'`, escaped unless it was safe.
            out.append(f' {_text(name)}="{conditional_escape(value)}"')
    return "".join(out)


def _option(option: dict) -> str:
    return (
        f'<option value="{conditional_escape(option["value"])}"{_attrs(option["attrs"])}>'
        f"{_text(option['label'])}</option>\n"  # the template file ends with a newline
    )


def render_select(widget: dict) -> str:
    """Django's select.html for the widget context `widget`, stripped as renderers strip."""
    parts = [f'<select name="{_text(widget["name"])}"{_attrs(widget["attrs"])}>']
    for group_name, group_choices, _index in widget["optgroups"]:
        if group_name:
            parts.append(f'\n  <optgroup label="{_text(group_name)}">')
        for option in group_choices:
            parts.append("\n  " + _option(option))
        if group_name:
            parts.append("\n  </optgroup>")
    parts.append("\n</select>")
    return "".join(parts).strip()


def _plain_select(template_name: str, context: dict) -> bool:
    widget = context.get("widget")
    if template_name != SELECT_TEMPLATE or not isinstance(widget, dict):
        return False
    return all(
        option.get("template_name") == OPTION_TEMPLATE
        for _name, choices, _index in widget.get("optgroups", ())
        for option in choices
    )


class FormRenderer(DjangoTemplates):
    def render(self, template_name, context, request=None):
        if _plain_select(template_name, context):
            return render_select(context["widget"])
        return super().render(template_name, context, request=request)
