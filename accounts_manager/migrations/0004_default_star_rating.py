"""The default star-rating rules (weights per indicator and star bands); editable in the admin.

See docs/dashboards.md for what each indicator means.
"""

from decimal import Decimal

from django.db import migrations

# indicator: (weight, value worth 100 points, value worth 0 points)
DEFAULT_WEIGHTS = {
    "collection_rate": (30, Decimal("1.0000"), Decimal("0.8000")),
    "overdue_ratio": (15, Decimal("0.0000"), Decimal("0.4000")),
    "high_risk_share": (15, Decimal("0.0000"), Decimal("0.1000")),
    "complaint_sla": (15, Decimal("1.0000"), Decimal("0.8000")),
    "visit_completion": (15, Decimal("1.0000"), Decimal("0.5000")),
    "satisfaction": (10, Decimal("5.0000"), Decimal("3.0000")),
}
# stars: lowest score that earns them
DEFAULT_BANDS = {5: Decimal("90"), 4: Decimal("75"), 3: Decimal("60"), 2: Decimal("40"),
                 1: Decimal("0")}


def create_defaults(apps, schema_editor):
    IndicatorWeight = apps.get_model("accounts_manager", "IndicatorWeight")
    StarBand = apps.get_model("accounts_manager", "StarBand")
    for indicator, (weight, best, worst) in DEFAULT_WEIGHTS.items():
        IndicatorWeight.objects.get_or_create(
            indicator=indicator, defaults={"weight": weight, "best": best, "worst": worst}
        )
    for stars, min_score in DEFAULT_BANDS.items():
        StarBand.objects.get_or_create(stars=stars, defaults={"min_score": min_score})


def remove_defaults(apps, schema_editor):
    apps.get_model("accounts_manager", "IndicatorWeight").objects.filter(
        indicator__in=list(DEFAULT_WEIGHTS)
    ).delete()
    apps.get_model("accounts_manager", "StarBand").objects.filter(
        stars__in=list(DEFAULT_BANDS)
    ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("accounts_manager", "0003_visits_performance_dashboard"),
    ]

    operations = [migrations.RunPython(create_defaults, remove_defaults)]
