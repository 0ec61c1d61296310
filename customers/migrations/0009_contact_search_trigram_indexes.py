"""Trigram indexes for the contacts' part of the register's search (CustomerQuerySet.search):
a contact's name and mobile number, and the e-mail address the contacts' list also searches."""

from django.db import migrations

from common.migration_ops import trigram_indexes


class Migration(migrations.Migration):
    dependencies = [("customers", "0008_more_order_indexes")]

    operations = [
        trigram_indexes(
            "customers_contact",
            {
                "contact_name_trgm": "name",
                "contact_mobile_trgm": "mobile",
                "contact_email_trgm": "email",
            },
        )
    ]
