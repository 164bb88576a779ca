"""The life of a contract file: deposit, every (status, action) pair, the implicit refusal."""

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import ValidationError

from contracts.alternance import workflow
from contracts.alternance.decisions import contract_accept, contract_refuse, contract_rupture, contracts_record_implicit_refusals
from contracts.alternance.deposit import contract_deposit
from contracts.alternance.payload import InvalidPayload
from contracts.enums import ContractStatus as S
from contracts.models import ApprenticeshipContract, CheckRun
from opco.models import AuditEntry
from tests.contracts.factories import VALID_NIR, base, changed

pytestmark = pytest.mark.django_db
PARIS = ZoneInfo("Europe/Paris")


@pytest.fixture
def staff(make_user):
    return make_user(kind="staff", groups=["gestionnaire"])


@pytest.fixture
def referentials(load, load_certifications):
    load("idcc", "branches", "holidays", "legal_parameters")
    load_certifications("RNCP37566")


def deposit(actor, **changes):
    data = changed({**base(), "recu_le": "2025-09-02"}, changes)
    return contract_deposit(actor=actor, data=data, depositor_email="rh@boulangerie.test").contract


def test_deposit_stores_the_file_opens_20_days_and_runs_the_checks(staff, referentials):
    contract = deposit(staff, **{"apprenti.nir": VALID_NIR})
    contract.refresh_from_db()
    assert contract.file_number == f"AP2025{contract.pk:07d}"
    assert (contract.status, contract.received_on, contract.complete_on, contract.decision_due_on) == (
        S.RECEIVED,
        date(2025, 9, 2),
        date(2025, 9, 2),
        date(2025, 9, 22),
    )
    assert (contract.employer_siret, contract.employer_idcc, contract.employer.name) == (
        "00123456600014",
        "0843",
        "Boulangerie du Marché",
    )
    assert contract.apprentice_nir == VALID_NIR and "nir" not in contract.payload["apprenti"]
    assert [(m.last_name, m.birth_date) for m in contract.masters.all()] == [("Martin", date(1980, 5, 2))]
    assert [(p.start, p.rate) for p in contract.pay_periods.all()] == [
        (date(2025, 9, 1), Decimal(43)),
        (date(2026, 9, 1), Decimal(51)),
    ]
    run = CheckRun.objects.get(contract=contract)
    assert run.eligible and {c["code"]: c["status"] for c in run.results}["DEPOT_DELAI"] == "ok"
    assert AuditEntry.objects.filter(action="contract_deposit", target_id=str(contract.pk)).count() == 1


def test_the_same_payload_deposited_twice_is_one_file(staff, referentials):
    first = deposit(staff)
    data = changed({**base(), "recu_le": "2025-09-02"}, {})
    again = contract_deposit(actor=staff, data=data)
    assert (again.created, again.contract.pk) == (False, first.pk)
    assert ApprenticeshipContract.objects.count() == 1


def test_a_malformed_payload_names_the_field_and_stores_nothing(staff, referentials):
    with pytest.raises(InvalidPayload) as error:
        contract_deposit(actor=staff, data=changed(base(), {"contrat.date_debut": "2025-02-30"}))
    assert "contrat.date_debut" in error.value.errors
    assert ApprenticeshipContract.objects.count() == 0 and AuditEntry.objects.filter(action="contract_deposit").count() == 0


def test_a_file_with_a_bad_employer_siret_is_received_and_flagged(staff, referentials):
    contract = deposit(staff, **{"employeur.siret": "00123456600015"})
    assert contract.employer is None and contract.employer_siret == "00123456600015"
    run = contract.check_runs.first()
    assert not run.eligible and {c["code"]: c["status"] for c in run.results}["EMPLOYEUR_SIRET"] == "error"


# --- Every (status, action) pair works or changes nothing -------------------------------------------
ACTION_CALLS = {
    "instruct": lambda actor, pk: workflow.contract_transition(actor=actor, contract_id=pk, action_code="instruct"),
    "request_documents": lambda actor, pk: workflow.contract_request_documents(
        actor=actor, contract_id=pk, message="Convention de formation"
    ),
    "documents_received": lambda actor, pk: workflow.contract_documents_received(
        actor=actor, contract_id=pk, on=date(2025, 9, 10)
    ),
    "accept": lambda actor, pk: contract_accept(actor=actor, contract_id=pk),
    "accept_implicit": lambda actor, pk: contract_accept(actor=None, contract_id=pk, implicit=True),
    "refuse": lambda actor, pk: contract_refuse(actor=actor, contract_id=pk, codes=["AGE"], text=""),
    "deposit": lambda actor, pk: workflow.contract_deposit_deca(
        actor=actor, contract_id=pk, deca_number=f"07520260900{pk % 10000:04d}"
    ),
    "start": lambda actor, pk: workflow.contract_transition(actor=actor, contract_id=pk, action_code="start"),
    "end": lambda actor, pk: workflow.contract_transition(actor=actor, contract_id=pk, action_code="end"),
    "rupture": lambda actor, pk: contract_rupture(
        actor=actor, contract_id=pk, rupture_date=date(2025, 10, 5), cause="accord_commun"
    ),
}


@pytest.mark.parametrize("status", list(S))
@pytest.mark.parametrize("action_code", list(workflow.ACTIONS))
def test_every_status_action_pair_works_or_changes_nothing(staff, referentials, status, action_code):
    contract = deposit(staff)
    ApprenticeshipContract.objects.filter(pk=contract.pk).update(status=status)
    before = ApprenticeshipContract.objects.values().get(pk=contract.pk)
    audit_before = AuditEntry.objects.count()
    action = workflow.ACTIONS[action_code]
    # An apprenticeship file: the actions of professionalisation contracts only are refused too.
    if status in action.allowed_from and contract.contract_kind in action.kinds:
        ACTION_CALLS[action_code](staff, contract.pk)
        assert ApprenticeshipContract.objects.get(pk=contract.pk).status == action.to_status
    else:
        with pytest.raises(workflow.TransitionRefused):
            ACTION_CALLS[action_code](staff, contract.pk)
        assert ApprenticeshipContract.objects.values().get(pk=contract.pk) == before
        assert AuditEntry.objects.count() == audit_before


def test_incomplete_stops_the_clock_and_completion_restarts_it(staff, referentials, django_capture_on_commit_callbacks):
    contract = deposit(staff)
    with django_capture_on_commit_callbacks(execute=True):
        workflow.contract_request_documents(actor=staff, contract_id=contract.pk, message="Convention de formation signée")
    contract.refresh_from_db()
    assert (contract.complete_on, contract.decision_due_on) == (None, None)
    assert mail.outbox[-1].to == ["rh@boulangerie.test"] and "Convention de formation signée" in mail.outbox[-1].body
    workflow.contract_documents_received(actor=staff, contract_id=contract.pk, on=date(2025, 9, 15))
    contract.refresh_from_db()
    assert (contract.status, contract.decision_due_on) == (S.UNDER_INSTRUCTION, date(2025, 10, 5))


def test_an_incomplete_request_needs_a_message(staff, referentials):
    contract = deposit(staff)
    with pytest.raises(ValidationError):
        workflow.contract_request_documents(actor=staff, contract_id=contract.pk, message="  ")
    assert ApprenticeshipContract.objects.get(pk=contract.pk).status == S.RECEIVED


def test_a_deca_number_belongs_to_one_file(staff, referentials):
    first, second = deposit(staff), deposit(staff, **{"apprenti.nom": "Petit"})
    for contract in (first, second):
        ApprenticeshipContract.objects.filter(pk=contract.pk).update(status=S.ACCEPTED)
    workflow.contract_deposit_deca(actor=staff, contract_id=first.pk, deca_number="075202609000001")
    with pytest.raises(ValidationError):
        workflow.contract_deposit_deca(actor=staff, contract_id=second.pk, deca_number="075202609000001")
    assert ApprenticeshipContract.objects.get(pk=second.pk).status == S.ACCEPTED


# --- R6224-3: silence for 20 days is a refusal, recorded once ----------------------------------------
def test_implicit_refusal_happens_exactly_once_after_the_20th_day(staff, referentials, django_capture_on_commit_callbacks):
    contract = deposit(staff)  # complete on 2 September 2025: decision due on 22 September
    with time_machine.travel(datetime(2025, 9, 22, 23, 0, tzinfo=PARIS), tick=False):
        assert contracts_record_implicit_refusals() == []
    with (
        time_machine.travel(datetime(2025, 9, 23, 0, 30, tzinfo=PARIS), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert contracts_record_implicit_refusals() == [contract.pk]
        assert contracts_record_implicit_refusals() == []
    contract.refresh_from_db()
    assert (contract.status, contract.implicit_refusal, contract.decided_on) == (S.REFUSED, True, date(2025, 9, 23))
    assert AuditEntry.objects.filter(action="contract_refuse", target_id=str(contract.pk)).count() == 1
    letters = [m for m in mail.outbox if m.subject.startswith("Refus de prise en charge")]
    assert len(letters) == 1 and letters[0].attachments[0][0] == f"refus-{contract.file_number}.pdf"
    assert letters[0].attachments[0][1].startswith(b"%PDF-")


def test_a_decided_file_is_never_implicitly_refused(staff, referentials):
    contract = deposit(staff)
    workflow.contract_transition(actor=staff, contract_id=contract.pk, action_code="instruct")
    contract_accept(actor=staff, contract_id=contract.pk)
    with time_machine.travel(datetime(2025, 12, 1, 9, 0, tzinfo=PARIS), tick=False):
        assert contracts_record_implicit_refusals() == []
    assert ApprenticeshipContract.objects.get(pk=contract.pk).status == S.ACCEPTED


def test_a_refusal_needs_reasons(staff, referentials):
    contract = deposit(staff)
    with pytest.raises(ValidationError):
        contract_refuse(actor=staff, contract_id=contract.pk, codes=[], text="")
    assert ApprenticeshipContract.objects.get(pk=contract.pk).status == S.RECEIVED


def test_the_same_contract_written_differently_is_one_file(staff, referentials):
    """A rate of 43 or "43", a share of 0 or "0": the same contract, one file (API then form)."""
    first = deposit(staff)
    rewritten = changed(
        {**base(), "recu_le": "2025-09-02"}, {"contrat.remunerations.0.taux": "43", "formation.distance_pct": "0.0"}
    )
    again = contract_deposit(actor=staff, data=rewritten)
    assert (again.created, again.contract.pk) == (False, first.pk)


def test_each_transition_is_logged_once_with_its_author_and_the_decision_says_who_took_it(staff, referentials, client_for):
    contract = deposit(staff)
    workflow.contract_transition(actor=staff, contract_id=contract.pk, action_code="instruct")
    contract_refuse(actor=staff, contract_id=contract.pk, codes=["AGE"], text="Âge hors des bornes de L6222-1.")

    from opco.workflow import transitions_of

    contract.refresh_from_db()
    steps = transitions_of(contract)
    assert [(s.action, s.from_label, s.to_label, s.actor) for s in steps] == [
        ("instruct", "Reçu", "En instruction", staff),
        ("refuse", "En instruction", "Refusé", staff),
    ]
    assert contract.decided_by == staff
    page = client_for(staff).get(f"/contrats/{contract.pk}/").content.decode()
    assert "Étapes de l'instruction" in page and "En instruction → Refusé" in page


def test_a_reader_role_cannot_move_a_file_even_through_the_service(staff, referentials, make_user):
    contract = deposit(staff)
    representative = make_user(kind="branch_rep")
    with pytest.raises(workflow.TransitionRefused, match="Votre rôle ne permet pas « Prendre en instruction »"):
        workflow.contract_transition(actor=representative, contract_id=contract.pk, action_code="instruct")
    contract.refresh_from_db()
    assert contract.status == S.RECEIVED
    from opco.models import TransitionLog

    assert not TransitionLog.objects.exists()
