"""The accounting export of a run (one line per payable line, with its accounts) and the detailed
statement of a transfer, on a run built the whole way: an accepted contract, the CFA's invoice, a
trop-perçu netted against the same CFA, and another CFA's lines in other financial sections."""

import csv
import io
from datetime import date
from decimal import Decimal

import pytest
import time_machine
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse
from schwifty import IBAN

from contracts.alternance.cfa_documents import cfa_document_receive
from contracts.models import Instalment
from opco.models import AuditEntry
from payments.enums import RunStatus
from payments.exports import expense_account, french_amount, supplier_account
from payments.models import BeneficiaryAccount, PayableLine, PaymentRun, Transfer
from payments.runs import payment_run_approve, payment_run_execute, payment_run_prepare, transfer_return
from tests.contracts.factories import CFA_SIRET
from tests.referentials.factories import valid_siret

pytestmark = pytest.mark.django_db

SOUTH_SIRET = valid_siret(4242)


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def extra_line(account, amount: str, *, source_id: int, due: date, reference: str, label: str, section: str) -> PayableLine:
    """A line handed over by another mission (its source is not a contract's instalment)."""
    return PayableLine.objects.create(
        account=account,
        source_type=ContentType.objects.get_for_model(Instalment),
        source_id=source_id,
        amount=Decimal(amount),
        due_date=due,
        reference=reference,
        label=label,
        section=section,
    )


@pytest.fixture
def executed(accept, staff, finance, finance2):
    """Executed on 16/09/2025: transfer 1 to the contract's CFA (its advance, 2 188 €, minus a
    trop-perçu of 150 €), transfer 2 to another CFA (300 € plan < 50, 200 € with no section)."""
    with time_machine.travel(date(2025, 9, 15), tick=False):
        contract = accept()
        advance = contract.commitment.instalments.get(year=1, kind="advance")
        cfa_document_receive(
            actor=staff,
            contract_reference=contract.file_number,
            kind="facture_annuelle",
            year=1,
            cfa_siret=CFA_SIRET,
            number="F-2025-001",
            amount=advance.net,
        )
        cfa = BeneficiaryAccount.objects.get(identifier=CFA_SIRET)
        extra_line(
            cfa,
            "-150.00",
            source_id=900_001,
            due=date(2025, 9, 10),
            reference="TP-2025-07",
            label="Trop-perçu sur le contrat AP2024",
            section="alternance",
        )
        south = BeneficiaryAccount.objects.create(
            kind="cfa",
            identifier=SOUTH_SIRET,
            name="CFA du Sud-Ouest",
            street="allées Jean Jaurès",
            building_number="5",
            postal_code="31000",
            town="Toulouse",
            iban=IBAN.generate("FR", bank_code="10107", account_code="00000004242").compact,
        )
        extra_line(
            south,
            "300.00",
            source_id=900_002,
            due=date(2025, 9, 12),
            reference="PDC-12",
            label="Plan de développement des compétences",
            section="plan_moins_50",
        )
        extra_line(south, "200.00", source_id=900_003, due=date(2025, 9, 12), reference="DIV-3", label="=cmd|calc", section="")
        run = payment_run_prepare(actor=finance, execution_date=date(2025, 9, 16)).run
        payment_run_approve(actor=finance2, run_id=run.pk)
        run = payment_run_execute(run_id=run.pk)
    assert run.status == RunStatus.FILE_READY, run.error
    assert (run.line_count, run.transfer_count, run.total) == (4, 2, Decimal("2538.00"))
    return contract, run


def rows_of(response) -> list[list[str]]:
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:]), delimiter=";"))


def test_the_accounting_export_has_one_exact_line_per_payable_line(client, staff, executed):
    contract, run = executed
    number = contract.file_number
    client.force_login(staff)

    response = client.get(reverse("payments:run_accounting_export", args=[run.pk]))

    assert response["Content-Disposition"] == f'attachment; filename="lot-{run.pk}-export-comptable.csv"'
    lot = str(run.pk)
    assert rows_of(response) == [
        [
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
        ],
        [
            lot,
            "16/09/2025",
            f"OPCO-{run.pk}-1",
            "44492238900036",
            "CFA des Métiers de Bouche",
            "6571",
            "40144492238900036",
            f"{number} LD A1 AVANCE",
            f"Contrat {number} – LD – année 1 – avance",
            "2188,00",
            "débit",
            "15/09/2025",
            "Dans le lot",
        ],
        [
            lot,
            "16/09/2025",
            f"OPCO-{run.pk}-1",
            "44492238900036",
            "CFA des Métiers de Bouche",
            "6571",
            "40144492238900036",
            "TP-2025-07",
            "Trop-perçu sur le contrat AP2024",
            "150,00",
            "crédit",
            "10/09/2025",
            "Dans le lot",
        ],
        [
            lot,
            "16/09/2025",
            f"OPCO-{run.pk}-2",
            SOUTH_SIRET,
            "CFA du Sud-Ouest",
            "6572",
            f"401{SOUTH_SIRET}",
            "PDC-12",
            "Plan de développement des compétences",
            "300,00",
            "débit",
            "12/09/2025",
            "Dans le lot",
        ],
        [
            lot,
            "16/09/2025",
            f"OPCO-{run.pk}-2",
            SOUTH_SIRET,
            "CFA du Sud-Ouest",
            "6571",  # no section: the default expense account
            f"401{SOUTH_SIRET}",
            "DIV-3",
            "'=cmd|calc",  # a label a spreadsheet would run is neutralised
            "200,00",
            "débit",
            "12/09/2025",
            "Dans le lot",
        ],
    ]
    # The debits less the credits are the run's total, and the file's control sum.
    signed = sum(
        Decimal(row[9].replace(",", ".")) * (1 if row[10] == "débit" else -1)
        for row in rows_of(client.get(reverse("payments:run_accounting_export", args=[run.pk])))[1:]
    )
    assert signed == run.total == run.control_sum
    assert list(
        AuditEntry.objects.filter(action="payments.run.accounting_exported").values_list("actor", "target_id", "summary")
    ) == [
        (staff.pk, str(run.pk), f"Export comptable du Lot n° {run.pk} du 16/09/2025 (4 ligne(s))"),
        (staff.pk, str(run.pk), f"Export comptable du Lot n° {run.pk} du 16/09/2025 (4 ligne(s))"),
    ]


def test_a_returned_transfer_shows_in_the_accounting_export(client, finance, executed):
    _, run = executed
    second = Transfer.objects.get(run=run, end_to_end_id=f"OPCO-{run.pk}-2")
    transfer_return(actor=finance, transfer_id=second.pk, reason_code="AC01", reason="IBAN incorrect")
    client.force_login(finance)
    rows = rows_of(client.get(reverse("payments:run_accounting_export", args=[run.pk])))
    assert [(row[2], row[12]) for row in rows[1:]] == [
        (f"OPCO-{run.pk}-1", "Dans le lot"),
        (f"OPCO-{run.pk}-1", "Dans le lot"),
        (f"OPCO-{run.pk}-2", "Rejeté"),
        (f"OPCO-{run.pk}-2", "Rejeté"),
    ]


def test_the_detailed_statement_lists_every_line_and_the_total(client, staff, executed):
    contract, run = executed
    number = contract.file_number
    first = Transfer.objects.get(run=run, end_to_end_id=f"OPCO-{run.pk}-1")
    assert first.amount == Decimal("2038.00")
    client.force_login(staff)

    response = client.get(reverse("payments:transfer_statement", args=[first.pk]))

    assert response["Content-Disposition"] == f'attachment; filename="releve-OPCO-{run.pk}-1.csv"'
    head = [f"OPCO-{run.pk}-1", "16/09/2025", "CFA des Métiers de Bouche", "44492238900036"]
    assert rows_of(response) == [
        ["Virement", "Date d'exécution", "Bénéficiaire", "SIRET", "Référence", "Libellé", "Échéance", "Nature", "Montant"],
        [*head, "TP-2025-07", "Trop-perçu sur le contrat AP2024", "10/09/2025", "trop-perçu déduit", "150,00"],
        [*head, f"{number} LD A1 AVANCE", f"Contrat {number} – LD – année 1 – avance", "15/09/2025", "paiement", "2188,00"],
        [*head, "TOTAL", "Montant du virement", "", "", "2038,00"],
    ]
    assert list(
        AuditEntry.objects.filter(action="payments.transfer.statement_exported").values_list("actor", "target_id", "summary")
    ) == [(staff.pk, str(first.pk), f"Relevé détaillé du virement OPCO-{run.pk}-1")]


def test_the_exports_of_a_prepared_run_already_list_its_lines(client, finance, accept, staff):
    """Before execution the export shows what the run will pay (the accounting may prepare it)."""
    with time_machine.travel(date(2025, 9, 15), tick=False):
        contract = accept()
        advance = contract.commitment.instalments.get(year=1, kind="advance")
        cfa_document_receive(
            actor=staff,
            contract_reference=contract.file_number,
            kind="facture_annuelle",
            year=1,
            cfa_siret=CFA_SIRET,
            number="F-2025-002",
            amount=advance.net,
        )
        run = payment_run_prepare(actor=finance, execution_date=date(2025, 9, 16)).run
    client.force_login(finance)
    rows = rows_of(client.get(reverse("payments:run_accounting_export", args=[run.pk])))
    assert [(row[0], row[2], row[9], row[10]) for row in rows[1:]] == [(str(run.pk), f"OPCO-{run.pk}-1", "2188,00", "débit")]
    assert PaymentRun.objects.get(pk=run.pk).status == RunStatus.PREPARED


def test_accounts_and_amounts_helpers(settings):
    settings.PAYMENTS_SUPPLIER_ACCOUNT_ROOT = "4011"
    assert [expense_account(section) for section in ("alternance", "plan_moins_50", "reconversion", "", "autre")] == [
        "6571",
        "6572",
        "6573",
        "6571",
        "6571",
    ]
    assert supplier_account(CFA_SIRET) == "401144492238900036"
    assert [french_amount(Decimal(value)) for value in ("1234.5", "-0.07", "1000000")] == ["1234,50", "0,07", "1000000,00"]
