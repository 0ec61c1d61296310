"""Slow (about half a minute): an existing database keeps every row when the models move apps.

The pre-move commit's code migrates a fresh PostgreSQL database of its own and fills it with
the demo data (plus an admin log entry per model and a group holding every permission); the
database is snapshotted; this checkout's code migrates the same database; then every table
must still hold the same rows, every content type and permission id must still mean the same
model, and the current code must read the history and admin log back. Nothing here knows
which model moved where, so it runs unchanged against the restructured code.

Its own database (not pytest-django's test database: no `db` fixture), dropped at the end.
What is compared:
- every table of schema public: the row count and a sample of rows (the first SAMPLE_HEAD by
  primary key and a few spread ones), column by column for the columns it had before;
- django_content_type: every id keeps its `model` (its app_label may change) and resolves to
  the model class on the same table; auth_permission: every id keeps its codename and content
  type. Both tables may gain rows (new models, new permissions);
- django_migrations is not compared: migrating adds rows to it, and that is its purpose.
django_session is compared like any table (migrate leaves sessions alone); the project has no
Celery result tables (CELERY_RESULT_BACKEND is None, django_celery_results not installed).
"""

import json
import os
import secrets
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import psycopg
import pytest
from psycopg import sql
from psycopg.conninfo import make_conninfo

PRE_MOVE_COMMIT = "ccba36325ab0bf598ce667f412124a63c1e3c50c"
HERE = Path(__file__).resolve().parent
HELPER = HERE / "move_snapshot.py"
# The tables of the models that changed app in the restructuring (they keep their names).
MOVED_TABLES = (
    "customers_region",
    "outages_substation",
    "outages_feeder",
    "accounts_manager_assignment",
    "accounts_manager_visitplan",
    "accounts_manager_visit",
    "accounts_manager_satisfactionsurvey",
    "accounts_manager_indicatorweight",
    "accounts_manager_starband",
    "accounts_manager_managermonthsnapshot",
    "accounts_manager_summaryperiod",
    "accounts_manager_portfoliosummary",
    "accounts_manager_debtorsummary",
    "billing_riskscan",
    "billing_riskassessment",
    "billing_riskoverride",
    "customers_historicalsupplypoint",
)
SEED_CUSTOMERS = 40  # seed_demo's default is 400; 40 fills every part in seconds
SAMPLE_HEAD = 20
# Tables migrating is meant to change; compared separately (content types, permissions) or
# not at all (the migration log).
NOT_COMPARED_AS_ROWS = {"django_migrations", "django_content_type", "auth_permission"}
STEP_TIMEOUT = 180  # seconds, for one manage.py run

pytestmark = pytest.mark.slow


def _repository_root() -> Path:
    try:
        result = subprocess.run(
            ["git", "-C", str(HERE), "rev-parse", "--show-toplevel"],
            capture_output=True,
            text=True,
            check=True,
        )
    except (OSError, subprocess.CalledProcessError) as error:
        pytest.fail(f"the move check needs the git repository around {HERE}: {error}")
    return Path(result.stdout.strip())


@pytest.fixture
def premove_tree(tmp_path: Path) -> Path:
    """The pre-move commit's files (git archive, so no .mo files: none needed to migrate)."""
    root = _repository_root()
    present = subprocess.run(
        ["git", "-C", str(root), "cat-file", "-e", f"{PRE_MOVE_COMMIT}^{{commit}}"],
        capture_output=True,
    )
    shallow = subprocess.run(
        ["git", "-C", str(root), "rev-parse", "--is-shallow-repository"],
        capture_output=True,
        text=True,
    )
    if present.returncode != 0 and shallow.stdout.strip() == "true":
        # A shallow clone cannot hold the commit before the move; a full one must.
        pytest.skip(f"shallow clone without {PRE_MOVE_COMMIT}: run `git fetch --unshallow`")
    tree = tmp_path / "premove"
    tree.mkdir()
    # git archive <commit> | tar -x -C <tree>
    archive = subprocess.Popen(
        ["git", "-C", str(root), "archive", PRE_MOVE_COMMIT],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert archive.stdout is not None
    untar = subprocess.run(
        ["tar", "-x", "-C", str(tree)], stdin=archive.stdout, capture_output=True
    )
    archive.stdout.close()
    archive_error = archive.stderr.read().decode(errors="replace") if archive.stderr else ""
    if archive.wait() != 0 or untar.returncode != 0:
        pytest.fail(
            f"git archive {PRE_MOVE_COMMIT} | tar -x failed in {root} (is the commit there? a "
            f"shallow clone needs `git fetch --unshallow`): {archive_error}"
            f"{untar.stderr.decode(errors='replace')}"
        )
    if not (tree / "manage.py").is_file():
        pytest.fail(f"commit {PRE_MOVE_COMMIT} has no manage.py at its root")
    return tree


@pytest.fixture
def scratch_database() -> Iterator[str]:
    """A fresh database on the server of DATABASE_URL; its URL. Dropped at the end."""
    base_url = os.environ.get("DATABASE_URL") or "postgres://postgres@127.0.0.1:5432/crm"
    name = f"crm_premove_{os.getpid()}_{secrets.token_hex(4)}"
    server = make_conninfo(base_url, dbname="postgres")
    with psycopg.connect(server, autocommit=True) as connection:
        connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield urlsplit(base_url)._replace(path=f"/{name}").geturl()
    finally:
        with psycopg.connect(server, autocommit=True) as connection:
            connection.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


def _run(
    tree: Path, database_url: str, *args: str, must_succeed: bool = True
) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "CELERY_BROKER_URL": os.environ.get("CELERY_BROKER_URL") or "redis://127.0.0.1:6379/7",
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    env.pop("PYTHONPATH", None)
    command = [sys.executable, *args]
    started = time.monotonic()
    result = subprocess.run(
        command, cwd=tree, env=env, capture_output=True, text=True, timeout=STEP_TIMEOUT
    )
    if must_succeed and result.returncode != 0:
        pytest.fail(
            f"{' '.join(args)} in {tree} failed (exit {result.returncode}, "
            f"{time.monotonic() - started:.1f} s):\n--- stdout (end)\n{result.stdout[-4000:]}"
            f"\n--- stderr (end)\n{result.stderr[-6000:]}"
        )
    return result


# The database as SQL sees it.


def _tables(connection: psycopg.Connection) -> dict[str, list[str]]:
    """Every ordinary table of schema public and its primary key columns (else all columns)."""
    rows = connection.execute(
        """
        SELECT c.relname,
               coalesce(
                 (SELECT array_agg(a.attname ORDER BY k.ord)
                    FROM pg_index i
                    CROSS JOIN unnest(i.indkey) WITH ORDINALITY AS k(attnum, ord)
                    JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.attnum
                   WHERE i.indrelid = c.oid AND i.indisprimary),
                 (SELECT array_agg(a.attname ORDER BY a.attnum) FROM pg_attribute a
                   WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped))
          FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p')
         ORDER BY c.relname
        """
    ).fetchall()
    return {name: list(key) for name, key in rows}


def _key_of(row: dict[str, Any], key: list[str]) -> str:
    """A row's primary key values, as text (the same before and after)."""
    return json.dumps([row.get(column) for column in key], ensure_ascii=False)


def _sample(
    connection: psycopg.Connection, table: str, key: list[str], count: int
) -> dict[str, dict[str, Any]]:
    """The first SAMPLE_HEAD rows in primary key order and a few spread ones, by key."""
    order = sql.SQL(", ").join(sql.Identifier(column) for column in key)
    query = sql.SQL("SELECT to_jsonb(t) FROM {} t ORDER BY {} OFFSET %s LIMIT %s").format(
        sql.Identifier(table), order
    )
    rows = [row for (row,) in connection.execute(query, (0, SAMPLE_HEAD))]
    for position in sorted({count // 4, count // 2, (3 * count) // 4, count - 1}):
        if position >= SAMPLE_HEAD:
            rows += [row for (row,) in connection.execute(query, (position, 1))]
    return {_key_of(row, key): row for row in rows}


def _rows_by_key(
    connection: psycopg.Connection, table: str, key: list[str], keys: list[str]
) -> dict[str, dict[str, Any]]:
    """The rows of `table` whose primary key values are among `keys` (from _key_of)."""
    if not keys:
        return {}
    wanted = [
        json.dumps(dict(zip(key, json.loads(values), strict=True)), ensure_ascii=False)
        for values in keys
    ]
    found = connection.execute(
        sql.SQL("SELECT to_jsonb(t) FROM {} t WHERE to_jsonb(t) @> ANY(%s::jsonb[])").format(
            sql.Identifier(table)
        ),
        (wanted,),
    )
    return {_key_of(row, key): row for (row,) in found}


def snapshot_database(database_url: str, like: dict | None = None) -> dict:
    """Counts and sample rows of every table, content types, permissions. With `like` (an
    earlier snapshot), each table's sample is the rows with the keys sampled then."""
    with psycopg.connect(database_url) as connection:
        tables: dict[str, dict[str, Any]] = {}
        for table, own_key in _tables(connection).items():
            earlier = (like or {"tables": {}})["tables"].get(table)
            key = earlier["key"] if earlier else own_key
            count = connection.execute(
                sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(table))
            ).fetchone()
            assert count is not None
            if earlier:
                try:
                    sample = _rows_by_key(connection, table, key, list(earlier["sample"]))
                except psycopg.Error as error:  # e.g. a key column gone
                    connection.rollback()
                    sample = {"error": {"error": str(error)}}
            else:
                sample = _sample(connection, table, key, count[0])
            tables[table] = {"key": key, "count": count[0], "sample": sample}
        content_types = {
            pk: (app_label, model)
            for pk, app_label, model in connection.execute(
                "SELECT id, app_label, model FROM django_content_type"
            )
        }
        permissions = {
            pk: (content_type_id, codename)
            for pk, content_type_id, codename in connection.execute(
                "SELECT id, content_type_id, codename FROM auth_permission"
            )
        }
    return {"tables": tables, "content_types": content_types, "permissions": permissions}


# The tasks that moved with their apps: the migrations point the beat schedule's entries and the
# queued tasks (the outbox) at their new dotted paths. Any other change of a task path is lost.
MOVED_TASKS = {
    "billing.risk_tasks.": "risk.tasks.",
    "accounts_manager.dashboard_tasks.generate_visit_plans": "visits.tasks.generate_visit_plans",
    "accounts_manager.dashboard_tasks.": "dashboards.tasks.",
}


def _moved_task(old: object) -> object:
    for prefix, new in MOVED_TASKS.items():
        if isinstance(old, str) and old.startswith(prefix):
            return new + old[len(prefix) :]
    return old


def _row_difference(before: dict[str, Any], after: dict[str, Any], table: str = "") -> str | None:
    changes = []
    for column, value in before.items():
        if column == "task" and table in ("django_celery_beat_periodictask", "common_outboxtask"):
            value = _moved_task(value)
        if column not in after:
            changes.append(f"column {column} gone (was {value!r})")
        elif after[column] != value:
            changes.append(f"{column}: {value!r} -> {after[column]!r}")
    return "; ".join(changes) or None


def compare_snapshots(pre: dict, post: dict) -> list[str]:
    """Every difference the move must not make, as readable lines (empty: none)."""
    problems: list[str] = []
    for table, before in sorted(pre["tables"].items()):
        if table in NOT_COMPARED_AS_ROWS:
            continue
        after = post["tables"].get(table)
        if after is None:
            problems.append(f"table {table}: gone (held {before['count']} rows)")
            continue
        if after["count"] != before["count"]:
            problems.append(f"table {table}: {before['count']} rows before, {after['count']} now")
        if "error" in after["sample"]:
            problems.append(f"table {table}: cannot read its rows back: {after['sample']}")
            continue
        for values, row in before["sample"].items():
            now = after["sample"].get(values)
            where = f"table {table}, row ({', '.join(before['key'])}) = {values}"
            if now is None:
                problems.append(f"{where}: missing (was {json.dumps(row, ensure_ascii=False)})")
            elif difference := _row_difference(row, now, table):
                problems.append(f"{where}: {difference}")
    for pk, (app_label, model) in sorted(pre["content_types"].items()):
        now = post["content_types"].get(pk)
        if now is None:
            problems.append(f"django_content_type {pk} ({app_label}.{model}): gone")
        elif now[1] != model:
            problems.append(
                f"django_content_type {pk}: was {app_label}.{model}, now {now[0]}.{now[1]}"
            )
    for pk, (content_type_id, codename) in sorted(pre["permissions"].items()):
        now = post["permissions"].get(pk)
        if now is None:
            problems.append(
                f"auth_permission {pk} ({codename}, content type {content_type_id}): gone"
            )
        elif now != (content_type_id, codename):
            problems.append(f"auth_permission {pk}: was ({content_type_id}, {codename}), now {now}")
    return problems


def _report(title: str, problems: list[str], limit: int = 60) -> str:
    shown = "\n".join(f"  - {problem}" for problem in problems[:limit])
    more = f"\n  … and {len(problems) - limit} more" if len(problems) > limit else ""
    return f"{title} ({len(problems)}):\n{shown}{more}"


def test_slow_existing_database_keeps_every_row_across_the_move(
    premove_tree: Path, scratch_database: str, tmp_path: Path
) -> None:
    current_tree = _repository_root()
    url = scratch_database

    # The pre-move code builds and fills the database, as a deployed site's would be.
    _run(premove_tree, url, "manage.py", "migrate", "--noinput")
    _run(premove_tree, url, "manage.py", "seed_demo", "--customers", str(SEED_CUSTOMERS))
    _run(premove_tree, url, "manage.py", "sync_schedules")
    _run(premove_tree, url, str(HELPER), str(premove_tree), "enrich")
    orm_before = tmp_path / "orm_before.json"
    _run(premove_tree, url, str(HELPER), str(premove_tree), "snapshot", str(orm_before))
    pre = snapshot_database(url)
    assert pre["tables"]["customers_customer"]["count"] > 0, "the demo data seeded no customers"
    # Every table of a model that changes app holds rows, so that keeping them proves something.
    empty = [table for table in MOVED_TABLES if not pre["tables"][table]["count"]]
    assert not empty, f"no rows to carry over in {empty}"

    # The current code migrates it.
    _run(current_tree, url, "manage.py", "migrate", "--noinput")
    post = snapshot_database(url, like=pre)
    problems = compare_snapshots(pre, post)

    # The current code reads the old rows back through its models.
    orm_problems_file = tmp_path / "orm_problems.json"
    check = _run(
        current_tree,
        url,
        str(HELPER),
        str(current_tree),
        "check",
        str(orm_before),
        str(orm_problems_file),
        must_succeed=False,
    )
    if check.returncode == 0:
        orm_problems = json.loads(orm_problems_file.read_text())
    else:
        orm_problems = [f"the check itself failed:\n{check.stderr[-4000:]}"]

    assert not problems and not orm_problems, (
        _report("Rows, content types or permissions the move lost or changed", problems)
        + "\n"
        + _report("What the current code cannot read back through its models", orm_problems)
    )
