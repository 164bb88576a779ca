from django.contrib import admin

from contracts.models.alternance import (
    Amendment,
    ApprenticeshipContract,
    ApprenticeshipMaster,
    CheckRun,
    Commitment,
    ContractDocument,
    ContractImport,
    ContractReminder,
    EmployerOpposition,
    Instalment,
    PayPeriod,
    Rupture,
)
from opco.admin import AuditedModelAdmin, ReadOnlyAdmin


class MasterInline(admin.TabularInline):
    model = ApprenticeshipMaster
    extra = 0
    can_delete = False

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request, obj=None):
        return False


class PayPeriodInline(MasterInline):
    model = PayPeriod


@admin.register(ApprenticeshipContract)
class ApprenticeshipContractAdmin(ReadOnlyAdmin):
    list_display = ["file_number", "status", "employer_name", "rncp", "level", "start_date", "decision_due_on", "assigned_to"]
    list_filter = ["status", "level", "implicit_refusal"]
    search_fields = ["file_number", "deca_number", "employer_siret", "employer_name", "rncp", "apprentice_last_name"]
    exclude = ["apprentice_nir"]  # never shown (security baseline)
    inlines = [MasterInline, PayPeriodInline]


@admin.register(Commitment)
class CommitmentAdmin(ReadOnlyAdmin):
    list_display = ["contract", "regime", "npec", "npec_source", "annual_amount", "financial_section", "created_at"]
    list_filter = ["regime", "npec_source", "financial_section"]


@admin.register(Instalment)
class InstalmentAdmin(ReadOnlyAdmin):
    list_display = ["commitment", "year", "kind", "due_date", "gross", "deduction", "net", "status", "origin"]
    list_filter = ["status", "kind", "origin"]
    date_hierarchy = "due_date"


@admin.register(EmployerOpposition)
class EmployerOppositionAdmin(AuditedModelAdmin):
    list_display = ["siret", "kind", "starts_on", "ends_on", "recorded_by"]
    list_filter = ["kind"]
    search_fields = ["siret", "reason"]


for model in (Amendment, Rupture, CheckRun, ContractDocument, ContractImport, ContractReminder):
    admin.site.register(model, ReadOnlyAdmin)


# --- Périodes de reconversion and the Pro-A stock (contracts.reconversion): written by the services ---
from contracts.models.reconversion import ProAAmendment, ReconversionPayment, ReconversionPeriod  # noqa: E402


@admin.register(ReconversionPeriod)
class ReconversionPeriodAdmin(ReadOnlyAdmin):
    list_display = ["file_number", "status", "kind", "employer_name", "target", "training_hours", "start_date"]
    list_filter = ["status", "kind", "target", "branch_agreement", "company_agreement"]
    search_fields = ["file_number", "employer_siret", "employer_name", "employee_last_name", "target_code", "provider_siret"]


@admin.register(ReconversionPayment)
class ReconversionPaymentAdmin(ReadOnlyAdmin):
    list_display = ["period", "kind", "due_date", "amount", "status"]
    list_filter = ["status", "kind"]
    search_fields = ["period__file_number"]


@admin.register(ProAAmendment)
class ProAAmendmentAdmin(ReadOnlyAdmin):
    """Recorded through the staff form (contracts.reconversion.pro_a_amendment_record), then read only."""

    list_display = ["file_number", "signed_on", "employer_name", "employee_last_name", "training_hours", "funding_amount"]
    search_fields = ["file_number", "deposit_reference", "employer_siret", "employee_last_name"]
