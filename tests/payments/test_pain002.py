"""Bank status reports (pain.002) applied to executed runs: rejected transfers become bank returns, the
rest is left alone, a refused file changes nothing, a second import records nothing new.

The sample reports in tests/payments/data are written like the banks' answers; `${message_id}`,
`${e2e_1}`… are filled with the ids of the run each test executes (string.Template)."""

from decimal import Decimal
from pathlib import Path
from string import Template

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from opco.models import AuditEntry
from payments import pain002
from payments.enums import LineStatus, ReturnSource, RunStatus, TransferStatus
from payments.models import BankReturn, BeneficiaryAccount, PayableLine, PaymentRun, Transfer
from payments.pain002 import import_pain002, reason_label
from payments.runs import RunRefused, payment_run_execute, payment_run_prepare
from tests.payments.factories import approved_run

pytestmark = pytest.mark.django_db

DATA = Path(__file__).resolve().parent / "data"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    """SEPA files of these tests go to a temporary MEDIA_ROOT (runs of other test processes share names)."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def executed_run(preparer, approver, amounts_by_account: list[list[str]]) -> PaymentRun:
    run = payment_run_execute(run_id=approved_run(preparer, approver, amounts_by_account).pk)
    assert run.status == RunStatus.FILE_READY, run.error
    return run


def report(name: str, run: PaymentRun, **extra) -> bytes:
    transfers = list(Transfer.objects.filter(run=run).order_by("id"))
    values = {"message_id": run.message_id, "count": str(len(transfers)), "control_sum": f"{run.control_sum or run.total:.2f}"}
    for position, transfer in enumerate(transfers, start=1):
        values[f"e2e_{position}"] = transfer.end_to_end_id
        values[f"amount_{position}"] = f"{transfer.amount:.2f}"
    return Template((DATA / name).read_text(encoding="utf-8")).substitute({**values, **extra}).encode()


def state() -> tuple:
    """Everything an import may change."""
    return (
        list(BankReturn.objects.order_by("id").values_list("transfer_id", "reason_code")),
        list(PayableLine.objects.order_by("id").values_list("id", "status", "run_id", "replaces_id")),
        list(Transfer.objects.order_by("id").values_list("id", "status")),
        list(BeneficiaryAccount.objects.order_by("id").values_list("id", "blocked", "blocked_reason")),
        AuditEntry.objects.count(),
    )


def imports_audited() -> list[tuple]:
    return list(
        AuditEntry.objects.filter(action="payments.pain002.imported")
        .order_by("id")
        .values_list("source", "actor_label", "summary")
    )


# --- group rejection -----------------------------------------------------------------------------
def test_a_rejected_group_without_details_returns_every_transfer(finance, finance2):
    run = executed_run(finance, finance2, [["100.00", "50.50"], ["200.00"]])
    first, second = Transfer.objects.filter(run=run).order_by("id")
    lines = {line.pk: line for line in PayableLine.objects.filter(run=run)}

    result = import_pain002(actor=finance, xml=report("pain002_001_03_group_rejected.xml", run), filename="retour-16-09.xml")

    assert result == pain002.Pain002Report(
        returned=[first.end_to_end_id, second.end_to_end_id], already=[], unknown=[], accepted=0, errors=[], run_id=run.pk
    )
    returns = list(
        BankReturn.objects.order_by("transfer_id").values_list(
            "transfer_id", "reason_code", "reason", "source", "source_file", "recorded_by"
        )
    )
    assert returns == [
        (first.pk, "DT01", "Date invalide", ReturnSource.PAIN002, "retour-16-09.xml", finance.pk),
        (second.pk, "DT01", "Date invalide", ReturnSource.PAIN002, "retour-16-09.xml", finance.pk),
    ]
    assert set(Transfer.objects.filter(run=run).values_list("status", flat=True)) == {TransferStatus.RETURNED}
    # Each returned line is replaced by a payable line of the same source and amount.
    for line in PayableLine.objects.filter(pk__in=lines):
        assert line.status == LineStatus.RETURNED
        successor = PayableLine.objects.get(replaces=line)
        assert (successor.status, successor.run_id, successor.amount, successor.source_id, successor.account_id) == (
            LineStatus.PAYABLE,
            None,
            lines[line.pk].amount,
            lines[line.pk].source_id,
            lines[line.pk].account_id,
        )
    assert sorted(BeneficiaryAccount.objects.values_list("blocked", "blocked_reason")) == [
        (True, f"Rejet DT01 du virement {first.end_to_end_id}"),
        (True, f"Rejet DT01 du virement {second.end_to_end_id}"),
    ]
    assert imports_audited() == [
        (
            AuditEntry.Source.IMPORT,
            finance.email,
            "Compte rendu pain.002 « retour-16-09.xml » : 2 rejet(s) enregistré(s), 0 déjà enregistré(s), 0 inconnu(s), "
            "0 accepté(s), 0 erreur(s)",
        )
    ]
    assert AuditEntry.objects.filter(action="payments.transfer.returned", source=AuditEntry.Source.IMPORT).count() == 2


# --- per-transaction statuses --------------------------------------------------------------------
def test_rejected_transactions_become_returns_and_the_others_stay(finance, finance2):
    run = executed_run(finance, finance2, [["1200.00", "-200.00"], ["640.25"], ["75.10"]])
    first, second, third = Transfer.objects.filter(run=run).order_by("id")
    kept_lines = list(PayableLine.objects.filter(transfer_line__transfer=second).values_list("id", "status"))

    result = import_pain002(actor=finance, xml=report("pain002_001_10_transactions.xml", run), filename="pain002-0412.xml")

    assert (result.returned, result.already, result.unknown, result.accepted, result.errors) == (
        [first.end_to_end_id, third.end_to_end_id],
        [],
        ["OPCO-99999999-7"],
        1,
        [],
    )
    assert list(BankReturn.objects.order_by("transfer_id").values_list("transfer_id", "reason_code", "reason")) == [
        (first.pk, "AC04", "Compte clôturé"),
        (third.pk, "X42", "Motif bancaire X42"),
    ]
    assert list(Transfer.objects.filter(run=run).order_by("id").values_list("status", flat=True)) == [
        TransferStatus.RETURNED,
        TransferStatus.INCLUDED,
        TransferStatus.RETURNED,
    ]
    # The netted trop-perçu goes back to payable with the line it was netted against.
    successors = sorted(
        PayableLine.objects.filter(replaces__transfer_line__transfer=first).values_list("amount", "status", "account_id")
    )
    assert successors == [
        (Decimal("-200.00"), LineStatus.PAYABLE, first.account_id),
        (Decimal("1200.00"), LineStatus.PAYABLE, first.account_id),
    ]
    assert list(PayableLine.objects.filter(transfer_line__transfer=second).values_list("id", "status")) == kept_lines
    assert dict(BeneficiaryAccount.objects.values_list("id", "blocked")) == {
        first.account_id: True,
        second.account_id: False,
        third.account_id: True,
    }
    # Flagged accounts wait for staff: their lines are payable but no run takes them.
    with pytest.raises(RunRefused, match="Aucune ligne n'est payable"):
        payment_run_prepare(actor=finance, execution_date=timezone.localdate())


def test_a_second_import_of_the_same_file_records_nothing_new(finance, finance2):
    run = executed_run(finance, finance2, [["300.00"], ["40.00"], ["12.34"]])
    first, _, third = Transfer.objects.filter(run=run).order_by("id")
    xml = report("pain002_001_10_transactions.xml", run)
    import_pain002(actor=finance, xml=xml, filename="pain002-0412.xml")
    before = state()

    again = import_pain002(actor=finance2, xml=xml, filename="pain002-0412.xml")

    assert (again.returned, again.already, again.unknown, again.accepted) == (
        [],
        [first.end_to_end_id, third.end_to_end_id],
        ["OPCO-99999999-7"],
        1,
    )
    after = state()
    assert after[:4] == before[:4]
    assert after[4] == before[4] + 1  # only the audit entry of the second import
    assert imports_audited()[-1] == (
        AuditEntry.Source.IMPORT,
        finance2.email,
        "Compte rendu pain.002 « pain002-0412.xml » : 0 rejet(s) enregistré(s), 2 déjà enregistré(s), 1 inconnu(s), "
        "1 accepté(s), 0 erreur(s)",
    )


def test_an_accepted_group_records_no_return(finance, finance2):
    run = executed_run(finance, finance2, [["10.00"], ["20.00"]])
    before = state()

    result = import_pain002(actor=finance, xml=report("pain002_001_03_accepted.xml", run), filename="ack.xml")

    assert (result.returned, result.already, result.unknown, result.accepted) == ([], [], [], 2)
    after = state()
    assert after[:4] == before[:4] and after[4] == before[4] + 1


def test_transactions_without_status_inherit_the_rejected_group(finance, finance2):
    run = executed_run(finance, finance2, [["10.00"], ["20.00"]])
    _, second = Transfer.objects.filter(run=run).order_by("id")
    xml = f"""<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.002.001.03"><CstmrPmtStsRpt>
  <GrpHdr><MsgId>R-1</MsgId><CreDtTm>2025-09-16T08:00:00</CreDtTm></GrpHdr>
  <OrgnlGrpInfAndSts><OrgnlMsgId>{run.message_id}</OrgnlMsgId><OrgnlMsgNmId>pain.001.001.09</OrgnlMsgNmId>
    <GrpSts>RJCT</GrpSts><StsRsnInf><Rsn><Cd>MD07</Cd></Rsn></StsRsnInf></OrgnlGrpInfAndSts>
  <OrgnlPmtInfAndSts><OrgnlPmtInfId>{run.message_id}</OrgnlPmtInfId>
    <TxInfAndSts><OrgnlEndToEndId>{second.end_to_end_id}</OrgnlEndToEndId></TxInfAndSts>
    <TxInfAndSts><TxSts>RJCT</TxSts></TxInfAndSts>
  </OrgnlPmtInfAndSts>
</CstmrPmtStsRpt></Document>""".encode()

    result = import_pain002(actor=None, xml=xml, filename="r.xml")

    assert (result.returned, result.unknown, result.errors) == (
        [second.end_to_end_id],
        [],
        [f"Transaction n° 2 du bloc {run.message_id} sans identifiant de bout en bout : ignorée."],
    )
    assert list(BankReturn.objects.values_list("transfer_id", "reason_code", "reason", "recorded_by")) == [
        (second.pk, "MD07", "Bénéficiaire décédé", None)
    ]
    assert imports_audited()[0][1] == "système"


@pytest.mark.parametrize(
    ("code", "label"),
    [
        ("AC01", "IBAN incorrect"),
        ("AC04", "Compte clôturé"),
        ("AC06", "Compte bloqué"),
        ("AM05", "Doublon"),
        ("MD07", "Bénéficiaire décédé"),
        ("RC01", "BIC incorrect"),
        ("FF01", "Format de fichier invalide"),
        ("ZZ99", "Motif bancaire ZZ99"),
    ],
)
def test_reason_labels(code, label):
    assert reason_label(code) == label


# --- refusals change nothing ---------------------------------------------------------------------
def test_a_report_on_an_unknown_message_is_refused(finance, finance2):
    run = executed_run(finance, finance2, [["100.00"]])
    before = state()

    with pytest.raises(ValidationError) as refused:
        import_pain002(
            actor=finance, xml=report("pain002_001_03_group_rejected.xml", run, message_id="OPCO-LOT-99999999"), filename="x.xml"
        )

    assert refused.value.messages == ["Ce compte rendu concerne le message OPCO-LOT-99999999, qui ne correspond à aucun lot."]
    assert state() == before


def test_a_malformed_file_is_refused(finance, finance2):
    run = executed_run(finance, finance2, [["100.00"]])
    before = state()

    with pytest.raises(ValidationError) as refused:
        import_pain002(actor=finance, xml=report("pain002_malformed.xml", run), filename="tronque.xml")

    [message] = refused.value.messages
    assert message.startswith("Fichier XML illisible (ligne ")
    assert state() == before


def test_a_doctype_is_refused_and_no_entity_is_read(finance, finance2):
    run = executed_run(finance, finance2, [["100.00"]])
    before = state()

    with pytest.raises(ValidationError) as refused:
        import_pain002(actor=finance, xml=report("pain002_doctype_entity.xml", run), filename="xxe.xml")

    assert refused.value.messages == ["Fichier refusé : une déclaration DOCTYPE n'est pas admise dans un compte rendu pain.002."]
    assert state() == before


def test_a_file_that_is_not_a_status_report_is_refused(finance, finance2):
    run = executed_run(finance, finance2, [["100.00"]])
    before = state()

    with pytest.raises(ValidationError) as refused:
        import_pain002(actor=finance, xml=run.file.read(), filename=Path(run.file.name).name)

    assert refused.value.messages == [
        "Ce fichier n'est pas un compte rendu de la banque au format pain.002.001.03 ou pain.002.001.10 (élément racine "
        "« Document », espace de noms « urn:iso:std:iso:20022:tech:xsd:pain.001.001.09 »)."
    ]
    assert state() == before


def test_an_oversized_file_is_refused_before_parsing(finance, finance2, monkeypatch):
    run = executed_run(finance, finance2, [["100.00"]])
    xml = report("pain002_001_03_group_rejected.xml", run)
    monkeypatch.setattr(pain002, "MAX_SIZE", len(xml) - 1)
    before = state()

    with pytest.raises(ValidationError, match="Fichier trop volumineux"):
        import_pain002(actor=finance, xml=xml, filename="gros.xml")

    assert state() == before


def test_a_report_on_a_run_without_file_is_refused(finance, finance2):
    run = approved_run(finance, finance2, [["100.00"]])
    PaymentRun.objects.filter(pk=run.pk).update(message_id="OPCO-LOT-EN-COURS", status=RunStatus.EXECUTING)
    run.refresh_from_db()
    before = state()

    with pytest.raises(ValidationError) as refused:
        import_pain002(actor=finance, xml=report("pain002_001_03_group_rejected.xml", run), filename="x.xml")

    assert refused.value.messages == [
        f"Ce compte rendu concerne le {run}, qui est « En exécution » : il n'a pas produit de fichier remis à la banque."
    ]
    assert state() == before


def test_only_finance_may_import(finance, finance2, staff):
    run = executed_run(finance, finance2, [["100.00"]])
    before = state()

    with pytest.raises(PermissionDenied):
        import_pain002(actor=staff, xml=report("pain002_001_03_group_rejected.xml", run), filename="x.xml")

    assert state() == before


def test_a_failure_midway_undoes_the_returns_already_recorded(finance, finance2, monkeypatch):
    run = executed_run(finance, finance2, [["100.00"], ["200.00"]])
    before = state()
    real = pain002.transfer_return
    calls = []

    def fail_on_second(**kwargs):
        calls.append(kwargs["transfer_id"])
        if len(calls) == 2:
            raise RuntimeError("panne simulée")
        return real(**kwargs)

    monkeypatch.setattr(pain002, "transfer_return", fail_on_second)

    with pytest.raises(RuntimeError, match="panne simulée"):
        import_pain002(actor=finance, xml=report("pain002_001_03_group_rejected.xml", run), filename="x.xml")

    assert len(calls) == 2
    assert state() == before
