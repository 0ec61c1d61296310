"""Trigram indexes for the searches of follow-ups (CustomerScopedQuerySet.search, common.api.search)."""

from django.db import migrations

from common.migration_ops import trigram_indexes


class Migration(migrations.Migration):
    dependencies = [("accounts_manager", "0008_followup_kinds_connection_supply_plan")]

    operations = [
        trigram_indexes("accounts_manager_followup", {"followup_summary_trgm": "summary"}),
    ]
