"""Raw payments data for administrators, read only: money moves through `payments.runs` and
`payments.services` (locks, four eyes, audit), never by hand. IBANs are shown masked."""

from django.contrib import admin

from opco.admin import ReadOnlyAdmin
from payments.models import (
    BankReturn,
    BeneficiaryAccount,
    BudgetMovement,
    Envelope,
    PayableLine,
    PaymentRun,
    RecoveryOrder,
    Transfer,
    TransferLine,
    mask_iban,
)


@admin.display(description="IBAN")
def masked_iban(obj) -> str:
    return mask_iban(obj.iban)


@admin.register(BeneficiaryAccount)
class BeneficiaryAccountAdmin(ReadOnlyAdmin):
    list_display = ["name", "identifier", "kind", masked_iban, "bic", "town", "blocked", "blocked_at"]
    list_filter = ["kind", "blocked"]
    search_fields = ["name", "identifier"]
    exclude = ["iban"]  # never shown whole (security baseline)
    readonly_fields = [masked_iban]


@admin.register(PayableLine)
class PayableLineAdmin(ReadOnlyAdmin):
    list_display = ["reference", "account", "amount", "due_date", "pay_by", "status", "run", "section"]
    list_filter = ["status", "section"]
    search_fields = ["reference", "label", "account__identifier", "account__name"]
    date_hierarchy = "due_date"
    list_select_related = ["account", "run"]


@admin.register(PaymentRun)
class PaymentRunAdmin(ReadOnlyAdmin):
    list_display = ["pk", "execution_date", "status", "line_count", "transfer_count", "total", "prepared_by", "approved_by"]
    list_filter = ["status"]
    date_hierarchy = "execution_date"
    list_select_related = ["prepared_by", "approved_by"]
    exclude = ["file"]  # downloaded from the run's page only: checked against its SHA-256 and audited


@admin.register(Transfer)
class TransferAdmin(ReadOnlyAdmin):
    list_display = ["end_to_end_id", "run", "name", masked_iban, "amount", "status"]
    list_filter = ["status"]
    search_fields = ["end_to_end_id", "name", "account__identifier"]
    exclude = ["iban"]
    readonly_fields = [masked_iban]
    list_select_related = ["run"]


@admin.register(TransferLine)
class TransferLineAdmin(ReadOnlyAdmin):
    list_display = ["transfer", "line", "amount"]
    search_fields = ["transfer__end_to_end_id", "line__reference"]
    list_select_related = ["transfer", "line"]


@admin.register(BankReturn)
class BankReturnAdmin(ReadOnlyAdmin):
    list_display = ["transfer", "reason_code", "reason", "source", "recorded_by", "recorded_at"]
    list_filter = ["source", "reason_code"]
    search_fields = ["transfer__end_to_end_id", "reason"]
    list_select_related = ["transfer", "recorded_by"]


@admin.register(RecoveryOrder)
class RecoveryOrderAdmin(ReadOnlyAdmin):
    list_display = ["number", "account", "amount", "issued_on", "status"]
    list_filter = ["status"]
    search_fields = ["number", "account__identifier", "account__name"]
    list_select_related = ["account"]


# Envelopes (section dotations L6332-3, branch quarters, conventions): amounts are entered on the budget
# screen (payments.budgets, audited with their history), the ledger only grows through envelope_commit;
# both are read only here.
@admin.register(Envelope)
class EnvelopeAdmin(ReadOnlyAdmin):
    list_display = [
        "year",
        "kind",
        "section",
        "branch",
        "quarter",
        "scope_key",
        "label",
        "amount",
        "source",
        "updated_by",
        "updated_at",
    ]
    list_filter = ["kind", "year", "section", "quarter"]
    search_fields = ["branch__name", "scope_key", "label"]
    list_select_related = ["branch", "updated_by"]


@admin.register(BudgetMovement)
class BudgetMovementAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "reference", "budget", "month", "amount", "overrun", "created_by"]
    list_filter = ["overrun", "budget__kind", "budget__section", "budget__year"]
    search_fields = ["reference", "label"]
    date_hierarchy = "month"
    list_select_related = ["budget", "budget__branch", "created_by"]
