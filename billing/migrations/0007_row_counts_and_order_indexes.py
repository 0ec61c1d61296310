"""The number of bills and payments per region, kept by triggers (billing.counts), and the
indexes of the API's orderings.

The triggers are PostgreSQL's: statement triggers with transition tables for inserts and deletes
(one delta row per region and statement, whatever the number of rows), row triggers for the rare
moves (a bill given to another customer, a customer moved to another region). On SQLite, the
embedded default of `make run`, none is made and the lists count their rows (billing.counts
knows which).
"""

from django.conf import settings
from django.db import migrations, models

COUNTED = ("billing_bill", "billing_payment")

FUNCTIONS = """
CREATE FUNCTION billing_rowcount_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO billing_rowcount ("table", region_id, n)
    SELECT TG_TABLE_NAME, c.region_id, count(*)
    FROM new_rows r JOIN customers_customer c ON c.id = r.customer_id
    GROUP BY c.region_id;
    RETURN NULL;
END $$;

CREATE FUNCTION billing_rowcount_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO billing_rowcount ("table", region_id, n)
    SELECT TG_TABLE_NAME, c.region_id, -count(*)
    FROM old_rows r JOIN customers_customer c ON c.id = r.customer_id
    GROUP BY c.region_id;
    RETURN NULL;
END $$;

-- A row given to another customer (of another region, perhaps).
CREATE FUNCTION billing_rowcount_moved() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO billing_rowcount ("table", region_id, n)
    SELECT TG_TABLE_NAME, region_id, sum(n) FROM (
        SELECT c.region_id, -1 AS n FROM customers_customer c WHERE c.id = OLD.customer_id
        UNION ALL
        SELECT c.region_id, 1 AS n FROM customers_customer c WHERE c.id = NEW.customer_id
    ) AS changes
    GROUP BY region_id HAVING sum(n) <> 0;
    RETURN NULL;
END $$;

CREATE FUNCTION billing_rowcount_truncated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM billing_rowcount WHERE "table" = TG_TABLE_NAME;
    RETURN NULL;
END $$;

-- A customer moved to another region takes its bills and payments with it.
CREATE FUNCTION billing_rowcount_customer_moved() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO billing_rowcount ("table", region_id, n)
    SELECT tbl, region, sum(n) FROM (
        SELECT 'billing_bill' AS tbl, count(*) AS rows FROM billing_bill WHERE customer_id = NEW.id
        UNION ALL
        SELECT 'billing_payment', count(*) FROM billing_payment WHERE customer_id = NEW.id
    ) AS counted
    CROSS JOIN LATERAL (VALUES (OLD.region_id, -counted.rows), (NEW.region_id, counted.rows))
        AS changes (region, n)
    WHERE counted.rows > 0
    GROUP BY tbl, region;
    RETURN NULL;
END $$;
"""


def triggers(table: str) -> str:
    return f"""
CREATE TRIGGER {table}_rows_inserted AFTER INSERT ON {table}
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION billing_rowcount_inserted();
CREATE TRIGGER {table}_rows_deleted AFTER DELETE ON {table}
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION billing_rowcount_deleted();
CREATE TRIGGER {table}_rows_moved AFTER UPDATE OF customer_id ON {table}
    FOR EACH ROW WHEN (OLD.customer_id IS DISTINCT FROM NEW.customer_id)
    EXECUTE FUNCTION billing_rowcount_moved();
CREATE TRIGGER {table}_rows_truncated AFTER TRUNCATE ON {table}
    FOR EACH STATEMENT EXECUTE FUNCTION billing_rowcount_truncated();
INSERT INTO billing_rowcount ("table", region_id, n)
    SELECT '{table}', c.region_id, count(*)
    FROM {table} r JOIN customers_customer c ON c.id = r.customer_id
    GROUP BY c.region_id;
"""


def create_triggers(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(FUNCTIONS)
    for table in COUNTED:
        schema_editor.execute(triggers(table))
    schema_editor.execute(
        """
CREATE TRIGGER customers_customer_region_moved AFTER UPDATE OF region_id ON customers_customer
    FOR EACH ROW WHEN (OLD.region_id IS DISTINCT FROM NEW.region_id)
    EXECUTE FUNCTION billing_rowcount_customer_moved();
"""
    )


def drop_triggers(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        "DROP TRIGGER IF EXISTS customers_customer_region_moved ON customers_customer"
    )
    for table in COUNTED:
        for event in ("inserted", "deleted", "moved", "truncated"):
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_rows_{event} ON {table}")
    for function in ("inserted", "deleted", "moved", "truncated", "customer_moved"):
        schema_editor.execute(f"DROP FUNCTION IF EXISTS billing_rowcount_{function}()")


class Migration(migrations.Migration):
    dependencies = [
        ("billing", "0006_sync_indexes"),
        ("customers", "0006_search_trigram_indexes"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="RowCount",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("table", models.CharField(max_length=63)),
                ("region_id", models.IntegerField(null=True)),
                ("n", models.BigIntegerField()),
            ],
            options={
                "verbose_name": "row count",
                "verbose_name_plural": "row counts",
            },
        ),
        migrations.RunPython(create_triggers, drop_triggers),
        migrations.AddIndex(
            model_name="bill",
            index=models.Index(fields=["-period", "customer", "id"], name="bill_period_order"),
        ),
        migrations.AddIndex(
            model_name="bill",
            index=models.Index(fields=["due_date", "id"], name="bill_due_date_order"),
        ),
        migrations.AddIndex(
            model_name="bill",
            index=models.Index(fields=["total", "id"], name="bill_total_order"),
        ),
        migrations.AddIndex(
            model_name="bill",
            index=models.Index(fields=["issue_date", "id"], name="bill_issue_date_order"),
        ),
        migrations.AddIndex(
            model_name="collectionaction",
            index=models.Index(fields=["at", "id"], name="action_at_order"),
        ),
        migrations.AddIndex(
            model_name="payment",
            index=models.Index(fields=["paid_at", "id"], name="payment_paid_at_order"),
        ),
        migrations.AddIndex(
            model_name="payment",
            index=models.Index(fields=["amount", "id"], name="payment_amount_order"),
        ),
        migrations.AddIndex(
            model_name="rowcount",
            index=models.Index(fields=["table", "region_id"], name="rowcount_table_idx"),
        ),
    ]
