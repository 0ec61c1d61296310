"""Complaint deadlines (SLA) from the rule table, counted on the official Chinese calendar.

- Contacting the customer is due a number of *calendar hours* after receipt: the 95598 service
  runs around the clock, holidays included.
- Resolution is due a number of *working days* after receipt, at the same time of day, counted
  by `common.workcalendar.add_working_days` (public holidays skipped, make-up working
  Saturdays counted). Across a year whose official calendar is not entered yet, only the
  weekends and the statutory fixed-date holidays are known: the deadline is computed on them
  and marked provisional (`deadlines_provisional`), and recomputed when the year is entered
  (`complaints.services.recompute_provisional_deadlines`).
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from django.utils import timezone

from common.workcalendar import add_working_days, is_provisional
from complaints.models import DeadlineRule, Severity

logger = logging.getLogger(__name__)

# Used when the admin deleted the rule for a category and severity: the product defaults.
DEFAULT_ACK_HOURS: dict[str, int] = {Severity.NORMAL: 24, Severity.URGENT: 2, Severity.MAJOR: 2}
DEFAULT_ACK_WARNING_MINUTES: dict[str, int] = {
    Severity.NORMAL: 240,
    Severity.URGENT: 30,
    Severity.MAJOR: 30,
}
DEFAULT_RESOLVE_WORKING_DAYS = 5
DEFAULT_RESOLVE_WARNING_HOURS = 24


@dataclass(frozen=True)
class Deadlines:
    ack_due: dt.datetime
    resolve_due: dt.datetime
    ack_warn_at: dt.datetime
    resolve_warn_at: dt.datetime
    deadlines_provisional: bool = False


def rule_for(category: str, severity: str) -> DeadlineRule:
    rule = DeadlineRule.objects.filter(category=category, severity=severity).first()
    if rule is None:
        logger.warning(
            "No complaint deadline rule for %s/%s; using the product defaults.", category, severity
        )
        rule = DeadlineRule(
            category=category,
            severity=severity,
            ack_hours=DEFAULT_ACK_HOURS.get(severity, 24),
            resolve_working_days=DEFAULT_RESOLVE_WORKING_DAYS,
            ack_warning_minutes=DEFAULT_ACK_WARNING_MINUTES.get(severity, 30),
            resolve_warning_hours=DEFAULT_RESOLVE_WARNING_HOURS,
        )
    return rule


def compute_deadlines(*, start: dt.datetime, rule: DeadlineRule) -> Deadlines:
    """The deadlines of a handling cycle that starts at `start` (receipt or reopening)."""
    local = timezone.localtime(start)
    ack_due = local + dt.timedelta(hours=rule.ack_hours)
    resolve_due = add_working_days(local, rule.resolve_working_days)
    return Deadlines(
        ack_due=ack_due,
        resolve_due=resolve_due,
        # A warning lead longer than the whole window means "warn at once".
        ack_warn_at=max(local, ack_due - dt.timedelta(minutes=rule.ack_warning_minutes)),
        resolve_warn_at=max(local, resolve_due - dt.timedelta(hours=rule.resolve_warning_hours)),
        deadlines_provisional=is_provisional(local.date(), resolve_due.date()),
    )


def deadlines_for(*, category: str, severity: str, start: dt.datetime) -> Deadlines:
    return compute_deadlines(start=start, rule=rule_for(category, severity))
