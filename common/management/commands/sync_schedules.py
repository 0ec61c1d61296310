"""Write the beat schedule of config/celery.py into django-celery-beat's tables.

New entries are created; existing ones keep the times and enabled flag an administrator set in
the admin, unless --reset is given.
"""

from django.core.management.base import BaseCommand
from django.db import transaction
from django_celery_beat.models import CrontabSchedule, IntervalSchedule, PeriodicTask

from config.celery import BEAT_SCHEDULE


def schedule_kwargs(schedule) -> dict:
    from datetime import timedelta

    from celery.schedules import crontab

    if isinstance(schedule, timedelta):
        interval, _ = IntervalSchedule.objects.get_or_create(
            every=int(schedule.total_seconds()), period=IntervalSchedule.SECONDS
        )
        return {"interval": interval, "crontab": None}
    if isinstance(schedule, crontab):
        cron, _ = CrontabSchedule.objects.get_or_create(
            minute=schedule._orig_minute,
            hour=schedule._orig_hour,
            day_of_week=schedule._orig_day_of_week,
            day_of_month=schedule._orig_day_of_month,
            month_of_year=schedule._orig_month_of_year,
            timezone="Asia/Shanghai",
        )
        return {"crontab": cron, "interval": None}
    raise TypeError(f"unsupported schedule {schedule!r}")


class Command(BaseCommand):
    help = "Create the periodic tasks of config/celery.py in the database scheduler."

    def add_arguments(self, parser):
        parser.add_argument("--reset", action="store_true", help="Overwrite admin changes.")

    @transaction.atomic
    def handle(self, *args, reset: bool = False, **options):
        created = 0
        for name, entry in BEAT_SCHEDULE.items():
            task = PeriodicTask.objects.filter(name=name).first()
            if task is not None and not reset:
                if task.task != entry["task"]:
                    task.task = entry["task"]
                    task.save(update_fields=["task"])
                continue
            values = {"task": entry["task"], **schedule_kwargs(entry["schedule"])}
            PeriodicTask.objects.update_or_create(name=name, defaults=values)
            created += 1
        self.stdout.write(f"schedules: {created} written, {len(BEAT_SCHEDULE)} defined")
