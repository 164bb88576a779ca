"""Exchanges with employers and CFAs: the depositor's and the employer's e-mails recorded at every
door; every letter (accord with its schedule, incomplete notice, refusal, payment advice) kept as a
PDF in the file's documents and its history, e-mailed with the PDF when there is an address, and the
screens saying truthfully what was sent (« aucun courrier envoyé : pas d'adresse »). A known SIRET
typed on the staff form fills the employer from the referential."""

import csv
import io
import json
from datetime import date

import pytest
import time_machine
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from contracts.alternance import workflow
from contracts.alternance.decisions import contract_accept, contract_refuse
from contracts.alternance.deposit import contract_deposit
from contracts.alternance.imports import contract_import_request, contract_import_run
from contracts.enums import DocumentKind
from contracts.models import ApprenticeshipContract
from opco.models import AuditEntry
from referentials.models import Company, Idcc
from tests.contracts.factories import base, changed, form_data

pytestmark = pytest.mark.django_db
EMAILS = {"courriel_deposant": "depot@cfa-metiers.test", "employeur.courriel": "rh@boulangerie.test"}


@pytest.fixture(autouse=True)
def media_root(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"


def payload(**changes) -> dict:
    return changed({**base(), "recu_le": "2025-09-02"}, changes)


def letters(contract, kind: str):
    return AuditEntry.objects.filter(action=f"contract_letter_{kind}", target_id=str(contract.pk))


# --- The e-mails at every door ------------------------------------------------------------------------
def test_the_service_records_both_emails_from_the_payload(staff, referentials):
    contract = contract_deposit(actor=staff, data=payload(**EMAILS)).contract
    assert (contract.depositor_email, contract.employer_email) == ("depot@cfa-metiers.test", "rh@boulangerie.test")


def test_a_malformed_email_is_refused_in_french_and_nothing_is_stored(staff, referentials):
    from contracts.alternance.payload import InvalidPayload

    with pytest.raises(InvalidPayload) as refused:
        contract_deposit(actor=staff, data=payload(**{"employeur.courriel": "pas-une-adresse"}))
    assert refused.value.errors["employeur.courriel"] == "« pas-une-adresse » n'est pas une adresse électronique valide"
    assert not ApprenticeshipContract.objects.exists()


def test_the_staff_form_records_both_emails(client, staff, referentials):
    client.force_login(staff)
    client.post(reverse("contracts:new"), form_data(payload(**EMAILS)))
    contract = ApprenticeshipContract.objects.get()
    assert (contract.depositor_email, contract.employer_email) == ("depot@cfa-metiers.test", "rh@boulangerie.test")


def test_the_api_records_both_emails(client, staff, referentials):
    client.force_login(staff)
    response = client.post("/api/v1/apprenticeship-contracts/", json.dumps(payload(**EMAILS)), content_type="application/json")
    assert response.status_code == 201, response.content
    contract = ApprenticeshipContract.objects.get()
    assert (contract.depositor_email, contract.employer_email) == ("depot@cfa-metiers.test", "rh@boulangerie.test")


def test_the_bulk_import_records_both_emails(staff, referentials, django_capture_on_commit_callbacks):
    flat = {
        "employeur.siret": "00123456600014",
        "employeur.idcc": "0843",
        "employeur.courriel": "rh@boulangerie.test",
        "courriel_deposant": "depot@cfa-metiers.test",
        "apprenti.date_naissance": "2007-03-14",
        "apprenti.premier_cycle_acheve": "oui",
        "maitres_apprentissage": json.dumps(base()["maitres_apprentissage"]),
        "formation.rncp": "RNCP37566",
        "formation.niveau": "3",
        "formation.date_debut": "2025-09-08",
        "formation.duree_heures": "840",
        "cfa.siret": base()["cfa"]["siret"],
        "cfa.uai": "0142321X",
        "cfa.qualiopi": "oui",
        "contrat.date_conclusion": "2025-08-25",
        "contrat.date_debut": "2025-09-01",
        "contrat.date_fin": "2027-08-31",
        "contrat.date_debut_formation_pratique": "2025-09-01",
        "contrat.remunerations": json.dumps(base()["contrat"]["remunerations"]),
    }
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(flat), delimiter=";")
    writer.writeheader()
    writer.writerow(flat)
    with django_capture_on_commit_callbacks(execute=False):
        job = contract_import_request(actor=staff, upload=SimpleUploadedFile("lot.csv", buffer.getvalue().encode()))
    contract_import_run(job_id=job.pk)
    contract = ApprenticeshipContract.objects.get()
    assert (contract.depositor_email, contract.employer_email) == ("depot@cfa-metiers.test", "rh@boulangerie.test")


# --- The letters ---------------------------------------------------------------------------------------
def test_the_acceptance_letter_is_kept_recorded_and_sent(staff, referentials, django_capture_on_commit_callbacks):
    contract = contract_deposit(actor=staff, data=payload(**EMAILS)).contract
    workflow.contract_transition(actor=staff, contract_id=contract.pk, action_code="instruct")
    with django_capture_on_commit_callbacks(execute=True):
        contract_accept(actor=staff, contract_id=contract.pk)
    document = contract.documents.get(kind=DocumentKind.LETTER)
    assert document.original_name == f"accord-{contract.file_number}.pdf" and document.content_type == "application/pdf"
    pdf = document.file.read()
    assert pdf.startswith(b"%PDF-")
    [sent] = [m for m in mail.outbox if m.subject.startswith("Accord de prise en charge")]
    assert sent.to == ["depot@cfa-metiers.test", "rh@boulangerie.test"]
    assert sent.attachments[0][0] == document.original_name and sent.attachments[0][1] == pdf
    entry = letters(contract, "acceptance").get()
    assert entry.summary == (
        "Courrier « accord de prise en charge » (PDF joint au dossier) : envoyé à depot@cfa-metiers.test, rh@boulangerie.test"
    )


def test_a_refusal_without_address_is_kept_and_says_nothing_was_sent(staff, referentials, django_capture_on_commit_callbacks):
    contract = contract_deposit(actor=staff, data=payload()).contract
    with django_capture_on_commit_callbacks(execute=True):
        contract_refuse(actor=staff, contract_id=contract.pk, codes=[], text="Contrat signé après son début")
    assert contract.documents.filter(kind=DocumentKind.LETTER, original_name=f"refus-{contract.file_number}.pdf").count() == 1
    assert not [m for m in mail.outbox if m.subject.startswith("Refus")]
    assert letters(contract, "refusal").get().summary.endswith("aucun courrier envoyé : pas d'adresse")


def test_the_refusal_screen_says_truthfully_what_is_sent(client, staff, referentials):
    contract = contract_deposit(actor=staff, data=payload()).contract
    client.force_login(staff)
    response = client.post(
        reverse("contracts:action", args=[contract.pk, "refuse"]), {"refuse-codes": [], "refuse-text": "Motif"}, follow=True
    )
    page = response.content.decode()
    assert "aucun courrier envoyé : pas d&#x27;adresse" in page
    assert "part au déposant" not in page


def test_the_incomplete_notice_is_a_pdf_too(staff, referentials, django_capture_on_commit_callbacks):
    contract = contract_deposit(actor=staff, data=payload(**EMAILS)).contract
    with django_capture_on_commit_callbacks(execute=True):
        workflow.contract_request_documents(actor=staff, contract_id=contract.pk, message="Convention de formation signée")
    assert contract.documents.get(kind=DocumentKind.LETTER).original_name == f"pieces-{contract.file_number}.pdf"
    [sent] = [m for m in mail.outbox if "Convention de formation signée" in m.body]
    assert sent.attachments[0][1].startswith(b"%PDF-")


@time_machine.travel(date(2025, 9, 15), tick=False)
def test_a_settled_run_sends_the_cfa_its_payment_advice(accept, staff, finance, make_user, django_capture_on_commit_callbacks):
    from contracts.alternance.cfa_documents import cfa_document_receive
    from payments.runs import (
        payment_run_approve,
        payment_run_execute,
        payment_run_mark_sent,
        payment_run_prepare,
        payment_run_settle,
    )
    from tests.contracts.factories import CFA_SIRET

    finance2 = make_user(kind="staff", groups=["finance"], email="finance2-letters@example.org")
    contract = accept({"cfa.courriel": "compta@cfa-metiers.test"})
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
    payment_run_execute(run_id=run.pk)
    payment_run_mark_sent(actor=finance, run_id=run.pk)
    assert not contract.documents.filter(original_name__startswith="avis-paiement").exists()
    with django_capture_on_commit_callbacks(execute=True):
        payment_run_settle(actor=finance2, run_id=run.pk)
    document = contract.documents.get(kind=DocumentKind.LETTER, original_name__startswith="avis-paiement")
    assert document.file.read().startswith(b"%PDF-")
    [sent] = [m for m in mail.outbox if m.subject.startswith("Avis de paiement")]
    assert sent.to == ["compta@cfa-metiers.test"]
    assert letters(contract, "payment_advice").get().summary.endswith("envoyé à compta@cfa-metiers.test")


# --- A known SIRET fills the employer ------------------------------------------------------------------
def test_a_known_siret_fills_name_idcc_and_address_and_the_screen_says_so(client, staff, referentials):
    Company.objects.create(
        siret="00123456600014",
        siren="001234566",
        name="Boulangerie du Marché SARL",
        idcc=Idcc.objects.get(code="0843"),
        address="3 rue X",
        postal_code="75011",
        city="Paris",
    )
    data = payload()
    data["employeur"] = {"siret": "00123456600014"}
    client.force_login(staff)
    response = client.post(reverse("contracts:new"), form_data(data), follow=True)
    contract = ApprenticeshipContract.objects.get()
    assert (contract.employer_name, contract.employer_idcc) == ("Boulangerie du Marché SARL", "0843")
    assert contract.payload["employeur"]["adresse"] == {"voie": "3 rue X", "code_postal": "75011", "commune": "Paris"}
    assert "Employeur complété depuis le référentiel : raison sociale, IDCC, adresse." in response.content.decode()


def test_an_unknown_siret_never_becomes_the_name(staff, referentials):
    data = payload()
    data["employeur"].pop("denomination")
    contract = contract_deposit(actor=staff, data=data).contract
    assert contract.employer_name != contract.employer_siret


# --- The période de reconversion door ------------------------------------------------------------------
def test_the_reconversion_door_records_both_emails(client, staff, deposit):
    from contracts.models import ReconversionPeriod

    period = deposit(depositor_email="depot@rh.test", employer_email="rh@boulangerie.test")
    assert (period.depositor_email, period.employer_email) == ("depot@rh.test", "rh@boulangerie.test")
    client.force_login(staff)
    from tests.contracts.factories import period_data

    data = {f"period-{name}": value for name, value in period_data(employee_last_name="Petit").items()}
    data |= {"period-received_on": "2026-03-02", "period-depositor_email": "autre@rh.test", "period-employer_email": "x@y.test"}
    data = {name: (value.isoformat() if hasattr(value, "isoformat") else value) for name, value in data.items()}
    client.post(reverse("reconversions:new"), data)
    period = ReconversionPeriod.objects.get(employee_last_name="Petit")
    assert (period.depositor_email, period.employer_email) == ("autre@rh.test", "x@y.test")


def test_the_payment_advice_goes_to_the_providers_email_when_the_contract_names_none(accept, staff):
    from contracts.letters.services import PAYMENT_ADVICE, letter_recipients, recipients_text
    from referentials.services import provider_email_set

    contract = accept()
    assert (contract.cfa_email, letter_recipients(contract, PAYMENT_ADVICE)) == ("", [])
    assert recipients_text(contract, PAYMENT_ADVICE) == "aucun courrier envoyé : pas d'adresse"
    provider_email_set(actor=staff, provider_id=contract.cfa_id, email="compta@cfa-metiers.test")
    contract = ApprenticeshipContract.objects.select_related("cfa").get(pk=contract.pk)
    assert letter_recipients(contract, PAYMENT_ADVICE) == ["compta@cfa-metiers.test"]
    named = accept({"cfa.courriel": "factures@cfa-metiers.test", "apprenti.nom": "Bernard"})
    assert letter_recipients(named, PAYMENT_ADVICE) == ["factures@cfa-metiers.test"]  # the contract's own wins
