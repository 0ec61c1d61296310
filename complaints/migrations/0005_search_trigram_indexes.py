"""Trigram indexes for the searches of complaints (CustomerScopedQuerySet.search, common.api.search)."""

from django.db import migrations

from common.migration_ops import trigram_indexes


class Migration(migrations.Migration):
    dependencies = [("complaints", "0004_sync_indexes")]

    operations = [
        trigram_indexes(
            "complaints_complaint",
            {
                "complaint_ticket_no_trgm": "ticket_no",
                "complaint_external_ref_trgm": "external_ref",
                "complaint_description_trgm": "description",
            },
        ),
    ]
