"""`crm_iso_moment(moment, zone)`: a timestamp as the API writes it (common.api.fields.
DateTimeField), for answers that PostgreSQL writes as JSON itself (billing.payment_json).

ISO 8601 in `zone`, microseconds only when there are any, the offset as ±HH:MM and UTC as "Z";
an offset with seconds (local mean time before 1901), which RFC 3339 cannot write, in UTC.
One expression, so that PostgreSQL inlines it into the query that calls it. PostgreSQL only;
elsewhere the serializers write every answer.
"""

from django.db import migrations

CREATE = r"""
CREATE OR REPLACE FUNCTION crm_iso_moment(moment timestamptz, zone text) RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE AS $$
SELECT CASE
    WHEN extract(second FROM (moment AT TIME ZONE zone) - (moment AT TIME ZONE 'UTC')) <> 0
        OR (moment AT TIME ZONE zone) = (moment AT TIME ZONE 'UTC')
    THEN to_char(moment AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS')
        || CASE WHEN mod(extract(microseconds FROM moment)::bigint, 1000000) <> 0
                THEN to_char(moment AT TIME ZONE 'UTC', '.US') ELSE '' END
        || 'Z'
    ELSE to_char(moment AT TIME ZONE zone, 'YYYY-MM-DD"T"HH24:MI:SS')
        || CASE WHEN mod(extract(microseconds FROM moment)::bigint, 1000000) <> 0
                THEN to_char(moment AT TIME ZONE 'UTC', '.US') ELSE '' END
        || CASE WHEN (moment AT TIME ZONE zone) < (moment AT TIME ZONE 'UTC') THEN '-' ELSE '+' END
        || to_char(greatest((moment AT TIME ZONE zone) - (moment AT TIME ZONE 'UTC'),
                            (moment AT TIME ZONE 'UTC') - (moment AT TIME ZONE zone)), 'HH24:MI')
END
$$
"""


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP FUNCTION IF EXISTS crm_iso_moment(timestamptz, text)")


class Migration(migrations.Migration):
    dependencies = [("common", "0003_task_outbox")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
