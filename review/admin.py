from django.contrib import admin

from governance.admin import ReadOnlyAdmin
from review.models import AssessmentScheme, AssessmentVersion, WorkReport


@admin.register(AssessmentScheme)
class AssessmentSchemeAdmin(admin.ModelAdmin):
    list_display = ("year", "center", "weight_response", "weight_resolution", "weight_satisfaction", "updated_at")
    list_filter = ("center", "year")


@admin.register(AssessmentVersion)
class AssessmentVersionAdmin(ReadOnlyAdmin):
    """Published versions are history: read-only here; publish from the assessment page."""

    list_display = ("year", "month", "version", "center", "published_by", "published_at", "reason")
    list_filter = ("center", "year")


@admin.register(WorkReport)
class WorkReportAdmin(admin.ModelAdmin):
    list_display = ("year", "month", "center", "status", "export_status", "exported_at")
    list_filter = ("center", "status")
    readonly_fields = ("export_status", "export_progress", "export_token", "export_error", "pdf", "xlsx",
                       "exported_at")
