from django.contrib import admin

from opco.admin import AuditedModelAdmin
from referentials.models import (
    Certification,
    Company,
    Idcc,
    LegalParameter,
    Naf,
    PublicHoliday,
    ReferentialLoad,
    TrainingProvider,
)


@admin.register(Idcc)
class IdccAdmin(AuditedModelAdmin):
    list_display = ["code", "title", "nature", "opco_name"]
    list_filter = ["opco_name", "nature"]
    search_fields = ["code", "title", "official_title"]


@admin.register(Naf)
class NafAdmin(AuditedModelAdmin):
    list_display = ["code", "label", "section"]
    list_filter = ["section"]
    search_fields = ["code", "label"]


@admin.register(Certification)
class CertificationAdmin(AuditedModelAdmin):
    list_display = ["rncp", "code_diplome", "level", "title", "open_to_apprenticeship", "expires_on", "active"]
    list_filter = ["level", "open_to_apprenticeship", "active", "abbreviation"]
    search_fields = ["rncp", "code_diplome", "title"]


@admin.register(TrainingProvider)
class TrainingProviderAdmin(AuditedModelAdmin):
    list_display = ["siret", "uai", "name", "city", "region", "qualiopi"]
    list_filter = ["qualiopi", "nature", "region"]
    search_fields = ["siret", "uai", "name", "trade_name"]


@admin.register(Company)
class CompanyAdmin(AuditedModelAdmin):
    list_display = ["siret", "name", "naf", "idcc", "headcount", "city"]
    search_fields = ["siret", "siren", "name"]
    autocomplete_fields = ["naf", "idcc"]


@admin.register(PublicHoliday)
class PublicHolidayAdmin(AuditedModelAdmin):
    list_display = ["date", "name", "zone"]
    list_filter = ["zone"]
    date_hierarchy = "date"


@admin.register(LegalParameter)
class LegalParameterAdmin(AuditedModelAdmin):
    list_display = ["key", "label", "value", "unit", "valid_from", "source"]
    list_filter = ["key"]


@admin.register(ReferentialLoad)
class ReferentialLoadAdmin(AuditedModelAdmin):
    list_display = ["id", "status", "requested_by", "requested_at", "finished_at"]
    list_filter = ["status"]
    readonly_fields = [f.name for f in ReferentialLoad._meta.fields]
