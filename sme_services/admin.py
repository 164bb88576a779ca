from django.contrib import admin

from opco.admin import AuditedModelAdmin
from sme_services.models import (
    AdvisorTeam,
    AfestProject,
    AssignmentRule,
    Campaign,
    Diagnostic,
    FoadAction,
    Interaction,
    Need,
    PortfolioChange,
    PortfolioCompany,
    Questionnaire,
)


@admin.register(PortfolioCompany)
class PortfolioCompanyAdmin(AuditedModelAdmin):
    list_display = ["company", "advisor", "since", "rule"]
    list_filter = ["advisor"]
    autocomplete_fields = ["company", "advisor"]


@admin.register(AdvisorTeam)
class AdvisorTeamAdmin(AuditedModelAdmin):
    list_display = ["name", "manager"]
    filter_horizontal = ["members"]


@admin.register(Need)
class NeedAdmin(AuditedModelAdmin):
    list_display = ["file_number", "company", "subject", "status", "received_on", "assigned_to"]
    list_filter = ["status", "subject", "channel"]
    search_fields = ["file_number", "company__name", "company__siret"]
    raw_id_fields = ["company", "assigned_to", "decided_by", "campaign"]


for model in (AssignmentRule, PortfolioChange, Campaign, Interaction, Diagnostic, Questionnaire, AfestProject, FoadAction):
    admin.site.register(model, AuditedModelAdmin)
