"""One beneficiary account whose bank details the SEPA file refuses (a wrong French clé RIB) never fails a
whole payment run: prepare flags it and holds back only its lines; an account that still fails the file
at execution is taken out of it, its lines go back to « à payer » and it is flagged, and the rest of
the run is paid. The money invariants hold: the control sum is the sum of the transfers, each line is in
at most one transfer, nothing is paid twice."""

from datetime import date
from decimal import Decimal

import pytest
import time_machine
from django.db.models import Sum
from django.urls import reverse
from lxml import etree
from schwifty import IBAN

from contracts.alternance.cfa_documents import cfa_document_receive
from opco.models import AuditEntry
from payments import sepa
from payments.enums import LineStatus, RunStatus, ScheduleStatus
from payments.models import BeneficiaryAccount, PayableLine, PaymentRun, Transfer, TransferLine
from payments.runs import payment_run_approve, payment_run_cancel, payment_run_execute, payment_run_prepare
from payments.services import beneficiary_account_correct
from tests.contracts.factories import CFA_SIRET
from tests.payments.factories import make_accounts, make_lines

pytestmark = pytest.mark.django_db
TODAY = date(2026, 3, 2)
# Right IBAN check digits over a wrong clé RIB (44 instead of 43): what the entry let through before.
BAD_RIB_KEY = IBAN.from_bban("FR", "30004000031234567890144").compact
NS = {"p": sepa.NAMESPACE}


@pytest.fixture(autouse=True)
def frozen_today():
    with time_machine.travel(TODAY, tick=False):
        yield


def forty_one_accounts() -> tuple[list[BeneficiaryAccount], BeneficiaryAccount, list[PayableLine]]:
    """41 accounts with 3 lines each; the 21st is the one with a wrong clé RIB (entered before the check)."""
    accounts = make_accounts(41)
    lines = make_lines(accounts, 123, TODAY)
    bad = accounts[20]
    return accounts, bad, lines


def file_of(run: PaymentRun) -> etree._Element:
    with run.file.open("rb") as stored:
        xml = stored.read()
    sepa.validate(xml)
    return etree.fromstring(xml)


def assert_money_invariants(run: PaymentRun) -> None:
    transfers = Transfer.objects.filter(run=run)
    transfers_total = transfers.aggregate(total=Sum("amount"))["total"]
    lines_total = PayableLine.objects.filter(run=run, status=LineStatus.IN_RUN).aggregate(total=Sum("amount"))["total"]
    assert run.total == transfers_total == lines_total
    assert run.transfer_count == transfers.count() and run.line_count == TransferLine.objects.filter(transfer__run=run).count()
    for transfer in transfers.annotate(lines_total=Sum("transfer_lines__amount")):
        assert transfer.amount == transfer.lines_total
    assert TransferLine.objects.values("line_id").distinct().count() == TransferLine.objects.count()


# --- Prepare --------------------------------------------------------------------------------------------
def test_prepare_flags_an_account_with_a_wrong_cle_rib_and_holds_back_only_its_lines(finance, finance2):
    accounts, bad, lines = forty_one_accounts()
    BeneficiaryAccount.objects.filter(pk=bad.pk).update(iban=BAD_RIB_KEY)
    held_back = [line for line in lines if line.account_id == bad.pk]

    run = payment_run_prepare(actor=finance, execution_date=TODAY).run

    assert (run.transfer_count, run.line_count) == (40, 120)
    assert not Transfer.objects.filter(account=bad).exists()
    bad.refresh_from_db()
    assert bad.blocked and bad.blocked_at is not None
    assert bad.blocked_reason.startswith("Coordonnées refusées par le fichier SEPA : IBAN invalide : la clé nationale du compte")
    assert BAD_RIB_KEY[4:] not in bad.blocked_reason
    assert sorted(PayableLine.objects.filter(account=bad).values_list("id", "status", "run_id")) == sorted(
        (line.pk, LineStatus.PAYABLE, None) for line in held_back
    )
    assert AuditEntry.objects.filter(action="payments.account.flagged", target_id=str(bad.pk)).count() == 1
    assert BeneficiaryAccount.objects.filter(blocked=True).count() == 1

    payment_run_approve(actor=finance2, run_id=run.pk)
    run = payment_run_execute(run_id=run.pk)

    assert run.status == RunStatus.FILE_READY, run.error
    root = file_of(run)
    assert root.findtext("p:CstmrCdtTrfInitn/p:GrpHdr/p:NbOfTxs", namespaces=NS) == "40"
    assert Decimal(root.findtext("p:CstmrCdtTrfInitn/p:GrpHdr/p:CtrlSum", namespaces=NS)) == run.control_sum == run.total
    assert_money_invariants(run)


def test_the_prepare_screen_says_how_many_accounts_were_flagged(client, finance):
    accounts, bad, _ = forty_one_accounts()
    BeneficiaryAccount.objects.filter(pk=bad.pk).update(iban=BAD_RIB_KEY)
    client.force_login(finance)

    response = client.post(reverse("payments:runs"), {"execution_date": TODAY.isoformat()}, follow=True)

    [message] = [str(message) for message in response.context["messages"]]
    assert message.endswith(
        "1 compte(s) signalé(s) : coordonnées bancaires refusées par le fichier SEPA, leurs lignes attendent une correction "
        "(comptes signalés)."
    )
    flagged = client.get(reverse("payments:flagged_accounts")).content.decode()
    assert "clé nationale du compte" in flagged and BAD_RIB_KEY[4:] not in flagged


# --- Execute --------------------------------------------------------------------------------------------
def test_an_account_that_fails_the_file_at_execution_is_taken_out_and_the_other_40_are_paid(finance, finance2):
    accounts, bad, lines = forty_one_accounts()
    run = payment_run_prepare(actor=finance, execution_date=TODAY).run
    payment_run_approve(actor=finance2, run_id=run.pk)
    assert run.transfer_count == 41
    bad_transfer = Transfer.objects.get(run=run, account=bad)
    taken_out = sorted(TransferLine.objects.filter(transfer=bad_transfer).values_list("line_id", flat=True))
    taken_out_amount = bad_transfer.amount
    approved_total = run.total
    # The frozen copy of its bank details no longer passes the file (defence in depth: prepare checks them).
    Transfer.objects.filter(pk=bad_transfer.pk).update(iban=BAD_RIB_KEY)

    run = payment_run_execute(run_id=run.pk)

    assert run.status == RunStatus.FILE_READY, run.error
    assert (run.transfer_count, run.line_count, run.progress_done, run.progress_total) == (40, 120, 40, 40)
    assert run.total == approved_total - taken_out_amount
    root = file_of(run)
    assert root.findtext("p:CstmrCdtTrfInitn/p:GrpHdr/p:NbOfTxs", namespaces=NS) == "40"
    assert Decimal(root.findtext("p:CstmrCdtTrfInitn/p:GrpHdr/p:CtrlSum", namespaces=NS)) == run.control_sum == run.total
    file_ids = {node.text for node in root.iterfind(".//p:CdtTrfTxInf/p:PmtId/p:EndToEndId", namespaces=NS)}
    assert bad_transfer.end_to_end_id not in file_ids
    assert file_ids == set(Transfer.objects.filter(run=run).values_list("end_to_end_id", flat=True))
    assert_money_invariants(run)
    # Its lines are « à payer » again, in no run and no transfer; the account is flagged; all of it audited.
    assert sorted(PayableLine.objects.filter(account=bad).values_list("id", "status", "run_id")) == [
        (line_id, LineStatus.PAYABLE, None) for line_id in taken_out
    ]
    assert not TransferLine.objects.filter(line_id__in=taken_out).exists()
    bad.refresh_from_db()
    assert bad.blocked and "fichier SEPA" in bad.blocked_reason and BAD_RIB_KEY[4:] not in bad.blocked_reason
    entry = AuditEntry.objects.get(action="payments.run.transfers_withdrawn", target_id=str(run.pk))
    assert bad_transfer.end_to_end_id in entry.summary and BAD_RIB_KEY[4:] not in entry.summary

    # Executing again changes nothing.
    again = payment_run_execute(run_id=run.pk)
    assert (again.status, again.file_sha256, again.total) == (RunStatus.FILE_READY, run.file_sha256, run.total)

    # Corrected, the account's lines are paid by the next run, once.
    beneficiary_account_correct(actor=finance, account_id=bad.pk, iban=IBAN.generate("FR", "30004", "00000000777").compact)
    second = payment_run_prepare(actor=finance, execution_date=TODAY).run
    assert sorted(TransferLine.objects.filter(transfer__run=second).values_list("line_id", flat=True)) == taken_out
    assert PayableLine.objects.filter(status=LineStatus.IN_RUN).count() == 123
    assert TransferLine.objects.count() == 123


def test_when_every_account_fails_the_file_the_run_fails_with_its_lines_given_back(finance, finance2):
    accounts = make_accounts(2)
    lines = make_lines(accounts, 4, TODAY)
    run = payment_run_prepare(actor=finance, execution_date=TODAY).run
    payment_run_approve(actor=finance2, run_id=run.pk)
    Transfer.objects.filter(run=run).update(iban=BAD_RIB_KEY)

    run = payment_run_execute(run_id=run.pk)

    assert run.status == RunStatus.FAILED and not run.file
    assert run.error == (
        "Aucun virement ne reste dans le lot : tous ses comptes bénéficiaires ont été signalés (coordonnées bancaires refusées)."
    )
    assert (run.transfer_count, run.line_count, run.total) == (0, 0, Decimal("0"))
    assert not Transfer.objects.exists() and not TransferLine.objects.exists()
    assert set(PayableLine.objects.values_list("status", "run_id")) == {(LineStatus.PAYABLE, None)}
    assert BeneficiaryAccount.objects.filter(blocked=True).count() == 2
    payment_run_cancel(actor=finance, run_id=run.pk)
    assert PayableLine.objects.filter(status=LineStatus.PAYABLE).count() == len(lines)


def test_an_instalment_taken_out_of_the_file_is_payable_again(accept, staff, finance, finance2):
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
        run = payment_run_prepare(actor=finance, execution_date=date(2025, 9, 16)).run
        payment_run_approve(actor=finance2, run_id=run.pk)
        Transfer.objects.filter(run=run).update(iban=BAD_RIB_KEY)

        run = payment_run_execute(run_id=run.pk)

    advance.refresh_from_db()
    line = PayableLine.objects.get(source_id=advance.pk)
    assert run.status == RunStatus.FAILED
    assert (advance.status, line.status, line.run_id) == (ScheduleStatus.PAYABLE, LineStatus.PAYABLE, None)
    assert BeneficiaryAccount.objects.get(identifier=CFA_SIRET).blocked is True


# --- Checked once per set of details (issue 19: 0.6 s of a 3 000-account run) ----------------------------
def _count_checks(monkeypatch) -> list[int]:
    """The accounts whose details prepare checks against the file, in order."""
    from payments import runs

    checked: list[str] = []
    real = runs._refusal

    def counting(creditor):
        checked.append(creditor.iban)
        return real(creditor)

    monkeypatch.setattr(runs, "_refusal", counting)
    return checked


def test_accounts_accepted_once_are_not_checked_again_until_their_details_change(finance, finance2, monkeypatch):
    accounts = make_accounts(5)
    make_lines(accounts, 5, TODAY)
    checked = _count_checks(monkeypatch)
    first = payment_run_prepare(actor=finance, execution_date=TODAY).run
    assert len(checked) == 5 and first.transfer_count == 5
    assert all(len(digest) == 64 for digest in BeneficiaryAccount.objects.values_list("file_check_digest", flat=True))
    payment_run_cancel(actor=finance2, run_id=first.pk)

    checked.clear()
    second = payment_run_prepare(actor=finance, execution_date=TODAY).run
    assert checked == [] and second.transfer_count == 5
    payment_run_cancel(actor=finance2, run_id=second.pk)

    # The town of one account changes: that account alone is checked again.
    BeneficiaryAccount.objects.filter(pk=accounts[2].pk).update(town="Saint-Étienne-du-Rouvray")
    payment_run_prepare(actor=finance, execution_date=TODAY)
    assert checked == [accounts[2].iban]


def test_an_accepted_account_whose_iban_turns_bad_is_still_flagged(finance, finance2):
    accounts = make_accounts(3)
    make_lines(accounts, 3, TODAY)
    first = payment_run_prepare(actor=finance, execution_date=TODAY).run
    assert first.transfer_count == 3
    payment_run_cancel(actor=finance2, run_id=first.pk)
    # Written behind the services' back, as an old import would have: the stored digest no longer matches.
    BeneficiaryAccount.objects.filter(pk=accounts[1].pk).update(iban=BAD_RIB_KEY)

    second = payment_run_prepare(actor=finance, execution_date=TODAY).run

    assert second.transfer_count == 2 and not Transfer.objects.filter(run=second, account=accounts[1]).exists()
    assert BeneficiaryAccount.objects.get(pk=accounts[1].pk).blocked
