"""`manage.py sync_schedules`: the beat schedule of config/celery.py into the database."""

from io import StringIO

import pytest
from celery.schedules import crontab
from django.core.management import call_command
from django_celery_beat.models import CrontabSchedule, PeriodicTask

pytestmark = pytest.mark.django_db

SCHEDULE = {
    "nightly": {"task": "app.tasks.nightly", "schedule": crontab(hour=2, minute=30)},
    "often": {"task": "app.tasks.often", "schedule": crontab(minute="*/5")},
}


CURRENT: dict[str, dict] = {}


@pytest.fixture
def schedule(settings):
    CURRENT.clear()
    CURRENT.update(SCHEDULE)
    settings.BEAT_SCHEDULE = f"{__name__}.CURRENT"
    return CURRENT


def sync(*args):
    out = StringIO()
    call_command("sync_schedules", *args, stdout=out)
    return out.getvalue()


def test_every_entry_is_created_with_its_crontab_in_shanghai_time(schedule):
    sync()
    nightly = PeriodicTask.objects.get(name="nightly")
    assert nightly.task == "app.tasks.nightly"
    assert (nightly.crontab.hour, nightly.crontab.minute) == ("2", "30")
    assert str(nightly.crontab.timezone) == "Asia/Shanghai"
    assert nightly.enabled


def test_running_it_again_changes_nothing(schedule):
    sync()
    assert "0 created, 0 updated, 0 retired" in sync()
    assert PeriodicTask.objects.count() == 2


def test_administrators_changes_survive_a_sync_but_not_a_reset(schedule):
    sync()
    task = PeriodicTask.objects.get(name="nightly")
    task.crontab = CrontabSchedule.objects.create(hour="4", minute="0", timezone="Asia/Shanghai")
    task.enabled = False
    task.save()
    sync()
    task.refresh_from_db()
    assert (task.crontab.hour, task.enabled) == ("4", False)
    sync("--reset")
    task.refresh_from_db()
    assert (task.crontab.hour, task.enabled) == ("2", True)


def test_a_retired_entry_is_removed_but_hand_made_ones_stay(schedule):
    sync()
    PeriodicTask.objects.create(
        name="hand made", task="app.tasks.other", crontab=CrontabSchedule.objects.first()
    )
    del schedule["often"]
    assert "1 retired" in sync()
    assert set(PeriodicTask.objects.values_list("name", flat=True)) == {"nightly", "hand made"}


def test_the_real_schedule_syncs():
    sync()
    from config.celery import BEAT_SCHEDULE

    assert set(PeriodicTask.objects.values_list("name", flat=True)) >= set(BEAT_SCHEDULE)


def test_the_celery_app_does_not_override_the_database_schedule():
    from config.celery import app

    assert not app.conf.beat_schedule
