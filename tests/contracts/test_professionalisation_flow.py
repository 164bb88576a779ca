"""Professionalisation contracts (EJ20) through the apprenticeship machinery: deposit (API), checks,
acceptance that deposits (D6325-2), silence that accepts (exactly once, frozen time), the schedule
(D6332-86 forfait, D6332-93 1° tutoring, D6332-92 tutor training), payability to the training body
and to the employer, rupture; and the apprenticeship master aid a branch decides (D6332-93 2°)."""

import json
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.contrib.contenttypes.models import ContentType

from branches.models import BranchFundingDecision, BranchIdcc, ProfessionalisationRate
from contracts.alternance import workflow
from contracts.alternance.cfa_documents import cfa_document_receive
from contracts.alternance.decisions import (
    contract_accept,
    contract_rupture,
    contracts_record_implicit_acceptances,
    contracts_record_implicit_refusals,
)
from contracts.alternance.deposit import contract_deposit
from contracts.alternance.payability import instalments_release
from contracts.alternance.workflow import TransitionRefused, available_actions
from contracts.enums import CfaDocumentKind, ContractKind, ContractStatus
from contracts.models import ApprenticeshipContract, Instalment
from opco.models import AuditEntry
from payments.enums import BeneficiaryKind, ScheduleStatus
from payments.models import PayableLine
from referentials.models import Company
from tests.contracts.factories import CFA_SIRET, base, changed

pytestmark = pytest.mark.django_db

PARIS = ZoneInfo("Europe/Paris")
PRO_JSON = Path(__file__).parent / "data" / "pro_contract.json"
EMPLOYER_SIRET = "00123456600014"
EMPLOYER_IBAN = "FR7630004000031234567890143"


def pro_payload(changes: dict | None = None) -> dict:
    return changed(json.loads(PRO_JSON.read_text()), changes or {})


@pytest.fixture
def clock(time_machine):
    def move(day: date) -> None:
        time_machine.move_to(datetime(day.year, day.month, day.day, 12, tzinfo=PARIS), tick=False)

    return move


@pytest.fixture
def pro_referentials(referentials, load_certifications):
    load_certifications("RNCP37105")


@pytest.fixture
def deposit(staff, pro_referentials):
    def make(changes: dict | None = None) -> ApprenticeshipContract:
        return contract_deposit(actor=staff, data=pro_payload(changes)).contract

    return make


@pytest.fixture
def accepted(deposit, staff, clock):
    """A professionalisation contract accepted on 10 March 2026 (the base EJ20 payload: 2 March 2026 →
    1 March 2027, 400 h of training, a tutor of 45, 6 months of tutoring, no branch forfait)."""

    def make(changes: dict | None = None) -> ApprenticeshipContract:
        clock(date(2026, 3, 10))
        contract = deposit(changes)
        workflow.contract_transition(actor=staff, contract_id=contract.pk, action_code="instruct")
        contract_accept(actor=staff, contract_id=contract.pk, warnings_acknowledged=True)
        return ApprenticeshipContract.objects.select_related("commitment").get(pk=contract.pk)

    return make


def live(contract) -> list[tuple]:
    rows = contract.commitment.instalments.exclude(status=ScheduleStatus.SUPERSEDED).order_by("due_date", "kind")
    return [(r.kind, r.due_date, r.net, r.status) for r in rows]


def lines_of(contract) -> list[tuple]:
    lines = PayableLine.objects.filter(
        source_type=ContentType.objects.get_for_model(Instalment),
        source_id__in=contract.commitment.instalments.values("id"),
    ).select_related("account")
    return sorted((line.account.kind, line.account.identifier, line.amount, line.due_date) for line in lines)


# --- Deposit and checks -----------------------------------------------------------------------------------
def test_the_api_deposits_a_professionalisation_contract_into_the_same_workflow(client_for, staff, pro_referentials, clock):
    clock(date(2026, 3, 4))
    response = client_for(staff).post("/api/v1/apprenticeship-contracts/", data=pro_payload(), content_type="application/json")
    assert response.status_code == 201, response.content
    contract = ApprenticeshipContract.objects.get()
    assert contract.file_number.startswith("PR2026")
    assert contract.contract_kind == ContractKind.PROFESSIONNALISATION
    assert (contract.received_on, contract.decision_due_on) == (date(2026, 3, 4), date(2026, 3, 24))  # D6325-2: 20 days
    assert (contract.cfa_siret, contract.training_hours, contract.rncp) == (CFA_SIRET, Decimal("400.00"), "RNCP37105")
    assert [m.last_name for m in contract.masters.all()] == ["Martin"]
    codes = [result["code"] for result in contract.check_runs.first().results]
    assert {"PRO_PUBLIC", "PRO_DUREE", "PRO_FORMATION_DUREE", "PRO_REMUNERATION", "PRO_TUTEUR"} <= set(codes)
    # The same payload again is the same file (idempotent), as for apprenticeship.
    again = client_for(staff).post("/api/v1/apprenticeship-contracts/", data=pro_payload(), content_type="application/json")
    assert again.status_code == 200 and ApprenticeshipContract.objects.count() == 1


def test_the_deca_deposit_is_not_an_action_of_a_professionalisation_contract(deposit, staff, clock):
    clock(date(2026, 3, 4))
    contract = deposit()
    assert "deposit" not in [action.code for action in available_actions(contract)]


# --- Acceptance: the schedule, and the deposit it is (D6325-2) ------------------------------------------
def test_acceptance_deposits_the_contract_and_commits_forfait_tutoring_and_tutor_training(accepted):
    contract = accepted({"tuteurs.0.formation_heures": 50})
    assert contract.status == ContractStatus.DEPOSITED
    commitment = contract.commitment
    # 21 years old, job seeker for 6 months, bac pro: not the L6325-1-1 public; no branch forfait.
    assert (commitment.regime, commitment.npec, commitment.npec_source) == ("PRO", Decimal("9.15"), "defaut")
    # 400 h × 9,15 = 3 660,00; tutor of 45 on the start date: 345 € × 6 = 2 070,00; 40 h × 15 € = 600,00.
    assert commitment.annual_amount == Decimal("6330.00")
    assert live(contract) == [
        ("advance", date(2026, 3, 2), Decimal("1830.00"), "planned"),
        ("formation_tuteur", date(2026, 3, 2), Decimal("600.00"), "planned"),
        ("tutorat", date(2026, 9, 2), Decimal("2070.00"), "planned"),
        ("balance", date(2027, 3, 1), Decimal("1830.00"), "planned"),
    ]


def test_a_tutor_of_44_on_the_start_date_gets_the_base_tutoring(accepted):
    contract = accepted({"tuteurs.0.date_naissance": "1981-03-03"})  # 45 on 3 March 2026, the day after the start
    assert ("tutorat", date(2026, 9, 2), Decimal("1380.00"), "planned") in live(contract)  # 230 € × 6


def test_the_branch_forfait_on_the_signature_date_is_committed(accepted, staff):
    branch_id = BranchIdcc.objects.get(idcc__code="0843").branch_id
    ProfessionalisationRate.objects.create(branch_id=branch_id, hourly_rate=Decimal("11.50"), applicable_from=date(2026, 2, 23))
    ProfessionalisationRate.objects.create(branch_id=branch_id, hourly_rate=Decimal("13.00"), applicable_from=date(2026, 2, 24))
    contract = accepted()  # signed on 23 February 2026: the rate of that day, not the next day's
    assert (contract.commitment.npec, contract.commitment.npec_source) == (Decimal("11.50"), "branche")
    assert contract.commitment.instalments.get(kind="advance").net == Decimal("2300.00")  # 400 × 11,50 / 2


def test_an_error_in_the_checks_blocks_an_explicit_acceptance_and_changes_nothing(deposit, staff, clock):
    clock(date(2026, 3, 10))
    contract = deposit({"formation.duree_heures": 100})  # under the 150 h of L6325-13
    workflow.contract_transition(actor=staff, contract_id=contract.pk, action_code="instruct")
    with pytest.raises(TransitionRefused, match="PRO_FORMATION_DUREE"):
        contract_accept(actor=staff, contract_id=contract.pk, warnings_acknowledged=True)
    contract.refresh_from_db()
    assert contract.status == ContractStatus.UNDER_INSTRUCTION and not hasattr(contract, "commitment")


# --- Silence means acceptance (D6325-2), exactly once -----------------------------------------------------
def test_silence_accepts_the_day_after_the_20_days_exactly_once(deposit, clock):
    clock(date(2026, 3, 4))
    contract = deposit()
    assert contract.decision_due_on == date(2026, 3, 24)
    clock(date(2026, 3, 24))
    assert contracts_record_implicit_acceptances() == []
    contract.refresh_from_db()
    assert contract.status == ContractStatus.RECEIVED
    clock(date(2026, 3, 25))
    assert contracts_record_implicit_acceptances() == [contract.pk]
    assert contracts_record_implicit_acceptances() == []  # run again: nothing more
    contract.refresh_from_db()
    assert contract.status == ContractStatus.DEPOSITED and contract.implicit_acceptance
    assert contract.decided_on == date(2026, 3, 25)
    assert contract.commitment.annual_amount == Decimal("5730.00")  # 3 660 + 2 070, no tutor training
    entries = AuditEntry.objects.filter(action="contract_accept_implicit", target_id=str(contract.pk))
    assert entries.count() == 1 and entries.get().summary.startswith("Acceptation implicite (D6325-2)")


def test_silence_accepts_even_a_file_whose_checks_fail_and_the_refusal_job_leaves_it_alone(deposit, clock):
    clock(date(2026, 3, 4))
    contract = deposit({"formation.duree_heures": 100})
    clock(date(2026, 3, 25))
    assert contracts_record_implicit_refusals() == []
    assert contracts_record_implicit_acceptances() == [contract.pk]
    contract.refresh_from_db()
    assert contract.status == ContractStatus.DEPOSITED


def test_the_acceptance_job_never_accepts_an_apprenticeship_contract(accept, clock, staff):
    clock(date(2025, 9, 2))
    contract = contract_deposit(actor=staff, data={**base(), "recu_le": "2025-09-02"}).contract
    clock(date(2025, 9, 30))
    assert contracts_record_implicit_acceptances() == []
    with pytest.raises(TransitionRefused):
        contract_accept(actor=None, contract_id=contract.pk, implicit=True)
    contract.refresh_from_db()
    assert contract.status == ContractStatus.RECEIVED


def test_a_file_declared_incomplete_is_not_accepted_by_silence(deposit, staff, clock):
    clock(date(2026, 3, 4))
    contract = deposit()
    workflow.contract_request_documents(actor=staff, contract_id=contract.pk, message="Annexe pédagogique manquante")
    clock(date(2026, 4, 30))
    assert contracts_record_implicit_acceptances() == []


# --- Payability: the training body on its documents, the employer at the dates -------------------------
def test_the_training_body_is_paid_on_its_invoice_and_the_employer_at_the_tutoring_date(accepted, staff, clock):
    contract = accepted()
    Company.objects.filter(siret=EMPLOYER_SIRET).update(iban=EMPLOYER_IBAN, bic="CEPAFRPP")
    clock(date(2026, 3, 12))
    assert instalments_release().released == 0  # the advance waits for the invoice
    cfa_document_receive(
        actor=staff,
        contract_reference=contract.file_number,
        kind=CfaDocumentKind.ANNUAL_INVOICE,
        cfa_siret=CFA_SIRET,
        year=1,
        number="OF-2026-001",
    )
    assert lines_of(contract) == [("organisme", CFA_SIRET, Decimal("1830.00"), date(2026, 3, 12))]
    clock(date(2026, 9, 1))
    assert instalments_release().released == 0
    clock(date(2026, 9, 2))
    assert instalments_release().released == 1
    assert ("employeur", EMPLOYER_SIRET, Decimal("2070.00"), date(2026, 9, 2)) in lines_of(contract)


def test_an_employer_without_iban_blocks_its_aid_only(accepted, clock):
    contract = accepted()
    clock(date(2026, 9, 2))
    report = instalments_release()
    assert report.released == 0
    assert any(contract.file_number in blocked and "IBAN" in blocked for blocked in report.blocked)


def test_the_balance_needs_the_final_invoice_and_the_completion_attestation(accepted, staff, clock):
    contract = accepted()
    clock(date(2027, 3, 10))
    for kind, number in ((CfaDocumentKind.FINAL_INVOICE, "OF-2027-009"), (CfaDocumentKind.COMPLETION_ATTESTATION, "")):
        assert not PayableLine.objects.filter(source_id=contract.commitment.instalments.get(kind="balance").pk).exists()
        cfa_document_receive(actor=staff, contract_reference=contract.file_number, kind=kind, cfa_siret=CFA_SIRET, number=number)
    balance = contract.commitment.instalments.get(kind="balance")
    balance.refresh_from_db()
    assert balance.status == ScheduleStatus.PAYABLE


# --- Rupture ------------------------------------------------------------------------------------------------
def test_a_rupture_earns_the_forfait_pro_rata_and_the_tutoring_for_the_months_begun(accepted, staff, clock):
    contract = accepted()
    clock(date(2026, 6, 5))
    contract_rupture(actor=staff, contract_id=contract.pk, rupture_date=date(2026, 6, 1), cause="accord_commun")
    contract.refresh_from_db()
    # 92 days of 365: 3 660 × 92 / 365 = 922,52 earned, 1 830 advanced: −907,48; tutoring 3 months begun: 345 × 3.
    assert live(contract) == [
        ("advance", date(2026, 3, 2), Decimal("1830.00"), "planned"),
        ("balance", date(2026, 6, 1), Decimal("-907.48"), "planned"),
        ("tutorat", date(2026, 6, 1), Decimal("1035.00"), "planned"),
    ]


def test_a_rupture_after_a_paid_tutoring_keeps_it_and_regularises_the_employer_apart(accepted, staff, clock):
    contract = accepted()
    tutorat = contract.commitment.instalments.get(kind="tutorat")
    Instalment.objects.filter(pk=tutorat.pk).update(status=ScheduleStatus.PAID)
    clock(date(2026, 6, 5))
    contract_rupture(actor=staff, contract_id=contract.pk, rupture_date=date(2026, 6, 1), cause="accord_commun")
    rows = live(contract)
    assert ("tutorat", date(2026, 9, 2), Decimal("2070.00"), "paid") in rows
    # 2 070 paid, 1 035 due: the employer owes 1 035, on a line of its own (never netted on the training body).
    assert ("regul_employeur", date(2026, 6, 2), Decimal("-1035.00"), "planned") in rows
    assert ("balance", date(2026, 6, 1), Decimal("-907.48"), "planned") in rows


# --- The apprenticeship master aid, where the branch decided it (D6332-93 2°) ----------------------------
def _master_aid(applicable_from: date, *, active: bool = True) -> BranchFundingDecision:
    branch_id = BranchIdcc.objects.get(idcc__code="0843").branch_id
    return BranchFundingDecision.objects.create(
        branch_id=branch_id,
        kind=BranchFundingDecision.Kind.MASTER_AID,
        active=active,
        monthly_amount=Decimal("230.00") if active else None,
        max_months=12 if active else None,
        applicable_from=applicable_from,
        source="Accord de branche du 1er juillet 2025",
    )


def test_no_master_aid_without_a_branch_decision(accept):
    contract = accept()
    assert not contract.commitment.instalments.filter(kind="aide_maitre").exists()


def test_the_master_aid_is_committed_for_12_months_and_paid_to_the_employer(accept, clock):
    _master_aid(date(2025, 7, 1))
    contract = accept()
    aid = contract.commitment.instalments.get(kind="aide_maitre")
    start = contract.start_date
    assert (aid.net, aid.due_date, aid.year) == (Decimal("2760.00"), start.replace(year=start.year + 1), 2)
    assert contract.commitment.engine_input["aide_maitre"]["monthly"] == "230.00"
    Company.objects.filter(siret=EMPLOYER_SIRET).update(iban=EMPLOYER_IBAN)
    clock(aid.due_date)
    instalments_release(contract_ids=[contract.pk])
    line = PayableLine.objects.get(source_id=aid.pk, source_type=ContentType.objects.get_for_model(Instalment))
    assert (line.account.kind, line.account.identifier, line.amount) == (BeneficiaryKind.EMPLOYER, EMPLOYER_SIRET, aid.net)


def test_a_branch_that_stopped_the_aid_before_the_signature_gives_none(accept):
    _master_aid(date(2025, 1, 1))
    _master_aid(date(2025, 7, 1), active=False)
    contract = accept()
    assert not contract.commitment.instalments.filter(kind="aide_maitre").exists()


def test_a_rupture_keeps_the_master_aid_for_the_months_begun(accept, staff, clock):
    _master_aid(date(2025, 7, 1))
    contract = accept()
    start = contract.start_date  # 1 September 2025
    clock(date(2026, 1, 20))
    contract_rupture(actor=staff, contract_id=contract.pk, rupture_date=date(2026, 1, 15), cause="accord_commun")
    aid = contract.commitment.instalments.exclude(status=ScheduleStatus.SUPERSEDED).get(kind="aide_maitre")
    # 1 Sept, 1 Oct, 1 Nov, 1 Dec, 1 Jan: 5 months begun, 230 × 5, due on the rupture date.
    assert (aid.net, aid.due_date) == (Decimal("1150.00"), date(2026, 1, 15))
    assert start == date(2025, 9, 1)


# --- Screens ------------------------------------------------------------------------------------------------
def test_the_file_page_speaks_of_a_salarie_a_tutor_and_a_training_body(accepted, client_for, staff):
    contract = accepted()
    page = client_for(staff).get(f"/contrats/{contract.pk}/").content.decode()
    for text in ("Contrat de professionnalisation (EJ20)", "Salarié(e)", "Tuteur(s)", "Organisme de formation"):
        assert text in page
    assert "Forfait horaire retenu" in page and "Aide au tutorat (employeur)" in page
    assert "Enregistrer le dépôt (n° DECA)" not in page


def test_the_list_filters_on_the_kind_of_contract(accepted, accept, client_for, staff):
    pro = accepted()
    apprenticeship = accept()
    client = client_for(staff)
    listed = client.get("/contrats/", {"contract_kind": "professionnalisation"}).context["object_list"]
    assert [c.pk for c in listed] == [pro.pk]
    listed = client.get("/contrats/", {"contract_kind": "apprentissage"}).context["object_list"]
    assert [c.pk for c in listed] == [apprenticeship.pk]
