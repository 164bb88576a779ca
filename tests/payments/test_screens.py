"""The payments screens: runs (prepare, four eyes, execute, progress, file, declarations), transfers
(manual returns, pain.002 import), payable lines, flagged accounts and recovery orders. Staff read,
the finance department acts, advisors and branch representatives get 403; refusals show a French
message and change nothing."""

import hashlib
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from opco.models import AuditEntry
from payments.enums import LineStatus, RecoveryStatus, ReturnSource, RunStatus, TransferStatus
from payments.models import BankReturn, BeneficiaryAccount, PayableLine, PaymentRun, RecoveryOrder, Transfer
from payments.runs import (
    payment_run_approve,
    payment_run_execute,
    payment_run_mark_sent,
    payment_run_prepare,
    transfer_return,
)
from tests.payments.factories import csv_rows, make_account, make_line, page, shown_messages

pytestmark = pytest.mark.django_db

NEW_IBAN = "FR7630004000031234567890143"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    """SEPA files of these tests go to a temporary MEDIA_ROOT."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def advisor(make_user):
    return make_user(kind="advisor")


@pytest.fixture
def branch_rep(make_user):
    return make_user(kind="branch_rep")


# --- Builders -----------------------------------------------------------------------------------------


def prepared_run(finance, amounts_by_account=(("1200.00",), ("300.00",))) -> PaymentRun:
    for amounts in amounts_by_account:
        account = make_account()
        for amount in amounts:
            make_line(account, amount)
    return payment_run_prepare(actor=finance, execution_date=timezone.localdate()).run


def executed_run(finance, finance2, amounts_by_account=(("1200.00",), ("300.00",))) -> PaymentRun:
    run = prepared_run(finance, amounts_by_account)
    payment_run_approve(actor=finance2, run_id=run.pk)
    run = payment_run_execute(run_id=run.pk)
    assert run.status == RunStatus.FILE_READY, run.error
    return run


def run_state(run: PaymentRun) -> tuple:
    run.refresh_from_db()
    return run.status, run.approved_by_id, run.sent_by_id, run.settled_by_id, run.cancelled_at


# --- Who may see and act ------------------------------------------------------------------------------
@pytest.fixture
def world(finance, finance2):
    """An executed run with two transfers, a flagged account and a recovery order."""
    run = executed_run(finance, finance2)
    transfer = Transfer.objects.filter(run=run).order_by("id").first()
    flagged = make_account("CFA signalé", blocked=True)
    order = RecoveryOrder.objects.create(
        number="TR-9-9", account=flagged, amount=Decimal("80.00"), issued_on=timezone.localdate()
    )
    return {"run": run, "transfer": transfer, "account": flagged, "order": order}


def read_urls(world) -> list[str]:
    run, transfer = world["run"], world["transfer"]
    return [
        reverse("payments:runs"),
        reverse("payments:run_detail", args=[run.pk]),
        reverse("payments:run_progress", args=[run.pk]),
        reverse("payments:run_accounting_export", args=[run.pk]),
        reverse("payments:transfer_statement", args=[transfer.pk]),
        reverse("payments:lines"),
        reverse("payments:lines") + "?format=csv",
        reverse("payments:flagged_accounts"),
        reverse("payments:recovery_orders"),
    ]


def finance_urls(world) -> list[tuple[str, str]]:
    run, transfer = world["run"], world["transfer"]
    return [
        ("post", reverse("payments:runs")),
        ("post", reverse("payments:run_action", args=[run.pk, "envoyer"])),
        ("get", reverse("payments:run_file", args=[run.pk])),
        ("post", reverse("payments:run_pain002", args=[run.pk])),
        ("get", reverse("payments:transfer_return", args=[transfer.pk])),
        ("post", reverse("payments:transfer_return", args=[transfer.pk])),
        ("post", reverse("payments:account_correct", args=[world["account"].pk])),
        ("post", reverse("payments:recovery_order_settle", args=[world["order"].pk])),
    ]


@pytest.mark.parametrize("who", ["staff", "finance"])
def test_staff_and_finance_read_every_page(client, request, world, who):
    client.force_login(request.getfixturevalue(who))
    for url in read_urls(world):
        assert client.get(url).status_code == 200, url


def test_finance_reaches_the_finance_pages(client, finance, world):
    client.force_login(finance)
    assert client.get(reverse("payments:run_file", args=[world["run"].pk])).status_code == 200
    assert client.get(reverse("payments:transfer_return", args=[world["transfer"].pk])).status_code == 200


@pytest.mark.parametrize("who", ["advisor", "branch_rep"])
def test_advisors_and_branch_representatives_get_403_everywhere(client, request, world, who):
    client.force_login(request.getfixturevalue(who))
    for url in read_urls(world):
        assert client.get(url).status_code == 403, url
    for method, url in finance_urls(world):
        assert getattr(client, method)(url).status_code == 403, url


def test_a_gestionnaire_reads_but_cannot_act(client, staff, world):
    run, transfer = world["run"], world["transfer"]
    before = (run_state(run), PaymentRun.objects.count(), BankReturn.objects.count(), AuditEntry.objects.count())
    client.force_login(staff)
    detail = page(client.get(reverse("payments:run_detail", args=[run.pk])))
    assert "Déclarer envoyé" not in detail and "Saisir un rejet" not in detail
    assert "Le fichier SEPA est réservé au service financier." in detail
    assert "Préparer un lot" not in page(client.get(reverse("payments:runs")))
    for method, url in finance_urls(world):
        data = {"execution_date": timezone.localdate().isoformat(), "reason_code": "AC04"}
        assert getattr(client, method)(url, data).status_code == 403, url
    assert (run_state(run), PaymentRun.objects.count(), BankReturn.objects.count(), AuditEntry.objects.count()) == before
    world["account"].refresh_from_db()
    world["order"].refresh_from_db()
    assert (world["account"].blocked, world["order"].status) == (True, RecoveryStatus.ISSUED)
    assert transfer.status == TransferStatus.INCLUDED


def test_the_navigation_shows_payments_to_staff_only(client, staff, advisor):
    client.force_login(staff)
    home = page(client.get(reverse("payments:runs")))
    assert 'href="/paiements/lots/"' in home and 'href="/paiements/comptes-signales/"' in home
    client.force_login(advisor)
    assert "/paiements/" not in page(client.get(reverse("home")))


# --- Runs list and prepare ----------------------------------------------------------------------------
def test_the_runs_list_filters_and_exports(client, finance, finance2):
    executed = executed_run(finance, finance2)
    prepared = prepared_run(finance, (("50.00",),))
    client.force_login(finance)

    response = client.get(reverse("payments:runs"))
    assert [run.pk for run in response.context["object_list"]] == [prepared.pk, executed.pk]
    assert f'value="{timezone.localdate().isoformat()}"' in page(response)  # prepare: today by default
    response = client.get(reverse("payments:runs"), {"status": RunStatus.FILE_READY})
    assert [run.pk for run in response.context["object_list"]] == [executed.pk]
    tomorrow = timezone.localdate() + timezone.timedelta(days=1)
    response = client.get(reverse("payments:runs"), {"executed_from": tomorrow.isoformat()})
    assert list(response.context["object_list"]) == []

    rows = csv_rows(client.get(reverse("payments:runs"), {"status": RunStatus.FILE_READY, "format": "csv"}))
    today = timezone.localdate().strftime("%d/%m/%Y")
    assert rows == [
        [
            "N°",
            "Date d'exécution",
            "Statut",
            "Lignes",
            "Virements",
            "Montant",
            "Préparé par",
            "Approuvé par",
            "Identifiant du message",
        ],
        [str(executed.pk), today, "Fichier prêt", "2", "2", "1500,00", str(finance), str(finance2), executed.message_id],
    ]


def test_prepare_through_the_page(client, finance):
    account = make_account("CFA de Caen")
    make_line(account, "1200.00")
    make_line(account, "-200.00")
    make_line(make_account(), "300.00")
    client.force_login(finance)

    response = client.post(reverse("payments:runs"), {"execution_date": timezone.localdate().isoformat()}, follow=True)

    run = PaymentRun.objects.get()
    assert response.redirect_chain == [(reverse("payments:run_detail", args=[run.pk]), 302)]
    assert (run.status, run.prepared_by, run.line_count, run.transfer_count, run.total, run.netted_count) == (
        RunStatus.PREPARED,
        finance,
        3,
        2,
        Decimal("1300.00"),
        1,
    )
    assert shown_messages(response) == [
        f"Lot n° {run.pk} préparé pour le {timezone.localdate():%d/%m/%Y} : 3 ligne(s), 2 virement(s), 1\u202f300,00 €. "
        "Il doit être approuvé par un autre membre du service financier."
    ]


def test_a_refused_prepare_shows_the_reason_and_creates_nothing(client, finance):
    client.force_login(finance)
    audits = AuditEntry.objects.count()

    response = client.post(reverse("payments:runs"), {"execution_date": timezone.localdate().isoformat()})

    assert response.status_code == 200
    today = timezone.localdate()
    assert response.context["prepare_form"].non_field_errors() == [
        f"Aucune ligne n'est payable au {today:%d/%m/%Y} : aucun lot n'a été créé."
    ]
    assert f"Aucune ligne n&#x27;est payable au {today:%d/%m/%Y}" in response.content.decode()
    assert (PaymentRun.objects.count(), AuditEntry.objects.count()) == (0, audits)

    make_line(make_account(), "10.00")
    yesterday = today - timezone.timedelta(days=1)
    response = client.post(reverse("payments:runs"), {"execution_date": yesterday.isoformat()})
    assert response.context["prepare_form"].non_field_errors() == ["La date d'exécution ne peut pas être passée."]
    assert PaymentRun.objects.count() == 0
    assert PayableLine.objects.get().status == LineStatus.PAYABLE


# --- Four eyes and the other actions -------------------------------------------------------------------
def test_four_eyes_through_the_page(client, finance, finance2):
    run = prepared_run(finance)
    client.force_login(finance)
    detail = page(client.get(reverse("payments:run_detail", args=[run.pk])))
    assert ">Approuver<" not in detail
    assert "Vous avez préparé ce lot : il doit être approuvé par un autre membre du service financier." in detail
    before = run_state(run)
    audits = AuditEntry.objects.count()

    response = client.post(reverse("payments:run_action", args=[run.pk, "approuver"]), follow=True)

    assert shown_messages(response) == [
        "Vous avez préparé ce lot : il doit être approuvé par un autre membre du service financier."
    ]
    assert run_state(run) == before == (RunStatus.PREPARED, None, None, None, None)
    assert AuditEntry.objects.count() == audits

    client.force_login(finance2)
    assert ">Approuver<" in page(client.get(reverse("payments:run_detail", args=[run.pk])))
    response = client.post(reverse("payments:run_action", args=[run.pk, "approuver"]), follow=True)
    assert shown_messages(response) == [f"Lot n° {run.pk} approuvé : il peut être exécuté."]
    assert run_state(run)[:2] == (RunStatus.APPROVED, finance2.pk)
    assert "Préparé par" in page(response) and str(finance2) in page(response)


def test_execute_send_and_settle_through_the_page(client, finance, finance2, django_capture_on_commit_callbacks):
    run = prepared_run(finance)
    payment_run_approve(actor=finance2, run_id=run.pk)
    client.force_login(finance)
    assert ">Exécuter<" in page(client.get(reverse("payments:run_detail", args=[run.pk])))

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.post(reverse("payments:run_action", args=[run.pk, "executer"]), follow=True)
    assert len(callbacks) == 1
    assert shown_messages(response) == [f"Exécution du lot n° {run.pk} demandée : elle se déroule en tâche de fond."]
    run.refresh_from_db()
    assert (run.status, run.transaction_count, run.control_sum) == (RunStatus.FILE_READY, 2, Decimal("1500.00"))

    response = client.post(reverse("payments:run_action", args=[run.pk, "envoyer"]), follow=True)
    assert shown_messages(response) == [f"Lot n° {run.pk} déclaré envoyé à la banque."]
    assert run_state(run)[0] == RunStatus.SENT
    response = client.post(reverse("payments:run_action", args=[run.pk, "regler"]), follow=True)
    assert shown_messages(response) == [f"Lot n° {run.pk} déclaré réglé : ses lignes sont payées."]
    assert run_state(run)[0] == RunStatus.SETTLED
    assert set(PayableLine.objects.values_list("status", flat=True)) == {LineStatus.PAID}

    # Declaring it settled again is refused and changes nothing.
    before, audits = run_state(run), AuditEntry.objects.count()
    response = client.post(reverse("payments:run_action", args=[run.pk, "regler"]), follow=True)
    assert shown_messages(response) == [f"Impossible de déclarer ce lot réglé : le {run} est « Réglé »."]
    assert (run_state(run), AuditEntry.objects.count()) == (before, audits)


def test_cancel_through_the_page_puts_the_lines_back(client, finance):
    run = prepared_run(finance)
    client.force_login(finance)
    response = client.post(reverse("payments:run_action", args=[run.pk, "annuler"]), follow=True)
    assert shown_messages(response) == [f"Lot n° {run.pk} annulé : ses lignes sont de nouveau à payer."]
    assert run_state(run)[0] == RunStatus.CANCELLED
    assert set(PayableLine.objects.values_list("status", "run_id")) == {(LineStatus.PAYABLE, None)}
    assert client.post(reverse("payments:run_action", args=[run.pk, "inconnue"])).status_code == 302
    assert run_state(run)[0] == RunStatus.CANCELLED


# --- Progress -----------------------------------------------------------------------------------------
def test_the_progress_partial_polls_while_the_run_executes(client, finance, finance2):
    run = prepared_run(finance)
    payment_run_approve(actor=finance2, run_id=run.pk)
    client.force_login(finance)
    url = reverse("payments:run_progress", args=[run.pk])

    detail = page(client.get(reverse("payments:run_detail", args=[run.pk])))
    assert f'hx-get="{url}" hx-trigger="every 2s"' in detail

    PaymentRun.objects.filter(pk=run.pk).update(status=RunStatus.EXECUTING, progress_done=1, progress_total=2)
    response = client.get(url, HTTP_HX_REQUEST="true")
    body = page(response)
    assert body.startswith('<div id="run-progress" hx-get=') and 'hx-trigger="every 2s"' in body
    assert "1 / 2 virements contrôlé" in body and 'aria-valuenow="50"' in body and "w-50" in body
    assert "HX-Refresh" not in response

    payment_run_execute(run_id=run.pk)
    response = client.get(url, HTTP_HX_REQUEST="true")
    body = page(response)
    assert "hx-trigger" not in body and 'aria-valuenow="100"' in body and "Fichier prêt" in body
    assert response["HX-Refresh"] == "true"  # the page reloads once, with the file and the next actions
    assert "hx-trigger" not in page(client.get(reverse("payments:run_detail", args=[run.pk])))


def test_a_prepared_run_does_not_poll_and_a_failed_run_shows_its_error(client, finance):
    run = prepared_run(finance)
    client.force_login(finance)
    assert "hx-trigger" not in page(client.get(reverse("payments:run_detail", args=[run.pk])))
    PaymentRun.objects.filter(pk=run.pk).update(
        status=RunStatus.FAILED, error="Virements incohérents avec leurs lignes : OPCO-1-1."
    )
    detail = page(client.get(reverse("payments:run_detail", args=[run.pk])))
    assert "L'exécution a échoué : Virements incohérents avec leurs lignes : OPCO-1-1." in detail.replace("</strong>", "")
    assert "hx-trigger" not in detail and ">Annuler<" in detail and ">Exécuter<" not in detail


# --- The SEPA file and the history --------------------------------------------------------------------
def test_the_file_download_is_the_file_on_disk_and_is_audited(client, finance, finance2, media):
    run = prepared_run(finance)
    client.force_login(finance)
    response = client.get(reverse("payments:run_file", args=[run.pk]), follow=True)
    assert shown_messages(response) == [f"Le fichier SEPA du {run} n'est pas disponible : le lot est « Préparé »."]

    payment_run_approve(actor=finance2, run_id=run.pk)
    run = payment_run_execute(run_id=run.pk)
    on_disk = Path(media) / "payments" / "runs" / f"{run.message_id}.xml"
    response = client.get(reverse("payments:run_file", args=[run.pk]))

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == on_disk.read_bytes()
    assert hashlib.sha256(on_disk.read_bytes()).hexdigest() == run.file_sha256
    assert response["Content-Disposition"] == f'attachment; filename="{run.message_id}.xml"'
    assert response["Content-Type"] == "application/xml"
    assert list(
        AuditEntry.objects.filter(action="payments.run.file_downloaded").values_list("actor", "target_id", "summary")
    ) == [(finance.pk, str(run.pk), f"Fichier SEPA {run.message_id}.xml téléchargé")]

    # A file changed on disk after its validation is not served.
    on_disk.write_bytes(on_disk.read_bytes().replace(b"</Document>", b"<!-- --></Document>"))
    response = client.get(reverse("payments:run_file", args=[run.pk]), follow=True)
    assert shown_messages(response) == [
        f"Le fichier SEPA {run.message_id}.xml a été modifié depuis sa validation : il n'est pas servi."
    ]
    assert AuditEntry.objects.filter(action="payments.run.file_downloaded").count() == 1


def test_the_run_page_shows_transfers_masked_and_the_history(client, finance, finance2):
    run = executed_run(finance, finance2)
    first = Transfer.objects.filter(run=run).order_by("id").first()
    transfer_return(actor=finance, transfer_id=first.pk, reason_code="AC04", reason="Compte clôturé")
    client.force_login(finance2)

    detail = page(client.get(reverse("payments:run_detail", args=[run.pk])))

    for transfer in Transfer.objects.filter(run=run):
        assert transfer.iban not in detail
        assert f"{transfer.iban[:4]} **** **** {transfer.iban[-4:]}" in detail
        assert reverse("payments:transfer_statement", args=[transfer.pk]) in detail
    assert "AC04 — Compte clôturé" in detail
    history = [entry.action for entry in client.get(reverse("payments:run_detail", args=[run.pk])).context["history"]]
    assert history == [
        "payments.transfer.returned",
        "payments.run.file_ready",
        "payments.run.approved",
        "payments.run.prepared",
    ]
    # A returned transfer offers no second return; the other one does.
    assert detail.count(">Saisir un rejet<") == 1


# --- Manual return and pain.002 ------------------------------------------------------------------------
def test_a_manual_return_through_the_page(client, finance, finance2):
    run = executed_run(finance, finance2, (("1200.00", "-200.00"), ("300.00",)))
    payment_run_mark_sent(actor=finance, run_id=run.pk)
    transfer = Transfer.objects.filter(run=run).order_by("id").first()
    url = reverse("payments:transfer_return", args=[transfer.pk])
    client.force_login(finance2)
    form_page = page(client.get(url))
    assert transfer.iban not in form_page and '<option value="AM04">' in form_page

    # An unreadable code is refused by the form, nothing is recorded.
    response = client.post(url, {"reason_code": "A-04", "reason": ""})
    assert response.context["form"].errors == {
        "reason_code": ["Un code motif ISO 20022 a quatre lettres ou chiffres (ex. AC04)."]
    }
    response = client.post(url, {"reason_code": "ZZ99", "reason": ""})
    assert response.context["form"].errors == {"reason": ["Indiquez le motif communiqué par la banque pour ce code."]}
    assert BankReturn.objects.count() == 0

    response = client.post(url, {"reason_code": "ac04", "reason": ""}, follow=True)

    assert response.redirect_chain == [(reverse("payments:run_detail", args=[run.pk]), 302)]
    assert shown_messages(response) == [
        f"Rejet du virement {transfer.end_to_end_id} enregistré : ses lignes sont de nouveau à payer et l'IBAN de "
        f"{transfer.name} est signalé jusqu'à sa correction."
    ]
    assert list(BankReturn.objects.values_list("transfer", "reason_code", "reason", "source", "recorded_by")) == [
        (transfer.pk, "AC04", "Compte clôturé", ReturnSource.MANUAL, finance2.pk)
    ]
    transfer.refresh_from_db()
    assert transfer.status == TransferStatus.RETURNED
    assert sorted(PayableLine.objects.filter(replaces__transfer_line__transfer=transfer).values_list("amount", "status")) == [
        (Decimal("-200.00"), LineStatus.PAYABLE),
        (Decimal("1200.00"), LineStatus.PAYABLE),
    ]
    assert BeneficiaryAccount.objects.get(pk=transfer.account_id).blocked is True

    # A second return of the same transfer is refused and changes nothing.
    before = (list(PayableLine.objects.order_by("id").values_list("id", "status")), AuditEntry.objects.count())
    response = client.post(url, {"reason_code": "AC01", "reason": "IBAN erroné"})
    assert response.context["form"].non_field_errors() == [f"Le rejet du virement {transfer.end_to_end_id} est déjà enregistré."]
    assert (list(PayableLine.objects.order_by("id").values_list("id", "status")), AuditEntry.objects.count()) == before
    assert BankReturn.objects.count() == 1


def test_a_transfer_of_a_run_without_file_cannot_be_returned(client, finance):
    run = prepared_run(finance)
    transfer = Transfer.objects.filter(run=run).first()
    client.force_login(finance)
    url = reverse("payments:transfer_return", args=[transfer.pk])
    assert "il ne peut pas être rejeté" in page(client.get(url))
    response = client.post(url, {"reason_code": "AC04", "reason": "Compte clôturé"})
    assert response.context["form"].non_field_errors() == [
        f"Le virement {transfer.end_to_end_id} n'a pas été émis : il ne peut pas être rejeté."
    ]
    assert (BankReturn.objects.count(), Transfer.objects.get(pk=transfer.pk).status) == (0, TransferStatus.INCLUDED)


def pain002(run: PaymentRun, rejected: Transfer, accepted: Transfer) -> bytes:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.002.001.10">
  <CstmrPmtStsRpt>
    <GrpHdr><MsgId>PAIN002-TEST-1</MsgId><CreDtTm>2025-09-17T06:30:05+02:00</CreDtTm></GrpHdr>
    <OrgnlGrpInfAndSts>
      <OrgnlMsgId>{run.message_id}</OrgnlMsgId><OrgnlMsgNmId>pain.001.001.09</OrgnlMsgNmId>
      <OrgnlNbOfTxs>2</OrgnlNbOfTxs><OrgnlCtrlSum>{run.control_sum:.2f}</OrgnlCtrlSum><GrpSts>PART</GrpSts>
    </OrgnlGrpInfAndSts>
    <OrgnlPmtInfAndSts>
      <OrgnlPmtInfId>{run.message_id}</OrgnlPmtInfId><PmtInfSts>PART</PmtInfSts>
      <TxInfAndSts>
        <OrgnlEndToEndId>{rejected.end_to_end_id}</OrgnlEndToEndId><TxSts>RJCT</TxSts>
        <StsRsnInf><Rsn><Cd>AC04</Cd></Rsn><AddtlInf>COMPTE CLOTURE</AddtlInf></StsRsnInf>
      </TxInfAndSts>
      <TxInfAndSts><OrgnlEndToEndId>{accepted.end_to_end_id}</OrgnlEndToEndId><TxSts>ACSC</TxSts></TxInfAndSts>
    </OrgnlPmtInfAndSts>
  </CstmrPmtStsRpt>
</Document>
""".encode()


def test_a_pain002_report_uploaded_on_the_run_page(client, finance, finance2):
    pytest.importorskip("payments.pain002")
    run = executed_run(finance, finance2)
    rejected, accepted = Transfer.objects.filter(run=run).order_by("id")
    url = reverse("payments:run_pain002", args=[run.pk])
    client.force_login(finance)
    assert 'enctype="multipart/form-data" action="' + url in page(client.get(reverse("payments:run_detail", args=[run.pk])))

    # A file that is no pain.002 is refused, nothing changes.
    before = (BankReturn.objects.count(), AuditEntry.objects.count())
    response = client.post(url, {"file": SimpleUploadedFile("retour.xml", b"<pas-du-xml")}, follow=True)
    [message] = shown_messages(response)
    assert message.startswith("Compte rendu retour.xml refusé : Fichier XML illisible")
    assert (BankReturn.objects.count(), AuditEntry.objects.count()) == before

    response = client.post(url, {"file": SimpleUploadedFile("retour.xml", pain002(run, rejected, accepted))}, follow=True)

    assert response.redirect_chain == [(reverse("payments:run_detail", args=[run.pk]), 302)]
    assert shown_messages(response) == [
        f"Compte rendu retour.xml (lot n° {run.pk}) importé : 1 rejet(s) enregistré(s) ({rejected.end_to_end_id}), "
        "1 virement(s) accepté(s)."
    ]
    assert list(BankReturn.objects.values_list("transfer", "reason_code", "source", "source_file")) == [
        (rejected.pk, "AC04", ReturnSource.PAIN002, "retour.xml")
    ]
    # The same report again records nothing new.
    response = client.post(url, {"file": SimpleUploadedFile("retour.xml", pain002(run, rejected, accepted))}, follow=True)
    assert shown_messages(response) == [
        f"Compte rendu retour.xml (lot n° {run.pk}) importé : 0 rejet(s) enregistré(s), 1 virement(s) accepté(s), "
        f"1 rejet(s) déjà enregistré(s) ({rejected.end_to_end_id})."
    ]
    assert BankReturn.objects.count() == 1


# --- Payable lines -------------------------------------------------------------------------------------
def test_the_lines_list_filters_masks_and_exports(client, staff):
    today = timezone.localdate()
    caen = make_account("CFA de Caen")
    lyon = make_account("CFA de Lyon")
    late = make_line(caen, "100.00", due=today - timezone.timedelta(days=40), pay_by=today - timezone.timedelta(days=10))
    on_time = make_line(caen, "200.00", due=today, pay_by=today + timezone.timedelta(days=30))
    paid_late = make_line(lyon, "300.00", due=today - timezone.timedelta(days=40), pay_by=today - timezone.timedelta(days=10))
    PayableLine.objects.filter(pk=paid_late.pk).update(status=LineStatus.PAID)
    future = make_line(lyon, "-50.00", due=today + timezone.timedelta(days=20))
    client.force_login(staff)
    url = reverse("payments:lines")

    def listed(**filters) -> list[int]:
        return [line.pk for line in client.get(url, filters).context["object_list"]]

    assert listed() == [late.pk, paid_late.pk, on_time.pk, future.pk]
    assert listed(late="on") == [late.pk]
    assert listed(status=LineStatus.PAID) == [paid_late.pk]
    assert listed(beneficiary=lyon.identifier) == [paid_late.pk, future.pk]
    assert listed(beneficiary=lyon.identifier[:9]) == [paid_late.pk, future.pk]
    assert listed(beneficiary="caen") == [late.pk, on_time.pk]
    assert listed(due_from=today.isoformat(), due_to=(today + timezone.timedelta(days=5)).isoformat()) == [on_time.pk]

    body = page(client.get(url))
    assert caen.iban not in body and lyon.iban not in body and caen.masked_iban in body
    assert body.count(">en retard<") == 1

    rows = csv_rows(client.get(url, {"beneficiary": "caen", "format": "csv"}))
    assert rows == [
        [
            "Référence",
            "Libellé",
            "SIRET bénéficiaire",
            "Bénéficiaire",
            "IBAN",
            "Montant",
            "Sens",
            "Payable à partir du",
            "À payer au plus tard le",
            "Statut",
            "Lot",
            "Section financière",
        ],
        [
            late.reference,
            late.label,
            caen.identifier,
            "CFA de Caen",
            caen.masked_iban,
            "100,00",
            "débit",
            f"{late.due_date:%d/%m/%Y}",
            f"{late.pay_by:%d/%m/%Y}",
            "À payer",
            "",
            "alternance",
        ],
        [
            on_time.reference,
            on_time.label,
            caen.identifier,
            "CFA de Caen",
            caen.masked_iban,
            "200,00",
            "débit",
            f"{on_time.due_date:%d/%m/%Y}",
            f"{on_time.pay_by:%d/%m/%Y}",
            "À payer",
            "",
            "alternance",
        ],
    ]
    assert AuditEntry.objects.filter(action="export_csv", actor=staff).count() == 1


def test_the_lines_list_costs_the_same_queries_for_5_and_50_lines(client, finance):
    client.force_login(finance)
    url = reverse("payments:lines")

    def queries_for(count: int) -> int:
        PayableLine.objects.all().delete()
        for index in range(count):
            make_line(make_account() if index % 3 == 0 else BeneficiaryAccount.objects.last(), "10.00")
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url)
        assert len(response.context["object_list"]) == count
        return len(captured)

    client.get(url)  # warm-up (session, content types)
    assert queries_for(5) == queries_for(50)


# --- Flagged accounts ----------------------------------------------------------------------------------
def test_flagged_accounts_are_corrected_field_by_field(client, finance, staff):
    account = make_account("CFA de Rouen", blocked=True)
    make_line(account, "400.00")
    make_line(account, "100.50")
    make_account("CFA non signalé")
    url = reverse("payments:flagged_accounts")

    client.force_login(staff)
    body = page(client.get(url))
    assert "CFA de Rouen" in body and "CFA non signalé" not in body and account.iban not in body
    assert "Rejet AC04 du virement OPCO-1-1" in body and "500,50 €" in body and "Corriger" not in body

    client.force_login(finance)
    old_iban = account.iban
    correct = reverse("payments:account_correct", args=[account.pk])
    prefix = f"a{account.pk}"
    response = client.post(correct, {f"{prefix}-iban": "FR7630004000031234567890199", f"{prefix}-bic": "PASUNBIC"})
    [form] = [f for a, f in response.context["rows"] if a.pk == account.pk]
    assert form.errors == {"iban": ["IBAN invalide : la clé de contrôle de l'IBAN est fausse."], "bic": ["BIC invalide."]}
    assert BeneficiaryAccount.objects.filter(pk=account.pk).values_list("blocked", "iban", "bic").get() == (
        True,
        old_iban,
        "BREDFRPP",
    )

    response = client.post(
        correct, {f"{prefix}-iban": "fr76 3000 4000 0312 3456 7890 143", f"{prefix}-bic": "bnpafrpp"}, follow=True
    )

    account.refresh_from_db()
    assert (account.blocked, account.blocked_reason, account.iban, account.bic) == (False, "", NEW_IBAN, "BNPAFRPP")
    assert shown_messages(response) == [
        "Coordonnées bancaires de CFA de Rouen corrigées (IBAN FR76 **** **** 0143) : ses 2 ligne(s) en attente seront "
        "payées au prochain lot."
    ]
    assert AuditEntry.objects.filter(action="payments.account.corrected", actor=finance, target_id=str(account.pk)).count() == 1
    # Once corrected the account is no longer flagged: a second correction is a 404.
    assert client.post(correct, {f"{prefix}-iban": NEW_IBAN}).status_code == 404


# --- Recovery orders -----------------------------------------------------------------------------------
def test_recovery_orders_are_listed_and_settled(client, finance, staff):
    debtor = make_account("CFA débiteur")
    order = RecoveryOrder.objects.create(
        number="TR-3-7", account=debtor, amount=Decimal("125.40"), issued_on=timezone.localdate()
    )
    make_line(debtor, "-125.40", status=LineStatus.RECOVERY)
    PayableLine.objects.filter(account=debtor).update(recovery_order=order)
    settled = RecoveryOrder.objects.create(
        number="TR-1-1", account=debtor, amount=Decimal("10.00"), issued_on=timezone.localdate(), status=RecoveryStatus.SETTLED
    )
    url = reverse("payments:recovery_orders")

    client.force_login(staff)
    response = client.get(url, {"status": RecoveryStatus.ISSUED})
    assert [(o.pk, o.line_total) for o in response.context["object_list"]] == [(order.pk, 1)]
    assert ">Recouvré</button>" not in page(response)

    client.force_login(finance)
    body = page(client.get(url))
    assert body.count(">Recouvré</button>") == 1 and "125,40 €" in body
    response = client.post(reverse("payments:recovery_order_settle", args=[order.pk]), follow=True)
    assert shown_messages(response) == ["Titre de recette TR-3-7 recouvré (125,40 €)."]
    order.refresh_from_db()
    assert order.status == RecoveryStatus.SETTLED

    audits = AuditEntry.objects.count()
    response = client.post(reverse("payments:recovery_order_settle", args=[settled.pk]), follow=True)
    assert shown_messages(response) == ["Le Titre de recette TR-1-1 est déjà recouvré."]
    assert AuditEntry.objects.count() == audits


# --- Administration ------------------------------------------------------------------------------------
def test_the_admin_shows_payments_read_only_with_masked_ibans(client, make_user, finance, finance2):
    run = executed_run(finance, finance2)
    transfer = Transfer.objects.filter(run=run).order_by("id").first()
    account = transfer.account
    client.force_login(make_user(kind="staff", groups=["administrateur"]))
    for model in ("beneficiaryaccount", "payableline", "paymentrun", "transfer", "transferline", "bankreturn", "recoveryorder"):
        assert client.get(reverse(f"admin:payments_{model}_changelist")).status_code == 200, model
        assert client.get(reverse(f"admin:payments_{model}_add")).status_code == 403, model
    for url in (
        reverse("admin:payments_beneficiaryaccount_changelist"),
        reverse("admin:payments_beneficiaryaccount_change", args=[account.pk]),
        reverse("admin:payments_transfer_changelist"),
        reverse("admin:payments_transfer_change", args=[transfer.pk]),
    ):
        body = page(client.get(url))
        assert account.iban not in body and account.masked_iban in body, url
    body = page(client.get(reverse("admin:payments_paymentrun_change", args=[run.pk])))
    assert run.file.name not in body and "Lot n° " in body
    assert client.post(reverse("admin:payments_paymentrun_delete", args=[run.pk]), {"post": "yes"}).status_code == 403
    assert PaymentRun.objects.filter(pk=run.pk).exists()
