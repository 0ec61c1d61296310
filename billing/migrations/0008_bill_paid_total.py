"""A bill's paid amount, kept by the database: `Bill.paid_total` is the sum of its allocations,
changed by triggers in the same statement as the allocations, so that it is exact in every
transaction; the code never writes it.

PostgreSQL: statement triggers on the allocations add the change of each bill (`paid_total +
delta`, right under concurrent writers: the row is re-read when another transaction changed
it); a BEFORE trigger on the bills keeps the column as it was on any UPDATE that does not come
from those triggers, and 0 on INSERT. SQLite (the embedded default of `make run`): row triggers
recompute the bill's sum, and one restores it after any other UPDATE of the bill.
"""

from decimal import Decimal

from django.conf import settings
from django.db import migrations, models

POSTGRESQL = """
CREATE FUNCTION billing_paid_added() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE billing_bill b SET paid_total = b.paid_total + d.amount
    FROM (SELECT bill_id, sum(amount) AS amount FROM new_rows GROUP BY bill_id) d
    WHERE b.id = d.bill_id;
    RETURN NULL;
END $$;

CREATE FUNCTION billing_paid_removed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE billing_bill b SET paid_total = b.paid_total - d.amount
    FROM (SELECT bill_id, sum(amount) AS amount FROM old_rows GROUP BY bill_id) d
    WHERE b.id = d.bill_id;
    RETURN NULL;
END $$;

CREATE FUNCTION billing_paid_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE billing_bill b SET paid_total = b.paid_total + d.amount
    FROM (
        SELECT bill_id, sum(amount) AS amount FROM (
            SELECT bill_id, amount FROM new_rows
            UNION ALL
            SELECT bill_id, -amount FROM old_rows
        ) AS changes GROUP BY bill_id
    ) d
    WHERE b.id = d.bill_id AND d.amount <> 0;
    RETURN NULL;
END $$;

-- The column belongs to the triggers above (nested: depth 2); anything else leaves it alone.
CREATE FUNCTION billing_paid_guarded() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        NEW.paid_total := 0;
    ELSIF pg_trigger_depth() < 2 THEN
        NEW.paid_total := OLD.paid_total;
    END IF;
    RETURN NEW;
END $$;

CREATE TRIGGER billing_allocation_added AFTER INSERT ON billing_paymentallocation
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION billing_paid_added();
CREATE TRIGGER billing_allocation_removed AFTER DELETE ON billing_paymentallocation
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION billing_paid_removed();
CREATE TRIGGER billing_allocation_changed AFTER UPDATE ON billing_paymentallocation
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION billing_paid_changed();
CREATE TRIGGER billing_bill_paid_guarded BEFORE INSERT OR UPDATE ON billing_bill
    FOR EACH ROW EXECUTE FUNCTION billing_paid_guarded();
"""

POSTGRESQL_DROP = """
DROP TRIGGER IF EXISTS billing_allocation_added ON billing_paymentallocation;
DROP TRIGGER IF EXISTS billing_allocation_removed ON billing_paymentallocation;
DROP TRIGGER IF EXISTS billing_allocation_changed ON billing_paymentallocation;
DROP TRIGGER IF EXISTS billing_bill_paid_guarded ON billing_bill;
DROP FUNCTION IF EXISTS billing_paid_added();
DROP FUNCTION IF EXISTS billing_paid_removed();
DROP FUNCTION IF EXISTS billing_paid_changed();
DROP FUNCTION IF EXISTS billing_paid_guarded();
"""

SQLITE_SUM = (
    "(SELECT COALESCE(ROUND(SUM(amount), 2), 0) FROM billing_paymentallocation "
    "WHERE bill_id = {bill})"
)

SQLITE = [
    f"""CREATE TRIGGER billing_allocation_added AFTER INSERT ON billing_paymentallocation
    BEGIN UPDATE billing_bill SET paid_total = {SQLITE_SUM.format(bill="NEW.bill_id")}
    WHERE id = NEW.bill_id; END""",
    f"""CREATE TRIGGER billing_allocation_removed AFTER DELETE ON billing_paymentallocation
    BEGIN UPDATE billing_bill SET paid_total = {SQLITE_SUM.format(bill="OLD.bill_id")}
    WHERE id = OLD.bill_id; END""",
    f"""CREATE TRIGGER billing_allocation_changed AFTER UPDATE ON billing_paymentallocation
    BEGIN
    UPDATE billing_bill SET paid_total = {SQLITE_SUM.format(bill="OLD.bill_id")}
    WHERE id = OLD.bill_id;
    UPDATE billing_bill SET paid_total = {SQLITE_SUM.format(bill="NEW.bill_id")}
    WHERE id = NEW.bill_id;
    END""",
    # Another UPDATE of the bill that changed the column: the sum again (SQLite's triggers do
    # not fire themselves again, so this one does not loop).
    f"""CREATE TRIGGER billing_bill_paid_guarded AFTER UPDATE OF paid_total ON billing_bill
    BEGIN UPDATE billing_bill SET paid_total = {SQLITE_SUM.format(bill="NEW.id")}
    WHERE id = NEW.id; END""",
    f"""CREATE TRIGGER billing_bill_paid_inserted AFTER INSERT ON billing_bill
    BEGIN UPDATE billing_bill SET paid_total = {SQLITE_SUM.format(bill="NEW.id")}
    WHERE id = NEW.id; END""",
]

SQLITE_DROP = [
    f"DROP TRIGGER IF EXISTS {name}"
    for name in (
        "billing_allocation_added",
        "billing_allocation_removed",
        "billing_allocation_changed",
        "billing_bill_paid_guarded",
        "billing_bill_paid_inserted",
    )
]

BACKFILL = """
UPDATE billing_bill SET paid_total = paid.amount
FROM (
    SELECT bill_id, sum(amount) AS amount FROM billing_paymentallocation GROUP BY bill_id
) AS paid
WHERE billing_bill.id = paid.bill_id
"""


def create_triggers(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        # The sums of the allocations already there, before the triggers keep them.
        schema_editor.execute(BACKFILL)
        schema_editor.execute(POSTGRESQL)
    elif vendor == "sqlite":
        schema_editor.execute(
            f"UPDATE billing_bill SET paid_total = {SQLITE_SUM.format(bill='billing_bill.id')}"
        )
        for statement in SQLITE:
            schema_editor.execute(statement)


def drop_triggers(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRESQL_DROP)
    elif vendor == "sqlite":
        for statement in SQLITE_DROP:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [
        ("billing", "0007_row_counts_and_order_indexes"),
        ("customers", "0007_order_indexes"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="bill",
            name="paid_total",
            field=models.DecimalField(
                decimal_places=2,
                default=Decimal("0"),
                editable=False,
                max_digits=14,
                verbose_name="paid",
            ),
        ),
        migrations.RunPython(create_triggers, drop_triggers),
        migrations.AddIndex(
            model_name="bill",
            index=models.Index(
                condition=models.Q(
                    ("paid_total__lt", models.F("total")), ("written_off_at__isnull", True)
                ),
                fields=["id"],
                name="bill_owing_idx",
            ),
        ),
    ]
