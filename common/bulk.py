"""Writing many rows at once on PostgreSQL: COPY into a temporary table, then one
`INSERT ... ON CONFLICT DO UPDATE`. Django's `bulk_create(update_conflicts=True)` builds a
statement with a placeholder per value, which costs more than running it at tens of thousands
of rows."""

from __future__ import annotations

from collections.abc import Sequence

from django.db import connection, transaction
from django.db.models import Field, Model


def copy_upsert(
    model: type[Model], rows: Sequence[Model], *, key: str, fields: Sequence[str]
) -> None:
    """Insert `rows` (instances of `model`), or update `fields` of the row with the same
    `key` (a unique field). PostgreSQL only; inside the caller's transaction."""
    if not rows:
        return
    meta = model._meta
    key_field = _concrete(model, key)
    written = [key_field, *(_concrete(model, name) for name in fields if name != key)]
    columns = [field.column for field in written]
    table = meta.db_table
    temporary = f"{table}_upsert"
    quoted = ", ".join(f'"{column}"' for column in columns)
    # In a transaction of its own if the caller has none: the table lives until the commit.
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f'DROP TABLE IF EXISTS pg_temp."{temporary}"')
        cursor.execute(
            f'CREATE TEMP TABLE "{temporary}" ON COMMIT DROP AS '
            f'SELECT {quoted} FROM "{table}" WITH NO DATA'
        )
        with (
            connection.wrap_database_errors,
            cursor.cursor.copy(f'COPY "{temporary}" ({quoted}) FROM STDIN') as copy,
        ):
            for row in rows:
                copy.write_row([getattr(row, field.attname) for field in written])
        updates = ", ".join(
            f'"{column}" = EXCLUDED."{column}"' for column in columns if column != key_field.column
        )
        cursor.execute(
            f'INSERT INTO "{table}" ({quoted}) SELECT {quoted} FROM "{temporary}" '
            f'ON CONFLICT ("{key_field.column}") DO UPDATE SET {updates}'
        )


def _concrete(model: type[Model], name: str) -> Field:
    field = model._meta.get_field(name)
    if not isinstance(field, Field) or not field.concrete:
        raise ValueError(f"{model.__name__}.{name} is not a column")
    return field
