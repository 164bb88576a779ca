"""The whole road of one euro: instalment → invoice → payable line → run → approval → SEPA file →
sent → settled, and back on a bank return."""

from datetime import date
from decimal import Decimal

import pytest
import time_machine
from lxml import etree

from contracts.alternance.cfa_documents import cfa_document_receive
from payments import sepa
from payments.enums import LineStatus, RunStatus, ScheduleStatus
from payments.models import BeneficiaryAccount, PayableLine, Transfer
from payments.runs import (
    payment_run_approve,
    payment_run_execute,
    payment_run_mark_sent,
    payment_run_prepare,
    payment_run_settle,
    transfer_return,
)
from tests.contracts.factories import CFA_SIRET

pytestmark = pytest.mark.django_db


@time_machine.travel(date(2025, 9, 15), tick=False)
def test_an_advance_goes_from_invoice_to_settled_transfer(accept, staff, finance, finance2):
    contract = accept()
    advance = contract.commitment.instalments.get(year=1, kind="advance")
    assert advance.status == ScheduleStatus.PLANNED

    received = cfa_document_receive(
        actor=staff,
        contract_reference=contract.file_number,
        kind="facture_annuelle",
        year=1,
        cfa_siret=CFA_SIRET,
        number="F-2025-001",
        amount=advance.net,
    )
    assert [i.pk for i in received.matched] == [advance.pk] and received.released == 1
    advance.refresh_from_db()
    assert advance.status == ScheduleStatus.PAYABLE
    line = PayableLine.objects.get(source_id=advance.pk)
    assert (line.amount, line.due_date, line.pay_by) == (advance.net, date(2025, 9, 15), date(2025, 10, 15))

    run = payment_run_prepare(actor=finance, execution_date=date(2025, 9, 16)).run
    assert (run.line_count, run.transfer_count, run.total) == (1, 1, advance.net)
    advance.refresh_from_db()
    assert advance.status == ScheduleStatus.IN_RUN

    payment_run_approve(actor=finance2, run_id=run.pk)
    run = payment_run_execute(run_id=run.pk)
    assert run.status == RunStatus.FILE_READY, run.error
    xml = run.file.read()
    sepa.validate(xml)
    root = etree.fromstring(xml)
    ns = {"p": sepa.NAMESPACE}
    assert root.findtext(".//p:GrpHdr/p:CtrlSum", namespaces=ns) == f"{advance.net:.2f}"
    assert root.findtext(".//p:CdtTrfTxInf/p:PmtId/p:EndToEndId", namespaces=ns) == f"OPCO-{run.pk}-1"
    assert run.control_sum == advance.net and run.transaction_count == 1

    # Executing again changes nothing: same file, same bytes.
    again = payment_run_execute(run_id=run.pk)
    assert (again.file.name, again.file_sha256) == (run.file.name, run.file_sha256)

    payment_run_mark_sent(actor=finance, run_id=run.pk)
    payment_run_settle(actor=finance2, run_id=run.pk)
    advance.refresh_from_db()
    line.refresh_from_db()
    assert (advance.status, line.status) == (ScheduleStatus.PAID, LineStatus.PAID)

    transfer = Transfer.objects.get(run=run)
    transfer_return(actor=finance, transfer_id=transfer.pk, reason_code="AC04", reason="Compte clôturé")
    advance.refresh_from_db()
    line.refresh_from_db()
    successor = PayableLine.objects.get(replaces=line)
    assert (line.status, successor.status, advance.status) == (LineStatus.RETURNED, LineStatus.PAYABLE, ScheduleStatus.PAYABLE)
    assert BeneficiaryAccount.objects.get(identifier=CFA_SIRET).blocked is True
    assert Decimal(successor.amount) == advance.net
