"""Trigram indexes for the searches of visits (CustomerScopedQuerySet.search, common.api.search)."""

from django.db import migrations

from common.migration_ops import trigram_indexes


class Migration(migrations.Migration):
    dependencies = [("visits", "0003_more_order_indexes")]

    operations = [
        trigram_indexes("accounts_manager_visit", {"visit_notes_trgm": "notes"}),
    ]
