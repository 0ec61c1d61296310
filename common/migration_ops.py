"""Operations for migrations that move models between apps without touching their tables.

A model that changes app keeps its table (`Meta.db_table`); the migrations move it in Django's
state only (`SeparateDatabaseAndState`), and these operations carry along what names the old
app in the database: its content types (so permissions, admin log entries and generic relations
keep their ids) and the dotted paths of its scheduled and queued tasks.
"""

from __future__ import annotations

from django.db import migrations


def move_content_types(old_app: str, new_app: str, models: list[str]) -> migrations.RunPython:
    """Rename the content types of `models` (lower-case names) from `old_app` to `new_app`."""

    def rename(apps, from_app: str, to_app: str) -> None:
        content_type = apps.get_model("contenttypes", "ContentType")
        for model in models:
            if content_type.objects.filter(app_label=to_app, model=model).exists():
                continue
            content_type.objects.filter(app_label=from_app, model=model).update(app_label=to_app)

    return migrations.RunPython(
        lambda apps, schema_editor: rename(apps, old_app, new_app),
        lambda apps, schema_editor: rename(apps, new_app, old_app),
        elidable=False,
    )


def rename_tasks(renames: dict[str, str]) -> migrations.RunPython:
    """Point the beat schedule's entries and the queued tasks (the outbox) at the tasks' new
    dotted paths."""

    def rename(apps, mapping: dict[str, str]) -> None:
        targets = [apps.get_model("common", "OutboxTask")]
        if "django_celery_beat" in apps.app_configs:
            targets.append(apps.get_model("django_celery_beat", "PeriodicTask"))
        for model in targets:
            for old, new in mapping.items():
                model.objects.filter(task=old).update(task=new)

    return migrations.RunPython(
        lambda apps, schema_editor: rename(apps, renames),
        lambda apps, schema_editor: rename(apps, {new: old for old, new in renames.items()}),
        elidable=False,
    )


def trigram_indexes(table: str, columns: dict[str, str]) -> migrations.RunPython:
    """GIN trigram indexes (pg_trgm) on `table` for the searches' substring lookups: `columns`
    maps an index name to a column, read as `icontains` reads it (`UPPER(col::text) LIKE …`).

    PostgreSQL only: on SQLite, the embedded default of `make run`, nothing is made and the
    searches read the table. Not in the models' Meta: Django's state does not know expression
    indexes with an operator class in a vendor-neutral way, and the searches do not depend on
    them to be right, only to be fast."""

    def create(apps, schema_editor) -> None:
        if schema_editor.connection.vendor != "postgresql":
            return
        schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        for name, column in columns.items():
            schema_editor.execute(
                f'CREATE INDEX IF NOT EXISTS "{name}" ON "{table}" '
                f'USING gin ((UPPER("{column}"::text)) gin_trgm_ops)'
            )

    def drop(apps, schema_editor) -> None:
        if schema_editor.connection.vendor != "postgresql":
            return
        for name in columns:
            schema_editor.execute(f'DROP INDEX IF EXISTS "{name}"')

    return migrations.RunPython(create, drop, elidable=False)
