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

from opco.models import AuditEntry
from payments import sepa
from payments.enums import LineStatus, RunStatus
from payments.models import BeneficiaryAccount, PayableLine, PaymentRun, Transfer, TransferLine
from payments.runs import payment_run_approve, payment_run_execute, payment_run_prepare
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
    xml = run.file.read()
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
