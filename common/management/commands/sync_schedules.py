"""Write the beat schedule (settings.BEAT_SCHEDULE names it: config/celery.py's) into
django-celery-beat's tables.

New entries are created; existing ones keep the times and enabled flag an administrator set in
the admin, unless --reset is given. Entries this command made earlier whose name is no longer in
the schedule are deleted, so a renamed or retired task stops running. Entries an administrator
made by hand are left alone.
"""

from datetime import timedelta

from celery.schedules import crontab
from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils.module_loading import import_string
from django_celery_beat.models import CrontabSchedule, IntervalSchedule, PeriodicTask

# Marks the periodic tasks this command manages.
MANAGED = "Managed by config/celery.py (manage.py sync_schedules)."


def schedule_fields(schedule) -> dict:
    """The PeriodicTask fields for a celery schedule (a timedelta or a crontab)."""
    if isinstance(schedule, timedelta):
        interval, _ = IntervalSchedule.objects.get_or_create(
            every=int(schedule.total_seconds()), period=IntervalSchedule.SECONDS
        )
        return {"interval": interval, "crontab": None}
    if isinstance(schedule, crontab):
        cron, _ = CrontabSchedule.objects.get_or_create(
            minute=str(schedule._orig_minute),
            hour=str(schedule._orig_hour),
            day_of_week=str(schedule._orig_day_of_week),
            day_of_month=str(schedule._orig_day_of_month),
            month_of_year=str(schedule._orig_month_of_year),
            timezone=settings.TIME_ZONE,
        )
        return {"crontab": cron, "interval": None}
    raise TypeError(f"unsupported schedule {schedule!r}")


class Command(BaseCommand):
    help = "Create the periodic tasks of config/celery.py in the database scheduler."

    def add_arguments(self, parser):
        parser.add_argument(
            "--reset", action="store_true", help="Overwrite the times administrators changed."
        )

    @transaction.atomic
    def handle(self, *args, reset: bool = False, **options):
        # By its dotted path, as Django names ROOT_URLCONF: the schedule lives with the Celery
        # app in config/, above every app.
        schedule: dict[str, dict] = import_string(settings.BEAT_SCHEDULE)
        created = updated = 0
        for name, entry in schedule.items():
            task = PeriodicTask.objects.filter(name=name).first()
            if task is None:
                PeriodicTask.objects.create(
                    name=name,
                    task=entry["task"],
                    description=MANAGED,
                    **schedule_fields(entry["schedule"]),
                )
                created += 1
                continue
            fields = {"task": entry["task"], "description": MANAGED}
            if reset:
                fields.update(schedule_fields(entry["schedule"]), enabled=True)
            changed = [k for k, v in fields.items() if getattr(task, k) != v]
            if changed:
                for key in changed:
                    setattr(task, key, fields[key])
                task.save(update_fields=changed)
                updated += 1
        retired, _ = (
            PeriodicTask.objects.filter(description=MANAGED)
            .exclude(name__in=list(schedule))
            .delete()
        )
        self.stdout.write(
            f"schedules: {created} created, {updated} updated, {retired} retired, "
            f"{len(schedule)} defined"
        )
