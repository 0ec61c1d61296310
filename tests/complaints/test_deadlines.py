"""Deadlines on the official Chinese calendar (chinesecalendar 1.11 knows 2026: National Day
2026-10-01..07 is a holiday and Saturday 2026-10-10 a make-up working day)."""

import logging

import pytest
import time_machine

from complaints.deadlines import compute_deadlines, rule_for
from complaints.models import DeadlineRule
from tests.complaints.conftest import local

pytestmark = pytest.mark.django_db


def test_default_rules_exist_for_every_category_and_severity():
    assert DeadlineRule.objects.count() == 7 * 3
    normal = DeadlineRule.objects.get(category="billing", severity="normal")
    urgent = DeadlineRule.objects.get(category="billing", severity="urgent")
    assert (normal.ack_hours, normal.resolve_working_days) == (24, 5)
    assert (urgent.ack_hours, urgent.resolve_working_days) == (2, 5)


def test_resolution_deadline_skips_the_weekend(register, customer_for, mgr_a):
    with time_machine.travel(local(2026, 3, 6, 10, 0), tick=False):  # a Friday
        complaint = register(customer_for(mgr_a))
    assert complaint.received_at == local(2026, 3, 6, 10, 0)
    # 24 calendar hours to contact the customer, weekend or not.
    assert complaint.ack_due == local(2026, 3, 7, 10, 0)
    # Mon 9 .. Fri 13 are the five working days.
    assert complaint.resolve_due == local(2026, 3, 13, 10, 0)


def test_complaint_received_on_a_saturday_counts_from_monday(register, customer_for, mgr_a):
    with time_machine.travel(local(2026, 3, 7, 15, 30), tick=False):
        complaint = register(customer_for(mgr_a))
    assert complaint.resolve_due == local(2026, 3, 13, 15, 30)


def test_golden_week_is_skipped_and_the_make_up_saturday_counts(register, customer_for, mgr_a):
    with time_machine.travel(local(2026, 9, 30, 10, 0), tick=False):
        complaint = register(customer_for(mgr_a))
    # Oct 1–7 are holidays; Oct 8, 9, Sat 10 (make-up), 12, 13 are the five working days.
    assert complaint.resolve_due == local(2026, 10, 13, 10, 0)
    # The contact deadline runs on through the holiday.
    assert complaint.ack_due == local(2026, 10, 1, 10, 0)


def test_make_up_saturday_is_a_working_day_for_a_one_day_rule(register, customer_for, mgr_a):
    DeadlineRule.objects.filter(category="metering", severity="normal").update(
        resolve_working_days=1
    )
    with time_machine.travel(local(2026, 10, 9, 16, 0), tick=False):
        complaint = register(customer_for(mgr_a), category="metering")
    assert complaint.resolve_due == local(2026, 10, 10, 16, 0)


def test_urgent_complaint_must_be_contacted_within_two_hours(register, customer_for, mgr_a):
    with time_machine.travel(local(2026, 10, 2, 23, 15), tick=False):  # a holiday night
        complaint = register(customer_for(mgr_a), severity="urgent")
    assert complaint.ack_due == local(2026, 10, 3, 1, 15)
    assert complaint.resolve_due == local(2026, 10, 13, 23, 15)


def test_receipt_time_pushed_by_the_hotline_is_the_start(register, customer_for, mgr_a):
    with time_machine.travel(local(2026, 10, 8, 9, 0), tick=False):
        complaint = register(customer_for(mgr_a), received_at=local(2026, 9, 30, 10, 0))
    assert complaint.resolve_due == local(2026, 10, 13, 10, 0)


def test_rule_edited_by_an_administrator_applies_to_new_tickets(register, customer_for, mgr_a):
    DeadlineRule.objects.filter(category="outage", severity="normal").update(
        ack_hours=4, resolve_working_days=2
    )
    with time_machine.travel(local(2026, 3, 6, 10, 0), tick=False):
        complaint = register(customer_for(mgr_a), category="outage")
    assert complaint.ack_due == local(2026, 3, 6, 14, 0)
    assert complaint.resolve_due == local(2026, 3, 10, 10, 0)


def test_missing_rule_falls_back_to_the_product_defaults_with_a_warning(caplog):
    DeadlineRule.objects.filter(category="other", severity="urgent").delete()
    with caplog.at_level(logging.WARNING, logger="complaints.deadlines"):
        rule = rule_for("other", "urgent")
    assert (rule.ack_hours, rule.resolve_working_days) == (2, 5)
    assert "No complaint deadline rule" in caplog.text


def test_year_without_an_official_calendar_gives_a_provisional_deadline():
    rule = rule_for("billing", "normal")
    deadlines = compute_deadlines(start=local(2031, 1, 3, 9, 0), rule=rule)  # a Friday
    # Only the weekends and the statutory holidays are known in 2031.
    assert deadlines.resolve_due == local(2031, 1, 10, 9, 0)
    assert deadlines.deadlines_provisional is True
    assert (
        compute_deadlines(start=local(2026, 3, 6, 10, 0), rule=rule).deadlines_provisional is False
    )


def test_warning_times_come_from_the_rule():
    rule = rule_for("billing", "normal")
    deadlines = compute_deadlines(start=local(2026, 3, 6, 10, 0), rule=rule)
    assert deadlines.ack_warn_at == local(2026, 3, 7, 6, 0)  # 4 hours before
    assert deadlines.resolve_warn_at == local(2026, 3, 12, 10, 0)  # 24 hours before
