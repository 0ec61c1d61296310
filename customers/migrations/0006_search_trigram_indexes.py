"""Trigram indexes for the register's search (CustomerQuerySet.search): the customer's name,
account number and credit code, each as the case-insensitive `icontains` lookup reads them
(`UPPER(col::text) LIKE UPPER(%s)`), so that PostgreSQL combines them (a BitmapOr).

PostgreSQL only (pg_trgm, GIN); on SQLite, the embedded default of `make run`, nothing is made
and the search reads the table. The indexes are not in the models' Meta: Django's state does not
know expression indexes with an operator class in a vendor-neutral way, and the search does not
depend on them to be right, only to be fast.
"""

from django.db import migrations

INDEXES = [
    ("customers_customer", "name", "customer_name_trgm"),
    ("customers_customer", "account_no", "customer_account_no_trgm"),
    ("customers_customer", "credit_code", "customer_credit_code_trgm"),
]


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for table, column, name in INDEXES:
        schema_editor.execute(
            f'CREATE INDEX IF NOT EXISTS "{name}" ON "{table}" '
            f'USING gin ((UPPER("{column}"::text)) gin_trgm_ops)'
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for _table, _column, name in INDEXES:
        schema_editor.execute(f'DROP INDEX IF EXISTS "{name}"')


class Migration(migrations.Migration):
    dependencies = [("customers", "0005_sync_indexes")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
