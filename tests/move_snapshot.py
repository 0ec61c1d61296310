"""Helper for tests/test_data_survives_the_move.py, run as a subprocess with one project tree's
code (the pre-move commit's or the current checkout's) against the database in DATABASE_URL.

    python tests/move_snapshot.py <tree> enrich     # old code: admin log entries, a group
    python tests/move_snapshot.py <tree> snapshot <out.json>   # what the ORM sees
    python tests/move_snapshot.py <tree> check <pre.json> <out.json>   # new code: problems

It knows no app or model names: it works from the content types, the models' db tables and
django-simple-history's registry, so it runs unchanged against code whose models moved apps.
"""

import json
import os
import sys
from pathlib import Path
from typing import Any

HISTORY_SAMPLE = 5


def _setup(tree: Path) -> None:
    # The tree's packages, not this folder's (tests/common would shadow the `common` app).
    sys.path[0] = str(tree)
    os.chdir(tree)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    import django

    django.setup()


def _historical_models() -> list[Any]:
    """(tracked model, historical model) pairs, from the models' `history` managers."""
    from django.apps import apps

    pairs = []
    for model in apps.get_models():
        manager = getattr(model, "history", None)
        historical = getattr(manager, "model", None)
        if historical is not None and historical is not model and hasattr(historical, "instance"):
            pairs.append((model, historical))
    return pairs


def enrich() -> None:
    """Rows the demo data lacks but the move must keep: an admin log entry for the first object
    of every model that has one, and a group holding every permission."""
    from django.contrib.admin.models import CHANGE, LogEntry
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group, Permission
    from django.contrib.contenttypes.models import ContentType

    user = get_user_model()._default_manager.order_by("pk").first()
    entries = 0
    for content_type in ContentType.objects.order_by("pk"):
        model = content_type.model_class()
        if model is None:
            continue
        obj = model._default_manager.order_by("pk").first()
        if obj is None or user is None:
            continue
        LogEntry.objects.create(
            user=user,
            content_type=content_type,
            object_id=str(obj.pk),
            object_repr=str(obj)[:200],
            action_flag=CHANGE,
            change_message="move check",
        )
        entries += 1
    group, _ = Group.objects.get_or_create(name="move-check: every permission")
    group.permissions.set(Permission.objects.all())
    _fill_moved_tables()
    print(f"enrich: {entries} admin log entries, a group with every permission")


def _fill_moved_tables() -> None:
    """Rows in the tables of the models that move app, which the demo data leaves empty, written
    through the services of the code before the move (this runs with that code): the visit
    plan, a visit with its survey, the monthly summaries and performance snapshots, a risk
    override, and a supply point's history."""
    import datetime as dt
    import importlib

    from django.utils import timezone

    # The modules as they were before the move (this runs with that code).
    def old(name: str) -> Any:
        return importlib.import_module(name)

    performance = old("accounts_manager.performance")
    visits = old("accounts_manager.visits")
    Assignment = old("accounts_manager.models").Assignment
    risk = old("billing.risk")
    customer_services = old("customers.services")
    SupplyPoint = old("customers.models").SupplyPoint
    Feeder = old("outages.models").Feeder

    visits.generate_visit_plans()
    assignment = Assignment.objects.filter(end__isnull=True).order_by("pk").first()
    assert assignment is not None, "the demo data assigns customers"
    visits.record_visit(
        assignment.customer,
        manager=assignment.manager,
        visited_at=timezone.now() - dt.timedelta(hours=2),
        kind="satisfaction_survey",
        outcome="completed",
        survey={
            "supply_reliability": 4,
            "power_quality": 5,
            "service_attitude": 5,
            "billing": 4,
            "business_handling": 3,
            "respondent": "move check",
        },
    )
    last_month = (timezone.localdate().replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    performance.refresh_portfolio_summary(last_month)
    performance.snapshot_performance(last_month)
    risk.set_risk_override(
        assignment.customer, level="high", reason="move check", acting_user=assignment.manager
    )
    point = SupplyPoint.objects.filter(customer=assignment.customer, is_primary=True).first()
    other = Feeder.objects.exclude(pk=point.feeder_id).order_by("pk").first() if point else None
    assert point is not None and other is not None
    customer_services.set_supply_points(
        assignment.customer,
        points=[
            customer_services.SupplyPointInput(feeder_id=point.feeder_id, is_primary=True),
            customer_services.SupplyPointInput(feeder_id=other.pk, is_primary=False),
        ],
    )


def snapshot() -> dict[str, Any]:
    from django.contrib.contenttypes.models import ContentType

    content_types = {}
    for content_type in ContentType.objects.order_by("pk"):
        model = content_type.model_class()
        content_types[str(content_type.pk)] = {
            "app_label": content_type.app_label,
            "model": content_type.model,
            "db_table": None if model is None else model._meta.db_table,
        }
    history = {
        model._meta.db_table: {
            "label": model._meta.label,
            "historical_table": historical._meta.db_table,
            "count": model.history.count(),
        }
        for model, historical in _historical_models()
    }
    return {"content_types": content_types, "history": history}


def check(pre: dict[str, Any]) -> list[str]:
    """What the current code cannot read back of the pre-move database."""
    from django.apps import apps
    from django.contrib.admin.models import LogEntry
    from django.contrib.auth.models import Permission
    from django.contrib.contenttypes.models import ContentType

    problems: list[str] = []

    # The scheduled jobs still name tasks the workers know.
    from celery import current_app
    from django_celery_beat.models import PeriodicTask

    current_app.loader.import_default_modules()
    for entry in PeriodicTask.objects.order_by("pk"):
        if entry.task not in current_app.tasks:
            problems.append(f"periodic task {entry.name!r}: no task {entry.task!r}")

    for pk, before in pre["content_types"].items():
        label = f"content type {pk} (was {before['app_label']}.{before['model']})"
        content_type = ContentType.objects.filter(pk=pk).first()
        if content_type is None:
            problems.append(f"{label}: gone")
            continue
        model = content_type.model_class()
        if before["db_table"] is None:
            continue  # stale before the move already
        if model is None:
            problems.append(
                f"{label}: now {content_type.app_label}.{content_type.model}, which is no "
                "model of the current code (content type not renamed to the new app?)"
            )
            continue
        if model._meta.db_table != before["db_table"]:
            problems.append(
                f"{label}: resolves to {model._meta.label} on table {model._meta.db_table}, "
                f"but its rows are in {before['db_table']}"
            )
        # The current code's model of that name on that table (proxies share tables) must
        # use this content type, not a new one made because the old one was not renamed.
        same = [
            candidate
            for candidate in apps.get_models()
            if candidate._meta.model_name == before["model"]
            and candidate._meta.db_table == before["db_table"]
        ]
        if not same:
            problems.append(
                f"{label}: the current code has no model {before['model']!r} on table "
                f"{before['db_table']}"
            )
        for current in same:
            for_model = ContentType.objects.get_for_model(current, for_concrete_model=False)
            if str(for_model.pk) != pk:
                problems.append(
                    f"{label}: the current code's {current._meta.label} (table "
                    f"{before['db_table']}) uses content type {for_model.pk} "
                    f"({for_model.app_label}.{for_model.model}) instead"
                )

    for permission in Permission.objects.select_related("content_type").order_by("pk"):
        if permission.content_type.model_class() is None:
            problems.append(
                f"permission {permission.pk} {permission.codename!r}: content type "
                f"{permission.content_type_id} ({permission.content_type.app_label}."
                f"{permission.content_type.model}) is no model of the current code"
            )

    for entry in LogEntry.objects.select_related("content_type").order_by("pk"):
        label = f"admin log entry {entry.pk} (content type {entry.content_type_id})"
        if entry.content_type is None or entry.content_type.model_class() is None:
            problems.append(f"{label}: content type does not resolve to a model")
            continue
        try:
            entry.get_edited_object()
        except Exception as error:
            problems.append(f"{label}: edited object {entry.object_id!r}: {error!r}")

    history_now = {model._meta.db_table: (model, hist) for model, hist in _historical_models()}
    for table, before in pre["history"].items():
        if table not in history_now:
            problems.append(
                f"history of {before['label']} (table {table}): no model on that table "
                "has a history any more"
            )
            continue
        model, historical = history_now[table]
        if historical._meta.db_table != before["historical_table"]:
            problems.append(
                f"history of {before['label']}: historical table is now "
                f"{historical._meta.db_table}, was {before['historical_table']}"
            )
        count = model.history.count()
        if count != before["count"]:
            problems.append(
                f"{model._meta.label}.history.count() is {count}, was {before['count']}"
            )
        manager = historical._default_manager
        rows = list(manager.order_by("pk")[:HISTORY_SAMPLE])
        rows += list(manager.order_by("-pk")[:HISTORY_SAMPLE])
        for row in rows:
            try:
                instance = row.instance
                restored = row.history_object
            except Exception as error:
                problems.append(f"{historical._meta.label} {row.pk}: {error!r}")
                continue
            if not isinstance(instance, model) or not isinstance(restored, model):
                problems.append(
                    f"{historical._meta.label} {row.pk}: instance is "
                    f"{type(instance).__name__}, not {model.__name__}"
                )
    return problems


def main() -> None:
    tree, command, *args = sys.argv[1:]
    rest = [Path(arg).resolve() for arg in args]  # before _setup changes the directory
    _setup(Path(tree).resolve())
    if command == "enrich":
        enrich()
    elif command == "snapshot":
        rest[0].write_text(json.dumps(snapshot()))
    elif command == "check":
        pre = json.loads(rest[0].read_text())
        rest[1].write_text(json.dumps(check(pre)))
    else:
        raise SystemExit(f"unknown command {command!r}")


if __name__ == "__main__":
    main()
