"""Admin of the grid: the tree with the population flag, the import upload and export, workers."""

from __future__ import annotations

import datetime as dt
import io

from django import forms
from django.contrib import admin, messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from governance.admin import GridAdmin as BaseGridAdmin
from governance.admin import ReadOnlyAdmin
from governance.choices import GridLevel
from governance.counting import CappedPaginator
from governance.errors import ApplicationError
from governance.models import Grid
from governance.parsing import db_id
from governance.text import FreeTextField
from grid.choices import WorkerKind
from grid.exporting import grids_export_csv
from grid.importing import ImportRejected, grids_import
from grid.models import (
    CollectedItem,
    CollectedItemChange,
    GridAssignment,
    GridLeader,
    GridReport,
    KeyPerson,
    KeyPersonGroup,
    KeyPersonView,
    Patrol,
)
from grid.services import keypersons as keypersons_svc
from grid.services.wartime import wartime_activation_for_reinforcement
from intake.validators import validate_attachment

MAX_IMPORT_BYTES = 20 * 1024 * 1024


class PopulationFilter(admin.SimpleListFilter):
    title = _("单元网格人口")
    parameter_name = "population"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        return [("out", _("不在 500–1000 人之间")), ("missing", _("未填人口"))]

    def queryset(self, request: HttpRequest, queryset):  # type: ignore[no-untyped-def]
        units = queryset.filter(level=GridLevel.UNIT)
        if self.value() == "out":
            return units.exclude(population__isnull=True).exclude(population__range=(500, 1000))
        if self.value() == "missing":
            return units.filter(population__isnull=True)
        return queryset


class GridImportForm(forms.Form):
    file = forms.FileField(label=_("网格文件（CSV 或 .xlsx）"))
    boundaries = forms.FileField(label=_("边界 GeoJSON（可选）"), required=False)
    dry_run = forms.BooleanField(label=_("只校验，不写入"), required=False)


admin.site.unregister(Grid)


@admin.register(Grid)
class GridAdmin(BaseGridAdmin):
    list_display = ("code", "name", "level", "parent", "population", "households", "population_flag", "active")
    list_filter = ("level", PopulationFilter, "active")
    list_select_related = ("parent",)
    change_list_template = "grid/admin/grid_changelist.html"

    @admin.display(description=_("人口提示"))
    def population_flag(self, grid: Grid) -> str:
        return str(_("⚠ 超出 500–1000 人")) if grid.population_out_of_range else ""

    def get_urls(self):  # type: ignore[no-untyped-def]
        extra = [
            path("import/", self.admin_site.admin_view(self.import_view), name="governance_grid_import"),
            path("export/", self.admin_site.admin_view(self.export_view), name="governance_grid_export"),
        ]
        return extra + super().get_urls()

    def import_view(self, request: HttpRequest) -> HttpResponse:
        if not self.has_add_permission(request) or not self.has_change_permission(request):
            return redirect("admin:index")
        form = GridImportForm(request.POST or None, request.FILES or None)
        errors: list[str] = []
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            boundaries = form.cleaned_data.get("boundaries")
            try:
                if not upload.name.lower().endswith(".csv"):
                    validate_attachment(upload, field="file")  # .xlsx through the one validator
                if upload.size > MAX_IMPORT_BYTES:
                    raise ImportRejected([str(_("文件超过 20 MB。"))])
                result = grids_import(data=upload.read(), filename=upload.name,
                                      boundaries_data=boundaries.read() if boundaries else None,
                                      dry_run=form.cleaned_data["dry_run"])
            except ImportRejected as rejected:
                errors = rejected.errors
            except ApplicationError as error:
                errors = [error.message]
            else:
                verb = _("校验通过（未写入）") if result.dry_run else _("导入完成")
                messages.success(request, f"{verb}：新增 {result.created}，更新 {result.updated}，"
                                          f"未变 {result.unchanged}，生成编码 {result.codes_generated}。")
                return redirect("admin:governance_grid_changelist")
        context = {**self.admin_site.each_context(request), "form": form, "errors": errors,
                   "opts": self.model._meta, "title": _("导入网格")}
        return render(request, "grid/admin/grid_import.html", context)

    def export_view(self, request: HttpRequest) -> HttpResponse:
        if not self.has_view_permission(request):
            return redirect("admin:index")
        out = io.StringIO()
        grids_export_csv(out)
        response = HttpResponse("\ufeff" + out.getvalue(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="grids.csv"'
        return response


class GridAssignmentForm(forms.ModelForm):
    class Meta:
        model = GridAssignment
        fields = ("grid", "worker", "kind", "department", "starts_on", "ends_on", "note", "wartime_only")
        field_classes = {"note": FreeTextField}

    def clean(self) -> dict:
        data = super().clean()
        if data.get("kind") == WorkerKind.REINFORCEMENT and not (self.instance.pk and self.instance.activation_id):
            # A reinforcement belongs to the wartime in force; it is released when that ends.
            try:
                data["activation"] = wartime_activation_for_reinforcement()
            except ApplicationError as error:
                raise forms.ValidationError(error.message) from None
            if data.get("department") is None:
                self.add_error("department", _("增援力量须填写派出部门。"))
        return data


@admin.register(GridAssignment)
class GridAssignmentAdmin(admin.ModelAdmin):
    form = GridAssignmentForm
    list_display = ("grid", "worker", "kind", "department", "starts_on", "ends_on", "activation")
    list_select_related = ("grid", "worker", "department", "activation")
    list_filter = ("kind",)
    search_fields = ("grid__code", "grid__name", "worker__username", "worker__first_name")
    raw_id_fields = ("grid", "worker", "department", "created_by")
    readonly_fields = ("created_by", "created_at", "activation")

    def save_model(self, request: HttpRequest, obj: GridAssignment, form: forms.Form, change: bool) -> None:
        if not change:
            obj.created_by = request.user
        if form.cleaned_data.get("activation") is not None and obj.activation_id is None:
            obj.activation = form.cleaned_data["activation"]
        super().save_model(request, obj, form, change)


@admin.register(GridLeader)
class GridLeaderAdmin(admin.ModelAdmin):
    list_display = ("grid", "role", "name", "user", "phone")
    list_select_related = ("grid", "user")
    list_filter = ("role",)
    search_fields = ("grid__code", "grid__name", "name")
    raw_id_fields = ("grid", "user")


@admin.register(Patrol)
class PatrolAdmin(admin.ModelAdmin):
    show_full_result_count = False  # a list of millions: counted up to a cap
    paginator = CappedPaginator
    list_display = ("grid", "worker", "status", "started_at", "finished_at")
    list_filter = ("status",)
    raw_id_fields = ("grid", "worker")
    readonly_fields = ("client_key",)


class ChangeInline(admin.TabularInline):
    model = CollectedItemChange
    extra = 0
    can_delete = False
    readonly_fields = ("actor", "changes", "changed_at", "patrol")

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(CollectedItem)
class CollectedItemAdmin(admin.ModelAdmin):
    list_display = ("grid", "kind", "name", "households", "residents", "updated_at")
    list_filter = ("kind",)
    search_fields = ("name", "grid__name")
    raw_id_fields = ("grid", "patrol", "created_by")
    inlines = [ChangeInline]


@admin.register(GridReport)
class GridReportAdmin(admin.ModelAdmin):
    show_full_result_count = False  # a list of millions: counted up to a cap
    paginator = CappedPaginator
    list_display = ("case", "grid", "reporter", "reported_at")
    raw_id_fields = ("case", "grid", "patrol", "reporter")
    readonly_fields = ("client_key",)


@admin.register(KeyPersonGroup)
class KeyPersonGroupAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "active")


@admin.register(KeyPerson)
class KeyPersonAdmin(admin.ModelAdmin):
    """Django's model permissions decide who sees it here too; opening a person is recorded."""

    list_display = ("name", "group", "grid", "risk_level", "responsible")
    list_select_related = ("group", "grid", "responsible")
    list_filter = ("group", "risk_level")
    search_fields = ("name",)
    raw_id_fields = ("grid", "responsible")
    exclude = ("id_number",)

    def save_model(self, request: HttpRequest, obj: KeyPerson, form: forms.Form, change: bool) -> None:
        super().save_model(request, obj, form, change)
        if not change:  # the first visit, on the deadline engine; each visit done schedules the next
            keypersons_svc.keyperson_follow_up_schedule(
                person=obj, due_at=timezone.now() + dt.timedelta(days=obj.follow_up_every_days))

    def change_view(self, request: HttpRequest, object_id: str, form_url: str = "",
                    extra_context: dict | None = None) -> HttpResponse:
        person = KeyPerson.objects.filter(pk=db_id(object_id)).first() if db_id(object_id) else None
        if person is not None and keypersons_svc.keyperson_may_view(request.user):
            keypersons_svc.keypersons_view(actor=request.user, people=[person], context="admin")
        return super().change_view(request, object_id, form_url, extra_context)

    def changelist_view(self, request: HttpRequest, extra_context: dict | None = None) -> HttpResponse:
        """The list shows names too: the people on the page shown are recorded like the ledger's list."""
        response = super().changelist_view(request, extra_context)
        changelist = getattr(response, "context_data", None) and response.context_data.get("cl")
        if changelist is not None and keypersons_svc.keyperson_may_view(request.user):
            keypersons_svc.keypersons_view(actor=request.user, people=list(changelist.result_list),
                                           context="admin-list")
        return response


@admin.register(KeyPersonView)
class KeyPersonViewAdmin(ReadOnlyAdmin):
    list_display = ("viewed_at", "viewer", "person", "context")
    list_filter = ("context",)
