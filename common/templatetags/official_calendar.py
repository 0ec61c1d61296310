"""`{% calendar_warning as year %}`: next year's number from 1 November while its official
calendar is not complete, else None."""

from django import template
from django.utils import timezone

from common import workcalendar

register = template.Library()


@register.simple_tag
def calendar_warning():
    return workcalendar.missing_next_year(timezone.localdate())
