"""Pages of the bill and payment imports: upload a file, preview what it would change, import
all of it or only the good rows, and download the templates."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from billing import import_batches
from billing.exports import import_template
from billing.forms import ImportForm
from billing.imports import MAX_FILE_BYTES, FileProblem
from billing.models import ImportBatch, ImportKind, ImportStatus
from billing.policy import POLICY
from billing.views import posted
from common.errors import TransitionNotAllowed
from common.middleware import body_limit
from common.policy import allowed_to

# --- imports ---------------------------------------------------------------------------------


@allowed_to(POLICY, "import_file")
@require_http_methods(["GET", "POST"])
@body_limit(MAX_FILE_BYTES + 1024 * 1024)
def import_upload(request, kind: str):
    if kind not in ImportKind.values:
        raise Http404
    form = ImportForm(posted(request), request.FILES if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            batch = import_batches.start_import(
                kind, form.cleaned_data["file"], acting_user=request.user
            )
        except FileProblem as exc:
            form.add_error("file", str(exc))
        else:
            url = reverse("billing:import_preview", args=[batch.pk])
            if form.cleaned_data["partial"]:
                url += "?partial=1"
            return redirect(url)
    recent = ImportBatch.objects.filter(kind=kind, uploaded_by=request.user).defer(
        "source", "rows", "outcomes", "errors"
    )[:10]
    return render(
        request,
        "billing/import_upload.html",
        {
            "form": form,
            "kind": kind,
            "kind_label": ImportKind(kind).label,
            "recent": recent,
            "columns": list(import_batches.columns_of(kind)),
        },
    )


def _own_batch(request, pk: int) -> ImportBatch:
    return get_object_or_404(ImportBatch.objects.defer("source"), pk=pk, uploaded_by=request.user)


@allowed_to(POLICY, "import_file")
@require_http_methods(["GET", "POST"])
def import_preview(request, pk: int):
    """A batch: its progress while a task checks or writes it, then what it would change (or
    changed), with every problem."""
    batch = _own_batch(request, pk)
    partial = bool(request.GET.get("partial") or request.POST.get("partial"))
    if request.method == "POST" and batch.status == ImportStatus.PREVIEWED:
        if request.POST.get("discard"):
            import_batches.discard_import(batch, acting_user=request.user)
            messages.info(request, _("Import discarded; nothing was written."))
            return redirect("billing:import_upload", kind=batch.kind)
        return _commit_import(request, batch, partial)
    return render(
        request,
        "billing/import_preview.html",
        _preview_context(batch, import_batches.result_of(batch), partial),
    )


@allowed_to(POLICY, "import_file")
@require_GET
def import_progress(request, pk: int):
    """The progress of a batch (an htmx fragment polled while a task checks or writes it).
    When a polled batch is done, the page reloads to show its result."""
    batch = _own_batch(request, pk)
    response = render(
        request,
        "billing/partials/import_progress.html",
        {"batch": batch, "result": import_batches.result_of(batch)},
    )
    if request.headers.get("HX-Request") and not batch.is_active:
        response["HX-Refresh"] = "true"
    return response


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
    shown = {number for _row, number in batch.rows}
    return {
        "batch": batch,
        "result": result,
        "preview": preview,
        "more": max(0, batch.rows_total - len(preview)),
        # Problems of rows beyond the preview's table.
        "other_errors": [e for e in result.errors if e["row"] not in shown][:1000],
        "partial": partial,
        "columns": list(import_batches.columns_of(batch.kind)),
        "can_commit": batch.status == ImportStatus.PREVIEWED
        and (not result.errors or partial)
        and (result.created or result.updated),
    }


def _commit_import(request, batch, partial):
    result = import_batches.result_of(batch)
    if result.errors and not partial:
        messages.error(
            request,
            _("Nothing was imported: %(n)d rows have problems.")
            % {"n": len({e["row"] for e in result.errors})},
        )
        return render(
            request, "billing/import_preview.html", _preview_context(batch, result, partial)
        )
    try:
        batch = import_batches.commit_import(batch, partial=partial, acting_user=request.user)
    except TransitionNotAllowed as exc:
        messages.error(request, exc.message)
        return redirect("billing:import_preview", pk=batch.pk)
    if batch.is_active:
        return redirect("billing:import_preview", pk=batch.pk)
    if batch.status != ImportStatus.COMMITTED:
        messages.error(request, batch.failure)
        return render(
            request,
            "billing/import_preview.html",
            _preview_context(batch, import_batches.result_of(batch), partial),
        )
    messages.success(request, _imported_message(batch))
    return redirect("billing:import_upload", kind=batch.kind)


def _imported_message(batch) -> str:
    return _(
        "Imported: %(created)d new, %(updated)d updated, %(unchanged)d "
        "unchanged, %(skipped)d rows skipped."
    ) % {
        "created": batch.created_count,
        "updated": batch.updated_count,
        "unchanged": batch.unchanged_count,
        "skipped": len({e["row"] for e in batch.errors}),
    }


@allowed_to(POLICY, "import_file")
def import_template_download(request, kind: str, fmt: str):
    if kind not in ImportKind.values or fmt not in ("csv", "xlsx"):
        raise Http404
    return import_template(kind, fmt)
