"""Trigram indexes for the contacts' part of the register's search (CustomerQuerySet.search):
a contact's name as `icontains` reads it (`UPPER(col::text) LIKE UPPER(%s)`) and the mobile
number as `contains` reads it (`col::text LIKE %s`, digits are digits in any case).

PostgreSQL only, as in 0006: on SQLite nothing is made and the search reads the table.
"""

from django.db import migrations

INDEXES = [
    ("contact_name_trgm", '(UPPER("name"::text)) gin_trgm_ops'),
    ("contact_mobile_trgm", '("mobile"::text) gin_trgm_ops'),
]


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, expression in INDEXES:
        schema_editor.execute(
            f'CREATE INDEX IF NOT EXISTS "{name}" ON "customers_contact" USING gin ({expression})'
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _expression in INDEXES:
        schema_editor.execute(f'DROP INDEX IF EXISTS "{name}"')


class Migration(migrations.Migration):
    dependencies = [("customers", "0008_more_order_indexes")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
