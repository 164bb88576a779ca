"""Correcting a received file (with a reason, audited before/after, checks run again) and its DECA
number (format of the DECA API's `noContrat`: « ABC » is refused); refusals change nothing."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from contracts.alternance import workflow
from contracts.alternance.correction import contract_correct, contract_deca_correct, deca_number_clean
from contracts.alternance.deposit import contract_deposit
from contracts.alternance.payload import InvalidPayload
from contracts.enums import ContractStatus
from contracts.models import ApprenticeshipContract
from opco.models import AuditEntry
from tests.contracts.factories import base, changed, form_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def received(staff, referentials, clock):
    clock(date(2025, 9, 3))
    return contract_deposit(actor=staff, data={**base(), "recu_le": "2025-09-02"}).contract


def remuneration(contract):
    run = contract.check_runs.order_by("-ran_at", "-id").first()
    return next(check for check in run.results if check["code"] == "REMUNERATION")


# --- DECA number ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("number", ["02B202212000000", "075202609NC0001", "971202601120042", " 075 2026 09 00 0001 "])
def test_valid_deca_numbers(number):
    assert deca_number_clean(number) == number.replace(" ", "").upper()


@pytest.mark.parametrize(
    "number",
    ["ABC", "DECA-0001", "07520260900001", "0752026090000012", "075202613000001", "075202600000001", "980202609000001"],
)
def test_malformed_deca_numbers_are_refused_in_french(number):
    with pytest.raises(ValidationError) as refused:
        deca_number_clean(number)
    assert "n'est pas un numéro DECA" in refused.value.message_dict["deca_number"][0]


def test_depositing_abc_is_refused_and_changes_nothing(staff, accept):
    contract = accept()
    with pytest.raises(ValidationError):
        workflow.contract_deposit_deca(actor=staff, contract_id=contract.pk, deca_number="ABC")
    contract.refresh_from_db()
    assert (contract.status, contract.deca_number) == (ContractStatus.ACCEPTED, "")


def test_a_deca_number_is_corrected_with_a_reason(staff, accept):
    contract = accept()
    workflow.contract_deposit_deca(actor=staff, contract_id=contract.pk, deca_number="075202509000001")
    with pytest.raises(ValidationError):
        contract_deca_correct(actor=staff, contract_id=contract.pk, deca_number="075202509000002", reason=" ")
    contract_deca_correct(actor=staff, contract_id=contract.pk, deca_number="075202509000002", reason="Erreur de saisie")
    contract.refresh_from_db()
    assert contract.deca_number == "075202509000002"
    entry = AuditEntry.objects.get(action="contract_deca_correct")
    assert entry.changes == {"motif": "Erreur de saisie", "deca_number": ["075202509000001", "075202509000002"]}


# --- Correction of a received file ---------------------------------------------------------------------
def test_a_received_file_is_corrected_audited_and_checked_again(staff, received):
    data = changed({**base(), "recu_le": "2025-09-02"}, {"contrat.salaire_brut_mensuel_embauche": "700.00"})
    report = contract_correct(actor=staff, contract_id=received.pk, data=data, reason="Salaire mal reporté")
    received.refresh_from_db()
    assert str(received.monthly_salary) == "700.00"
    assert report.eligible is False
    assert remuneration(received)["status"] == "error"
    entry = AuditEntry.objects.get(action="contract_correct")
    assert entry.changes["motif"] == "Salaire mal reporté"
    assert entry.changes["payload"] == {"contrat.salaire_brut_mensuel_embauche": ["774.78", "700.00"]}
    assert entry.changes["colonnes"]["monthly_salary"] == ["774.78", "700.00"]


def test_a_correction_without_reason_or_with_a_bad_payload_changes_nothing(staff, received):
    before = (received.payload, received.monthly_salary, received.check_runs.count())
    data = changed(base(), {"contrat.salaire_brut_mensuel_embauche": "700.00"})
    with pytest.raises(ValidationError):
        contract_correct(actor=staff, contract_id=received.pk, data=data, reason="")
    with pytest.raises(InvalidPayload):
        contract_correct(
            actor=staff, contract_id=received.pk, data=changed(data, {"contrat.date_debut": "2025-02-30"}), reason="x"
        )
    received.refresh_from_db()
    assert (received.payload, received.monthly_salary, received.check_runs.count()) == before
    assert not AuditEntry.objects.filter(action="contract_correct").exists()


def test_a_decided_file_is_not_corrected(staff, accept):
    contract = accept()
    with pytest.raises(ValidationError, match="avenant ou rupture"):
        contract_correct(actor=staff, contract_id=contract.pk, data=base(), reason="x")


def test_the_correction_screen_prefills_the_file_and_corrects_it(client, staff, received):
    client.force_login(staff)
    url = reverse("contracts:correct", args=[received.pk])
    page = client.get(url).content.decode()
    assert 'value="774.78"' in page and "Motif de la correction" in page
    data = form_data(changed(base(), {"contrat.salaire_brut_mensuel_embauche": "800.00"}))
    response = client.post(url, {**data, "reason": "Avenant de salaire reçu avant décision"}, follow=True)
    assert ApprenticeshipContract.objects.get(pk=received.pk).monthly_salary == 800
    assert "Dossier corrigé" in response.content.decode()


def test_the_deca_correction_screen_refuses_abc(client, staff, accept):
    contract = accept()
    workflow.contract_deposit_deca(actor=staff, contract_id=contract.pk, deca_number="075202509000001")
    client.force_login(staff)
    response = client.post(reverse("contracts:correct_deca", args=[contract.pk]), {"deca_number": "ABC", "reason": "x"})
    assert "« ABC » n&#x27;est pas un numéro DECA" in response.content.decode()
    assert ApprenticeshipContract.objects.get(pk=contract.pk).deca_number == "075202509000001"
