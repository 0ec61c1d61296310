"""Pages of the bill and payment imports: upload a file, preview what it would change, import
all of it or only the good rows, and download the templates."""

from __future__ import annotations

from django.contrib import messages
from django.db import IntegrityError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from billing import services
from billing.exports import import_template
from billing.forms import (
    ImportForm,
)
from billing.imports import (
    BILL_COLUMNS,
    PAYMENT_COLUMNS,
    FileProblem,
    numbered,
    read_table,
)
from billing.models import (
    ImportBatch,
    ImportKind,
    ImportStatus,
)
from billing.policy import POLICY
from billing.views import CONFLICT, posted
from common.policy import allowed_to
from customers.models import Customer

# --- imports ---------------------------------------------------------------------------------


def _import_scope(request):
    return Customer.objects.visible_to(request.user)


def _run_import(batch: ImportBatch, request, *, dry_run: bool, partial: bool):
    fn = services.import_bills if batch.kind == ImportKind.BILLS else services.import_payments
    rows = [row for row, _n in batch.rows]
    numbers = [n for _row, n in batch.rows]
    return fn(
        rows,
        partial=partial,
        dry_run=dry_run,
        acting_user=request.user,
        customers=_import_scope(request),
        numbers=numbers,
    )


@allowed_to(POLICY, "import_file")
@require_http_methods(["GET", "POST"])
def import_upload(request, kind: str):
    if kind not in ImportKind.values:
        raise Http404
    form = ImportForm(posted(request), request.FILES if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            table = read_table(upload, BILL_COLUMNS if kind == "bills" else PAYMENT_COLUMNS)
        except FileProblem as exc:
            form.add_error("file", str(exc))
        else:
            rows, numbers = numbered(table)
            if not rows:
                form.add_error("file", _("The file has no rows below its header."))
            else:
                batch = ImportBatch.objects.create(
                    kind=kind,
                    file_name=upload.name[:200],
                    uploaded_by=request.user,
                    rows=[[_jsonable(r), n] for r, n in zip(rows, numbers, strict=True)],
                )
                url = reverse("billing:import_preview", args=[batch.pk])
                if form.cleaned_data["partial"]:
                    url += "?partial=1"
                return redirect(url)
    recent = ImportBatch.objects.filter(kind=kind, uploaded_by=request.user)[:10]
    return render(
        request,
        "billing/import_upload.html",
        {
            "form": form,
            "kind": kind,
            "kind_label": ImportKind(kind).label,
            "recent": recent,
            "columns": list(BILL_COLUMNS if kind == "bills" else PAYMENT_COLUMNS),
        },
    )


def _jsonable(row: dict) -> dict:
    """Spreadsheet cells as JSON values (dates and times as ISO text, numbers as text)."""
    import datetime as dt
    from decimal import Decimal

    out = {}
    for key, value in row.items():
        if isinstance(value, dt.datetime | dt.date | dt.time):
            out[key] = value.isoformat()
        elif isinstance(value, Decimal):
            out[key] = str(value)
        else:
            out[key] = value
    return out


@allowed_to(POLICY, "import_file")
@require_http_methods(["GET", "POST"])
def import_preview(request, pk: int):
    batch = get_object_or_404(ImportBatch, pk=pk, uploaded_by=request.user)
    partial = bool(request.GET.get("partial") or request.POST.get("partial"))
    if request.method == "POST" and batch.status == ImportStatus.PREVIEWED:
        if request.POST.get("discard"):
            batch.status = ImportStatus.DISCARDED
            batch.save(update_fields=["status", "updated_at"])
            messages.info(request, _("Import discarded; nothing was written."))
            return redirect("billing:import_upload", kind=batch.kind)
        return _commit_import(request, batch, partial)
    result = _run_import(batch, request, dry_run=True, partial=partial)
    return render(request, "billing/import_preview.html", _preview_context(batch, result, partial))


def _preview_context(batch, result, partial):
    errors: dict[int, list[dict]] = {}
    for error in result.errors:
        errors.setdefault(error["row"], []).append(error)
    outcomes = dict(result.outcomes)
    preview = [
        {
            "number": number,
            "row": row,
            "outcome": outcomes.get(number, "error"),
            "errors": errors.get(number, []),
        }
        for row, number in batch.rows
    ]
    columns = list(BILL_COLUMNS if batch.kind == "bills" else PAYMENT_COLUMNS)
    return {
        "batch": batch,
        "result": result,
        "preview": preview[:1000],
        "more": max(0, len(preview) - 1000),
        "partial": partial,
        "columns": columns,
        "can_commit": batch.status == ImportStatus.PREVIEWED
        and (not result.errors or partial)
        and (result.created or result.updated),
    }


def _commit_import(request, batch, partial):
    try:
        result = _run_import(batch, request, dry_run=False, partial=partial)
    except IntegrityError:
        messages.error(request, CONFLICT)
        return redirect("billing:import_preview", pk=batch.pk)
    if not result.committed:
        messages.error(
            request,
            _("Nothing was imported: %(n)d rows have problems.")
            % {"n": len({e["row"] for e in result.errors})},
        )
        return render(
            request, "billing/import_preview.html", _preview_context(batch, result, partial)
        )
    batch.status = ImportStatus.COMMITTED
    batch.errors = result.errors
    batch.created_count, batch.updated_count = result.created, result.updated
    batch.unchanged_count = result.unchanged
    batch.committed_at = timezone.now()
    batch.save(
        update_fields=[
            "status",
            "errors",
            "created_count",
            "updated_count",
            "unchanged_count",
            "committed_at",
            "updated_at",
        ]
    )
    messages.success(
        request,
        _(
            "Imported: %(created)d new, %(updated)d updated, %(unchanged)d "
            "unchanged, %(skipped)d rows skipped."
        )
        % {
            "created": result.created,
            "updated": result.updated,
            "unchanged": result.unchanged,
            "skipped": len({e["row"] for e in result.errors}),
        },
    )
    return redirect("billing:import_upload", kind=batch.kind)


@allowed_to(POLICY, "import_file")
def import_template_download(request, kind: str, fmt: str):
    if kind not in ImportKind.values or fmt not in ("csv", "xlsx"):
        raise Http404
    return import_template(kind, fmt)
