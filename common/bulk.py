"""Writing many rows at once on PostgreSQL: COPY into a temporary table, then one
`INSERT ... ON CONFLICT DO UPDATE`. Django's `bulk_create(update_conflicts=True)` builds a
statement with a placeholder per value, which costs more than running it at tens of thousands
of rows."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.db import connection, transaction
from django.db.models import Field, Model


def copy_upsert(
    model: type[Model],
    fields: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    key: Sequence[str],
    update: Sequence[str],
) -> None:
    """Insert `rows` (values of `fields`, in that order) into `model`'s table, or, where a row
    with the same `key` (the fields of a unique constraint) exists, set its `update` fields.
    PostgreSQL only; in the caller's transaction (or one of its own)."""
    columns = [_concrete(model, name).column for name in fields]
    conflict = ", ".join(f'"{_concrete(model, name).column}"' for name in key)
    updates = ", ".join(
        f'"{column}" = EXCLUDED."{column}"'
        for column in (_concrete(model, name).column for name in update)
    )
    table = model._meta.db_table
    temporary = f"{table}_upsert"
    quoted = ", ".join(f'"{column}"' for column in columns)
    # The temporary table lives until the commit: a transaction of its own if the caller has
    # none (no savepoint inside the caller's).
    with transaction.atomic(savepoint=False), connection.cursor() as cursor:
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
                copy.write_row(row)
        cursor.execute(
            f'INSERT INTO "{table}" ({quoted}) SELECT {quoted} FROM "{temporary}" '
            f"ON CONFLICT ({conflict}) DO UPDATE SET {updates}"
        )


def _concrete(model: type[Model], name: str) -> Field:
    field = model._meta.get_field(name)
    if not isinstance(field, Field) or not field.concrete:
        raise ValueError(f"{model.__name__}.{name} is not a column")
    return field
