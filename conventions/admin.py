"""Raw data of the conventions for administrators, read-only: every change goes through the services
(versions, envelopes, audit)."""

from django.contrib import admin

from conventions.models import Convention, ConventionVersion, FunderReport, TransparencySnapshot, YearlyStatement


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Convention)
class ConventionAdmin(ReadOnlyAdmin):
    list_display = ["number", "title", "kind", "funder", "starts_on", "ends_on", "status", "version"]
    list_filter = ["kind", "status"]
    search_fields = ["number", "title", "funder"]


@admin.register(ConventionVersion)
class ConventionVersionAdmin(ReadOnlyAdmin):
    list_display = ["convention", "number", "label", "signed_on"]


@admin.register(FunderReport)
class FunderReportAdmin(ReadOnlyAdmin):
    list_display = ["convention", "period_start", "period_end", "status"]


@admin.register(TransparencySnapshot)
class TransparencySnapshotAdmin(ReadOnlyAdmin):
    list_display = ["built_at", "reason"]


@admin.register(YearlyStatement)
class YearlyStatementAdmin(ReadOnlyAdmin):
    list_display = ["year", "status", "computed_at", "locked_at"]
