"""File imports of bills and payments (the upload pages): the file is kept in its ImportBatch,
checked (a dry run: what it would create, update, leave unchanged or refuse), previewed, then
written.

A small file (up to settings.BILLING_IMPORT_INLINE_BYTES) is checked and written in the
request; a larger one by a task (billing.tasks), which records `rows_done` of `rows_total` on
the batch for the page's progress bar. Under CELERY_TASK_ALWAYS_EAGER the task runs inline.

The rows go to `services.import_bills` / `import_payments` in chunks: bill rows grouped by
account number (so that two rows of one account and period meet in one chunk and the second
is reported as a duplicate), at most about CHUNK_ROWS each; payment rows in one call (their
allocation follows the order of payment times). A commit writes every chunk in one
transaction: a file is still all or nothing unless `partial`.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import DEFAULT_DB_ALIAS, IntegrityError, connection, connections, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from billing import services, tasks
from billing.imports import (
    BILL_COLUMNS,
    PAYMENT_COLUMNS,
    FileProblem,
    ImportResult,
    numbered,
    read_table,
)
from billing.models import ImportBatch, ImportKind, ImportStatus
from billing.policy import POLICY
from common import outbox
from common.actors import Actor, person
from common.errors import TransitionNotAllowed
from customers.models import Customer

CHUNK_ROWS = 10_000
CONFLICT = gettext_lazy(
    "This change conflicts with another one made at the same time. Please try again."
)
PREVIEW_ROWS = 1_000


def columns_of(kind: str) -> dict[str, tuple[str, ...]]:
    return BILL_COLUMNS if kind == ImportKind.BILLS else PAYMENT_COLUMNS


def start_import(kind: str, upload, *, acting_user: Actor) -> ImportBatch:
    """Keep an uploaded file as a batch and check it: here for a small file (FileProblem
    when it cannot be read), by a task for a larger one (its problems are the batch's
    `failure`)."""
    POLICY.check(acting_user, "import_file")
    inline = (upload.size or 0) <= settings.BILLING_IMPORT_INLINE_BYTES
    table = _rows_of(upload, kind) if inline else None
    upload.seek(0)
    with transaction.atomic():
        batch = ImportBatch.objects.create(
            kind=kind,
            file_name=upload.name[:200],
            uploaded_by=person(acting_user),
            source=upload.read(),
            status=ImportStatus.CHECKING,
        )
        if table is None:
            outbox.enqueue(tasks.check_import_batch, batch.pk)
    if table is not None:
        _check(batch, *table, acting_user=acting_user)
    return batch


def _rows_of(upload, kind: str) -> tuple[list[dict], list[int]]:
    rows, numbers = numbered(read_table(upload, columns_of(kind)))
    if not rows:
        raise FileProblem(_("The file has no rows below its header."))
    return rows, numbers


def _stored_rows(batch: ImportBatch) -> tuple[list[dict], list[int]]:
    return _rows_of(ContentFile(bytes(batch.source or b""), name=batch.file_name), batch.kind)


def check_import_batch(batch_id: int) -> ImportBatch | None:
    """The task's work: read the kept file and check it. None when the batch is not waiting
    for a check (already done by another delivery)."""
    batch = ImportBatch.objects.filter(pk=batch_id, status=ImportStatus.CHECKING).first()
    if batch is None or batch.uploaded_by is None:
        return None
    try:
        rows, numbers = _stored_rows(batch)
    except FileProblem as exc:
        _fail(batch, str(exc))
        return batch
    _check(batch, rows, numbers, acting_user=batch.uploaded_by)
    return batch


def _check(batch: ImportBatch, rows: list[dict], numbers: list[int], *, acting_user) -> None:
    """Dry-run every chunk and keep the outcome (counts, problems, the preview's rows)."""
    _set_progress(batch, done=0, total=len(rows))
    result = ImportResult()
    done = 0
    for chunk_rows, chunk_numbers in _chunks(batch.kind, rows, numbers):
        part = _run(batch, chunk_rows, chunk_numbers, acting_user, dry_run=True)
        _merge(result, part)
        done += len(chunk_rows)
        _report(batch.pk, done)
    shown = set(numbers[:PREVIEW_ROWS])
    batch.rows = [[_jsonable(r), n] for r, n in zip(rows[:PREVIEW_ROWS], numbers, strict=False)]
    batch.outcomes = sorted([n, outcome] for n, outcome in result.outcomes if n in shown)
    _save_result(batch, result, status=ImportStatus.PREVIEWED, extra=["rows", "outcomes"])


def commit_import(batch: ImportBatch, *, partial: bool, acting_user: Actor) -> ImportBatch:
    """Write a previewed batch: here for a small file, by a task for a larger one. Refused
    (TransitionNotAllowed) unless the batch is previewed and not being written already."""
    POLICY.check(acting_user, "import_file")
    with transaction.atomic():
        claimed = ImportBatch.objects.filter(pk=batch.pk, status=ImportStatus.PREVIEWED).update(
            status=ImportStatus.IMPORTING, partial=partial, rows_done=0, failure=""
        )
        if not claimed:
            raise TransitionNotAllowed(
                "not_previewed", _("This import is not waiting for a confirmation.")
            )
        inline = len(batch.source or b"") <= settings.BILLING_IMPORT_INLINE_BYTES
        if not inline:
            outbox.enqueue(tasks.commit_import_batch, batch.pk)
    if inline:
        _commit(ImportBatch.objects.get(pk=batch.pk), acting_user=acting_user, live=False)
    batch.refresh_from_db()
    return batch


def commit_import_batch(batch_id: int) -> ImportBatch | None:
    """The task's work: write a batch claimed by `commit_import`."""
    batch = ImportBatch.objects.filter(pk=batch_id, status=ImportStatus.IMPORTING).first()
    if batch is None or batch.uploaded_by is None:
        return None
    _commit(batch, acting_user=batch.uploaded_by, live=True)
    return batch


class _Refused(Exception):
    """A chunk has problems now (the data changed since the check): nothing is written."""


def _commit(batch: ImportBatch, *, acting_user, live: bool) -> None:
    try:
        rows, numbers = _stored_rows(batch)
    except FileProblem as exc:
        _fail(batch, str(exc))
        return
    _set_progress(batch, done=0, total=len(rows))
    result = ImportResult()
    progress = _Progress(batch.pk, live=live)
    try:
        with transaction.atomic():
            done = 0
            for chunk_rows, chunk_numbers in _chunks(batch.kind, rows, numbers):
                part = _run(batch, chunk_rows, chunk_numbers, acting_user, partial=batch.partial)
                _merge(result, part)
                if not part.committed and part.errors:
                    raise _Refused
                done += len(chunk_rows)
                progress.report(done)
    except _Refused:
        # The problems found now replace the preview's; nothing was written.
        result.created = result.updated = 0
        batch.failure = _("Nothing was imported: %(n)d rows have problems.") % {
            "n": len({e["row"] for e in result.errors})
        }
        _save_result(batch, result, status=ImportStatus.PREVIEWED, extra=["failure"])
        return
    except IntegrityError:
        _fail(batch, str(CONFLICT))
        return
    finally:
        progress.close()
    batch.committed_at = timezone.now()
    _save_result(batch, result, status=ImportStatus.COMMITTED, extra=["committed_at"])


def discard_import(batch: ImportBatch, *, acting_user: Actor) -> bool:
    """Drop a previewed batch (nothing was written); False when it is no longer previewed."""
    POLICY.check(acting_user, "import_file")
    return bool(
        ImportBatch.objects.filter(pk=batch.pk, status=ImportStatus.PREVIEWED).update(
            status=ImportStatus.DISCARDED, source=None, updated_at=timezone.now()
        )
    )


def result_of(batch: ImportBatch) -> ImportResult:
    """What the batch's check (or commit) found, as an ImportResult."""
    return ImportResult(
        created=batch.created_count,
        updated=batch.updated_count,
        unchanged=batch.unchanged_count,
        errors=list(batch.errors),
        committed=batch.status == ImportStatus.COMMITTED,
        outcomes=[(int(n), outcome) for n, outcome in batch.outcomes],
    )


# --- chunks and results ----------------------------------------------------------------------


def _run(
    batch, rows, numbers, acting_user, *, dry_run: bool = False, partial: bool = False
) -> ImportResult:
    fn = services.import_bills if batch.kind == ImportKind.BILLS else services.import_payments
    return fn(
        rows,
        partial=partial,
        dry_run=dry_run,
        acting_user=acting_user,
        customers=Customer.objects.visible_to(acting_user),
        numbers=numbers,
    )


def _chunks(kind: str, rows: list[dict], numbers: list[int]) -> Iterator[tuple[list, list]]:
    """Chunks of rows in file order, bill rows of one account number always together."""
    count = -(-len(rows) // CHUNK_ROWS)
    if kind != ImportKind.BILLS or count <= 1:
        yield rows, numbers
        return
    buckets: list[tuple[list, list]] = [([], []) for _ in range(count)]
    for row, number in zip(rows, numbers, strict=True):
        key = str(row.get("account_no") or "").strip().encode()
        bucket = buckets[zlib.crc32(key) % count]
        bucket[0].append(row)
        bucket[1].append(number)
    yield from (b for b in buckets if b[0])


def _merge(total: ImportResult, part: ImportResult) -> None:
    total.created += part.created
    total.updated += part.updated
    total.unchanged += part.unchanged
    total.errors += part.errors
    total.outcomes += part.outcomes


def _save_result(batch: ImportBatch, result: ImportResult, *, status: str, extra: list[str]):
    batch.status = status
    batch.errors = sorted(result.errors, key=lambda e: e["row"])
    batch.created_count, batch.updated_count = result.created, result.updated
    batch.unchanged_count = result.unchanged
    batch.rows_done = batch.rows_total
    batch.save(
        update_fields=[
            "status",
            "errors",
            "created_count",
            "updated_count",
            "unchanged_count",
            "rows_done",
            "updated_at",
            *extra,
        ]
    )


def _fail(batch: ImportBatch, message: str) -> None:
    batch.status = ImportStatus.FAILED
    batch.failure = message
    batch.save(update_fields=["status", "failure", "updated_at"])


def _set_progress(batch: ImportBatch, *, done: int, total: int) -> None:
    batch.rows_done, batch.rows_total = done, total
    ImportBatch.objects.filter(pk=batch.pk).update(rows_done=done, rows_total=total)


def _report(batch_id: int, done: int) -> None:
    ImportBatch.objects.filter(pk=batch_id).update(rows_done=done)


class _Progress:
    """Reports rows written from inside the commit's transaction: on PostgreSQL through a
    connection of its own (autocommit), so the page sees it before the commit; elsewhere
    only at the end."""

    def __init__(self, batch_id: int, *, live: bool) -> None:
        self.batch_id = batch_id
        self.side: Any = None
        if live and connection.vendor == "postgresql":
            self.side = connections.create_connection(DEFAULT_DB_ALIAS)

    def report(self, done: int) -> None:
        if self.side is None:
            return
        with self.side.cursor() as cursor:
            cursor.execute(
                "UPDATE billing_importbatch SET rows_done = %s WHERE id = %s",
                [done, self.batch_id],
            )

    def close(self) -> None:
        if self.side is not None:
            self.side.close()


def _jsonable(row: dict) -> dict:
    """Spreadsheet cells as JSON values (dates and times as ISO text, numbers as text)."""
    out = {}
    for key, value in row.items():
        if hasattr(value, "isoformat"):
            out[key] = value.isoformat()
        elif isinstance(value, int | float | str | bool) or value is None:
            out[key] = value
        else:
            out[key] = str(value)
    return out
