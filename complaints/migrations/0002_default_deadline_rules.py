"""The default deadline rules: contact within 24 hours (2 hours when urgent or major), resolve
within 5 working days, for every category. Administrators change them in the admin."""

from django.db import migrations

CATEGORIES = ["power_quality", "outage", "billing", "service", "business", "metering", "other"]
# severity -> (ack_hours, ack_warning_minutes)
ACK = {"normal": (24, 240), "urgent": (2, 30), "major": (2, 30)}
RESOLVE_WORKING_DAYS = 5
RESOLVE_WARNING_HOURS = 24


def create_rules(apps, schema_editor):
    DeadlineRule = apps.get_model("complaints", "DeadlineRule")
    for category in CATEGORIES:
        for severity, (ack_hours, ack_warning_minutes) in ACK.items():
            DeadlineRule.objects.get_or_create(
                category=category,
                severity=severity,
                defaults={
                    "ack_hours": ack_hours,
                    "ack_warning_minutes": ack_warning_minutes,
                    "resolve_working_days": RESOLVE_WORKING_DAYS,
                    "resolve_warning_hours": RESOLVE_WARNING_HOURS,
                },
            )


def remove_rules(apps, schema_editor):
    apps.get_model("complaints", "DeadlineRule").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("complaints", "0001_initial")]

    operations = [migrations.RunPython(create_rules, remove_rules)]
