from django.contrib import admin

from opco.admin import AuditedModelAdmin
from sme_services.models import PortfolioCompany


@admin.register(PortfolioCompany)
class PortfolioCompanyAdmin(AuditedModelAdmin):
    list_display = ["company", "advisor", "since"]
    list_filter = ["advisor"]
    autocomplete_fields = ["company", "advisor"]
