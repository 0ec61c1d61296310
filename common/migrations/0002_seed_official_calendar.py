"""Seed the official calendar with every year the chinesecalendar package knows (complete)."""

from django.db import migrations


def seed(apps, schema_editor):
    from common.calendar_data import package_source, package_years

    CalendarYear = apps.get_model("common", "CalendarYear")
    CalendarDay = apps.get_model("common", "CalendarDay")
    for year, days in sorted(package_years().items()):
        if CalendarYear.objects.filter(year=year).exists():
            continue  # entered by hand before the seed ran: the administrator's data wins
        row = CalendarYear.objects.create(year=year, source=package_source(year), complete=True)
        CalendarDay.objects.bulk_create(
            [
                CalendarDay(calendar_year=row, date=day, kind=kind, name=name)
                for day, kind, name in days
            ],
            ignore_conflicts=True,
        )


def unseed(apps, schema_editor):
    from common.calendar_data import package_source, package_years

    CalendarYear = apps.get_model("common", "CalendarYear")
    for year in package_years():
        CalendarYear.objects.filter(year=year, source__contains="chinesecalendar").delete()


class Migration(migrations.Migration):
    dependencies = [("common", "0001_official_calendar")]

    operations = [migrations.RunPython(seed, unseed)]
