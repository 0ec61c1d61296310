"""Who made each recorded change of the customer register: a user, or a scheduled job.

django-simple-history records a row per save with the request's user. Writes that bypass
save() (a bulk UPDATE by the risk scan, a queryset update) record their history rows here, so
that every change is attributed to whoever made it and a later edit never carries a job's
changes under a person's name. A job's rows have no user and a change reason
`job:<key>:<ref>` (e.g. `job:risk_scan:12`), shown as the job's label ("风险扫描 #12").
"""

from __future__ import annotations

import datetime as dt

from django.db import connection
from django.db.models import Case, CharField, F, Value, When
from django.db.models.functions import Coalesce, Concat, NullIf, Substr
from django.utils import timezone
from django.utils.translation import gettext as _

from common.actors import person

JOB_PREFIX = "job:"
# key -> label with an optional %(ref)s, registered by the part that owns the job.
JOB_LABELS: dict[str, object] = {}


def register_job(key: str, label) -> None:
    JOB_LABELS[key] = label


def job_reason(key: str, ref: object = "") -> str:
    """The change reason that marks a history row as written by job `key` (run `ref`)."""
    return f"{JOB_PREFIX}{key}:{ref}"


def job_label(reason: str | None) -> str | None:
    """The job's label for a change reason written by `job_reason`, else None."""
    if not reason or not reason.startswith(JOB_PREFIX):
        return None
    key, _sep, ref = reason[len(JOB_PREFIX) :].partition(":")
    label = JOB_LABELS.get(key)
    if label is None:
        return key
    return str(label) % {"ref": ref} if "%(ref)s" in str(label) else str(label)


def author_of(record) -> str:
    """The display name of who made a history record: the user, the job, or "system"."""
    user = record.history_user
    if user is not None:
        return user.display_name
    return job_label(record.history_change_reason) or _("system")


def author_expression():
    """`author_of` in SQL, for timelines built as one query."""
    whens = []
    for key, label in JOB_LABELS.items():
        prefix = f"{JOB_PREFIX}{key}:"
        text = str(label)
        before, _sep, after = text.partition("%(ref)s")
        parts = [Value(before)]
        if _sep:
            parts += [Substr("history_change_reason", len(prefix) + 1), Value(after)]
        whens.append(
            When(
                history_change_reason__startswith=prefix,
                then=Concat(*parts, Value(""), output_field=CharField()),
            )
        )
    job = Case(*whens, default=Value(None), output_field=CharField()) if whens else Value(None)
    return Coalesce(
        NullIf(F("history_user__name"), Value("")),
        F("history_user__username"),
        job,
        Value(str(_("system"))),
        output_field=CharField(),
    )


def tracked_columns(model) -> list[str]:
    """The columns of `model` that its history table copies (same names in both tables)."""
    history = model.history.model
    return [f.column for f in history._meta.concrete_fields if not f.name.startswith("history_")]


def update_with_history(
    queryset, *, user=None, job: str = "", now: dt.datetime | None = None, **values
) -> int:
    """`queryset.update(**values)` and one history row per updated row, by `user` or by the
    job whose reason is `job` (see `job_reason`). For a handful of rows; a bulk statement
    records its rows with `history_insert_sql`."""
    model = queryset.model
    ids = list(queryset.values_list("pk", flat=True))
    if not ids:
        return 0
    if any(field.name == "updated_at" for field in model._meta.concrete_fields):
        values.setdefault("updated_at", now or timezone.now())
    count = model.objects.filter(pk__in=ids).update(**values)
    rows = list(model.objects.filter(pk__in=ids))
    model.history.bulk_history_create(
        rows,
        update=True,
        default_user=person(user),
        default_change_reason=job,
        default_date=now or timezone.now(),
    )
    return count


def history_insert_sql(model, *, source: str) -> str:
    """`INSERT INTO <history> … SELECT … FROM <source>`: one "changed" history row per row of
    `source` (a CTE returning the model's tracked columns, e.g. an `UPDATE … RETURNING`), with
    the parameters %(history_date)s and %(history_reason)s and no user."""
    quote = connection.ops.quote_name
    columns = ", ".join(quote(c) for c in tracked_columns(model))
    return (
        f"INSERT INTO {quote(model.history.model._meta.db_table)} "
        f"({columns}, history_date, history_change_reason, history_type, history_user_id) "
        f"SELECT {columns}, %(history_date)s, %(history_reason)s, '~', NULL FROM {source}"
    )
