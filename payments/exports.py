"""CSV exports of a payment run: the accounting export (one line per payable line of the run, with
its accounts) and the detailed statement of one transfer (what the CFA reads when the 140 characters
of the remittance text could not list every line). Both are audited and streamed, so that a run of
200 000 lines never sits in memory; no IBAN appears in either.
"""

from collections.abc import Iterator
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.http import StreamingHttpResponse

from opco import audit
from opco.lists import stream_csv
from payments.enums import TransferStatus
from payments.models import PaymentRun, Transfer, TransferLine

DEFAULT_EXPENSE_ACCOUNT = "6571"
DEBIT, CREDIT = "débit", "crédit"

ACCOUNTING_HEADER = [
    "Lot",
    "Date d'exécution",
    "Identifiant de bout en bout",
    "SIRET bénéficiaire",
    "Nom du bénéficiaire",
    "Compte de charge",
    "Compte tiers",
    "Référence de la ligne",
    "Libellé",
    "Montant",
    "Sens",
    "Échéance",
    "Statut du virement",
]
STATEMENT_HEADER = [
    "Virement",
    "Date d'exécution",
    "Bénéficiaire",
    "SIRET",
    "Référence",
    "Libellé",
    "Échéance",
    "Nature",
    "Montant",
]


def french_amount(amount: Decimal) -> str:
    """1234.5 → « 1234,50 »: a decimal comma French spreadsheets read as a number, no sign (the
    direction is a column of its own, so that no cell starts with « - »)."""
    return f"{abs(amount):.2f}".replace(".", ",")


def french_date(value: date | None) -> str:
    return value.strftime("%d/%m/%Y") if value else ""


def expense_account(section: str) -> str:
    return settings.PAYMENTS_EXPENSE_ACCOUNTS.get(section, DEFAULT_EXPENSE_ACCOUNT)


def supplier_account(identifier: str) -> str:
    return f"{settings.PAYMENTS_SUPPLIER_ACCOUNT_ROOT}{identifier}"


def accounting_rows(run: PaymentRun) -> Iterator[list]:
    """One row per payable line of the run, in the order of the file (transfer, then line): a
    positive line is a debit of the expense account, a negative one (trop-perçu netted) a credit."""
    statuses = dict(TransferStatus.choices)
    rows = (
        TransferLine.objects.filter(transfer__run=run)
        .order_by("transfer_id", "line_id")
        .values_list(
            "transfer__end_to_end_id",
            "transfer__account__identifier",
            "transfer__name",
            "line__section",
            "line__reference",
            "line__label",
            "amount",
            "line__due_date",
            "transfer__status",
        )
    )
    execution_date = french_date(run.execution_date)
    for e2e, identifier, name, section, reference, label, amount, due_date, status in rows.iterator(chunk_size=5000):
        yield [
            run.pk,
            execution_date,
            e2e,
            identifier,
            name,
            expense_account(section),
            supplier_account(identifier),
            reference,
            label,
            french_amount(amount),
            DEBIT if amount > 0 else CREDIT,
            french_date(due_date),
            statuses.get(status, status),
        ]


def accounting_export(*, actor, run: PaymentRun) -> StreamingHttpResponse:
    audit.record(
        actor=actor,
        action="payments.run.accounting_exported",
        target=run,
        summary=f"Export comptable du {run} ({run.line_count} ligne(s))",
    )
    return stream_csv(f"lot-{run.pk}-export-comptable.csv", ACCOUNTING_HEADER, accounting_rows(run))


def statement_rows(transfer: Transfer) -> Iterator[list]:
    """Every line of the transfer, then its total (the amount the CFA received)."""
    head = [transfer.end_to_end_id, french_date(transfer.run.execution_date), transfer.name, transfer.account.identifier]
    lines = (
        TransferLine.objects.filter(transfer=transfer)
        .order_by("line__due_date", "line_id")
        .values_list("line__reference", "line__label", "line__due_date", "amount")
    )
    for reference, label, due_date, amount in lines:
        nature = "paiement" if amount > 0 else "trop-perçu déduit"
        yield [*head, reference, label, french_date(due_date), nature, french_amount(amount)]
    yield [*head, "TOTAL", "Montant du virement", "", "", french_amount(transfer.amount)]


def statement_export(*, actor, transfer: Transfer) -> StreamingHttpResponse:
    audit.record(
        actor=actor,
        action="payments.transfer.statement_exported",
        target=transfer,
        summary=f"Relevé détaillé du virement {transfer.end_to_end_id}",
    )
    return stream_csv(f"releve-{transfer.end_to_end_id}.csv", STATEMENT_HEADER, statement_rows(transfer))
