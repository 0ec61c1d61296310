"""The official calendar in the admin (years with their days, and the import of a year's file),
and the task outbox to look at (what waits for the broker)."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.contrib import admin, messages
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.forms.models import BaseInlineFormSet
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from common.admin_access import ReadOnlyAdmin, SuperuserOnlyAdmin
from common.calendar_import import FileProblem, as_days, read_calendar_file
from common.models import CalendarDay, CalendarYear, OutboxTask
from common.official_calendar import (
    MAX_YEAR,
    MIN_YEAR,
    calendar_year_saved,
    check_days,
    replace_calendar_year,
)

IMPORT_SALT = "common.calendar_import"


class CalendarDayFormSet(BaseInlineFormSet):
    def clean(self):
        super().clean()
        year = getattr(self.instance, "year", None)
        if not year:
            return
        forms_kept = [
            form
            for form in self.forms
            if form.cleaned_data
            and not form.cleaned_data.get("DELETE")
            and form.cleaned_data.get("date")
        ]
        days = [
            {"date": f.cleaned_data["date"], "kind": f.cleaned_data["kind"]} for f in forms_kept
        ]
        problems = check_days(year, days)
        for problem in problems:
            forms_kept[problem.index].add_error("date", problem.message)
        if problems:
            raise ValidationError(_("Correct the days marked below."))


class CalendarDayInline(admin.TabularInline):
    model = CalendarDay
    formset = CalendarDayFormSet
    extra = 0
    fields = ["date", "kind", "name"]


@admin.register(CalendarYear)
class CalendarYearAdmin(SuperuserOnlyAdmin):
    """One year of public holidays and make-up working days, from the State Council notice.

    Only administrators (superusers) change it; saving a complete year recomputes the
    provisional deadlines that depended on it.
    """

    list_display = ["year", "complete", "source", "entered_by", "entered_at"]
    list_filter = ["complete"]
    search_fields = ["source"]
    readonly_fields = ["entered_by", "entered_at", "updated_at"]
    fields = ["year", "source", "complete", "entered_by", "entered_at", "updated_at"]
    inlines = [CalendarDayInline]
    change_list_template = "admin/common/calendaryear/change_list.html"

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        calendar_year_saved(form.instance, acting_user=request.user)

    def get_urls(self):
        return [
            path(
                "import/",
                self.admin_site.admin_view(self.import_view),
                name="common_calendaryear_import",
            ),
            *super().get_urls(),
        ]

    def import_view(self, request):
        if not request.user.is_superuser:
            raise PermissionDenied
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Import an official calendar year"),
        }
        if request.method == "POST" and request.POST.get("payload"):
            return self._confirm_import(request, context)
        form = CalendarImportForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            year, source = form.cleaned_data["year"], form.cleaned_data["source"]
            try:
                rows = read_calendar_file(form.cleaned_data["file"], year)
            except FileProblem as exc:
                form.add_error("file", str(exc))
            else:
                context.update(year=year, source=source, rows=rows)
                context["errors"] = sum(len(r.errors) for r in rows)
                if not context["errors"]:
                    context["payload"] = signing.dumps(
                        {
                            "year": year,
                            "source": source,
                            "days": [
                                [d["date"].isoformat(), d["kind"], d["name"]] for d in as_days(rows)
                            ],
                        },
                        salt=IMPORT_SALT,
                    )
                return TemplateResponse(
                    request, "admin/common/calendaryear/import_preview.html", context
                )
        context["form"] = form
        return TemplateResponse(request, "admin/common/calendaryear/import.html", context)

    def _confirm_import(self, request, context):
        try:
            data = signing.loads(request.POST["payload"], salt=IMPORT_SALT, max_age=3600)
        except signing.BadSignature:
            messages.error(request, _("The preview expired; upload the file again."))
            return redirect("admin:common_calendaryear_import")
        days = [
            {"date": dt.date.fromisoformat(day), "kind": kind, "name": name}
            for day, kind, name in data["days"]
        ]
        try:
            row = replace_calendar_year(
                year=data["year"], source=data["source"], days=days, acting_user=request.user
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return redirect("admin:common_calendaryear_import")
        messages.success(
            request,
            _("The official calendar of %(year)s is entered (%(n)d days).")
            % {"year": row.year, "n": len(days)},
        )
        return redirect(reverse("admin:common_calendaryear_change", args=[row.pk]))


class CalendarImportForm(forms.Form):
    year = forms.IntegerField(label=gettext_lazy("year"), min_value=MIN_YEAR, max_value=MAX_YEAR)
    source = forms.CharField(
        label=gettext_lazy("source"),
        max_length=500,
        help_text=gettext_lazy("The State Council notice: title, number, date and address."),
    )
    file = forms.FileField(
        label=gettext_lazy("file"),
        help_text=gettext_lazy(
            "A .csv or .xlsx file with the columns date (日期), kind (类型: holiday/休 or "
            "workday/班) and name (名称)."
        ),
    )


class CalendarDayForm(forms.ModelForm):
    class Meta:
        model = CalendarDay
        fields = ["calendar_year", "date", "kind", "name"]

    def clean(self):
        data = super().clean()
        row, day, kind = data.get("calendar_year"), data.get("date"), data.get("kind")
        if row is not None and day is not None and kind:
            for problem in check_days(row.year, [{"date": day, "kind": kind}]):
                self.add_error("date", problem.message)
        return data


@admin.register(CalendarDay)
class CalendarDayAdmin(SuperuserOnlyAdmin):
    """Single days across the years (a year's days are edited together on the year's page)."""

    form = CalendarDayForm
    list_display = ["date", "kind", "name", "calendar_year"]
    list_filter = ["kind", "calendar_year"]
    search_fields = ["name"]
    date_hierarchy = "date"

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        calendar_year_saved(obj.calendar_year, acting_user=request.user)


@admin.register(OutboxTask)
class OutboxTaskAdmin(ReadOnlyAdmin):
    """Read-only: rows are written with the change they belong to and published by the
    worker's outbox job (common.outbox); an unpublished row with an error waits for the broker."""

    list_display = ["id", "task", "created_at", "published_at", "attempts", "last_error"]
    list_filter = [("published_at", admin.EmptyFieldListFilter), "task"]
    search_fields = ["task", "last_error"]
    date_hierarchy = "created_at"
