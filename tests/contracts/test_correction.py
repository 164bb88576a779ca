"""Correcting a received file (with a reason, audited before/after, checks run again) and its DECA
number (format of the DECA API's `noContrat`: « ABC » is refused); refusals change nothing."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from contracts.alternance import workflow
from contracts.alternance.correction import contract_correct, contract_deca_correct, deca_number_clean
from contracts.alternance.decisions import contract_accept
from contracts.alternance.deposit import contract_deposit
from contracts.alternance.payload import InvalidPayload
from contracts.enums import ContractKind, ContractStatus
from contracts.models import ApprenticeshipContract
from opco.models import AuditEntry
from tests.contracts.factories import base, changed, form_data, pro_base

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


# --- Correction of a received professionalisation file (EJ20) ------------------------------------------
@pytest.fixture
def pro_received(staff, referentials, load_certifications, clock):
    load_certifications("RNCP37105")
    clock(date(2026, 3, 5))
    return contract_deposit(actor=staff, data=pro_base()).contract


def latest_checks(contract) -> dict[str, str]:
    run = contract.check_runs.order_by("-ran_at", "-id").first()
    return {check["code"]: check["status"] for check in run.results}


def test_a_received_pro_file_is_corrected_audited_and_checked_again(staff, pro_received):
    runs = pro_received.check_runs.count()
    assert latest_checks(pro_received)["PRO_REMUNERATION"] == "ok"
    data = changed(
        pro_base(),
        {"contrat.salaire_brut_mensuel_embauche": "1000.00", "contrat.remunerations.0.taux": 60, "tuteurs.0.nom": "Martineau"},
    )
    report = contract_correct(actor=staff, contract_id=pro_received.pk, data=data, reason="Salaire et tuteur mal reportés")
    pro_received.refresh_from_db()
    assert pro_received.contract_kind == ContractKind.PROFESSIONNALISATION
    assert str(pro_received.monthly_salary) == "1000.00"
    assert list(pro_received.masters.values_list("last_name", flat=True)) == ["Martineau"]
    assert [str(period.rate) for period in pro_received.pay_periods.all()] == ["60.00"]
    assert pro_received.check_runs.count() == runs + 1
    assert latest_checks(pro_received)["PRO_REMUNERATION"] == "error"
    assert {check.code for check in report.checks} >= {"PRO_REMUNERATION", "PRO_TUTEUR", "PRO_DUREE"}
    entry = AuditEntry.objects.get(action="contract_correct")
    assert entry.changes == {
        "motif": "Salaire et tuteur mal reportés",
        "colonnes": {"monthly_salary": ["1458.42", "1000.00"]},
        "payload": {
            "contrat.remunerations.0.taux": [80, 60],
            "contrat.salaire_brut_mensuel_embauche": ["1458.42", "1000.00"],
            "tuteurs.0.nom": ["Martin", "Martineau"],
        },
    }


def test_a_pro_correction_without_reason_changes_nothing(staff, pro_received):
    before = (pro_received.payload, pro_received.monthly_salary, pro_received.check_runs.count())
    data = changed(pro_base(), {"contrat.salaire_brut_mensuel_embauche": "1000.00"})
    with pytest.raises(ValidationError, match="motif"):
        contract_correct(actor=staff, contract_id=pro_received.pk, data=data, reason="  ")
    with pytest.raises(ValidationError, match="CERFA EJ20"):  # a FA13 payload does not correct an EJ20 file
        contract_correct(actor=staff, contract_id=pro_received.pk, data=base(), reason="x")
    pro_received.refresh_from_db()
    assert (pro_received.payload, pro_received.monthly_salary, pro_received.check_runs.count()) == before
    assert list(pro_received.masters.values_list("last_name", flat=True)) == ["Martin"]
    assert not AuditEntry.objects.filter(action="contract_correct").exists()


def test_a_decided_pro_file_is_not_corrected_and_its_deca_number_is_recorded_with_a_reason(staff, pro_received):
    workflow.contract_transition(actor=staff, contract_id=pro_received.pk, action_code="instruct")
    contract_accept(actor=staff, contract_id=pro_received.pk, warnings_acknowledged=True)
    data = changed(pro_base(), {"contrat.salaire_brut_mensuel_embauche": "1500.00"})
    with pytest.raises(ValidationError, match="avenant ou rupture"):
        contract_correct(actor=staff, contract_id=pro_received.pk, data=data, reason="x")
    pro_received.refresh_from_db()
    assert (pro_received.status, str(pro_received.monthly_salary)) == (ContractStatus.DEPOSITED, "1458.42")
    with pytest.raises(ValidationError):
        contract_deca_correct(actor=staff, contract_id=pro_received.pk, deca_number="ABC", reason="x")
    contract_deca_correct(actor=staff, contract_id=pro_received.pk, deca_number="014202603000001", reason="Numéro reçu de DECA")
    pro_received.refresh_from_db()
    assert pro_received.deca_number == "014202603000001"
    assert AuditEntry.objects.get(action="contract_deca_correct").changes == {
        "motif": "Numéro reçu de DECA",
        "deca_number": ["", "014202603000001"],
    }


def test_the_correction_screen_of_a_pro_file_shows_the_ej20_blocks_and_corrects_it(client, staff, pro_received):
    client.force_login(staff)
    url = reverse("contracts:correct", args=[pro_received.pk])
    page = client.get(url).content.decode()
    assert "CERFA EJ20" in page and 'name="tuteurs__0__nom"' in page and 'value="1458.42"' in page
    corrected = changed(pro_base(), {"contrat.remunerations.0.taux": 60})
    fields = form_data({key: value for key, value in corrected.items() if key != "type_contrat"})
    response = client.post(url, {**fields, "reason": "Salaire mal reporté"}, follow=True)
    assert ApprenticeshipContract.objects.get(pk=pro_received.pk).pay_periods.get().rate == 60
    text = response.content.decode()
    assert "Dossier corrigé, contrôles relancés : contrôles à examiner" in text and "PRO_REMUNERATION" in text
    blank = client.post(url, {**fields, "reason": ""})
    assert "Ce champ est obligatoire" in blank.content.decode()
    assert AuditEntry.objects.filter(action="contract_correct").count() == 1
