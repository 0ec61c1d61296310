"""Trigram indexes for the searches of payments, collection actions and promises (CustomerScopedQuerySet.search, common.api.search)."""

from django.db import migrations

from common.migration_ops import trigram_indexes


class Migration(migrations.Migration):
    dependencies = [("billing", "0013_more_order_indexes")]

    operations = [
        trigram_indexes("billing_payment", {"payment_reference_trgm": "reference"}),
        trigram_indexes("billing_collectionaction", {"collectionaction_outcome_trgm": "outcome"}),
        trigram_indexes("billing_paymentpromise", {"promise_promised_by_trgm": "promised_by"}),
    ]
