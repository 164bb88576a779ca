"""Accepting commits money; ruptures, amendments and NPEC regularisations recompute the schedule with
the engine and never touch a paid line."""

from datetime import date
from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import ValidationError

from branches.models import Cpne, CpneIdcc, NpecPublication
from branches.services import npec_decision_record
from contracts.alternance import workflow
from contracts.alternance.decisions import (
    commitment_regularise_npec,
    contract_accept,
    contract_amend,
    contract_rupture,
    contracts_awaiting_npec_regularisation,
    simulation_payload,
)
from contracts.alternance.deposit import contract_deposit
from contracts.alternance.workflow import TransitionRefused
from contracts.enums import ContractStatus as S
from contracts.financing.service import simulation_run
from contracts.models import ApprenticeshipContract, Commitment, EmployerOpposition, Instalment
from notifications.models import Reminder
from notifications.tasks import send_daily_reminders as send_reminders
from payments.enums import ScheduleStatus
from tests.contracts.factories import base, changed

pytestmark = pytest.mark.django_db
ZERO = Decimal("0.00")


@pytest.fixture
def staff(make_user):
    return make_user(kind="staff", groups=["gestionnaire"])


@pytest.fixture
def referentials(load, load_certifications):
    load("idcc", "branches", "holidays", "legal_parameters")
    load_certifications("RNCP37566")


def accepted(actor, **changes) -> ApprenticeshipContract:
    data = changed({**base(), "recu_le": "2025-09-02"}, changes)
    contract = contract_deposit(actor=actor, data=data).contract
    workflow.contract_transition(actor=actor, contract_id=contract.pk, action_code="instruct")
    contract_accept(actor=actor, contract_id=contract.pk)
    return ApprenticeshipContract.objects.get(pk=contract.pk)


def live_lines(contract) -> list[tuple]:
    rows = contract.commitment.instalments.exclude(status=ScheduleStatus.SUPERSEDED).order_by("due_date", "year", "id")
    return [(r.year, r.kind, r.due_date, r.gross, r.deduction, r.net) for r in rows]


def engine_lines(schedule) -> list[tuple]:
    return [(line.year, line.kind.value, line.due_date, line.gross, line.deduction, line.net) for line in schedule.instalments]


def test_accepting_commits_the_engine_schedule_with_the_npec_and_its_origin(staff, referentials):
    contract = accepted(staff)
    commitment = contract.commitment
    # Level 3, no NPEC published for RNCP37566 × the bakery CPNE: the valeur d'amorçage (D6332-80).
    assert (commitment.regime, commitment.npec, commitment.npec_source, commitment.annual_amount) == (
        "R2025",
        Decimal("5470.00"),
        "amorcage",
        Decimal("5470.00"),
    )
    assert commitment.financial_section == "alternance" and commitment.employer_participation == ZERO
    expected = simulation_run(simulation_payload(contract))[0]
    assert live_lines(contract) == engine_lines(expected)
    assert sum(line[5] for line in live_lines(contract)) == Decimal("10940.00")
    assert (contract.status, contract.decided_on is not None) == (S.ACCEPTED, True)


def test_a_file_with_an_error_check_cannot_be_accepted_and_nothing_changes(staff, referentials):
    contract = contract_deposit(
        actor=staff, data=changed({**base(), "recu_le": "2025-09-02"}, {"apprenti.date_naissance": "1990-01-01"})
    ).contract
    workflow.contract_transition(actor=staff, contract_id=contract.pk, action_code="instruct")
    with pytest.raises(TransitionRefused, match="AGE"):
        contract_accept(actor=staff, contract_id=contract.pk)
    assert ApprenticeshipContract.objects.get(pk=contract.pk).status == S.UNDER_INSTRUCTION
    assert not Commitment.objects.exists() and not Instalment.objects.exists()


def test_warnings_need_an_acknowledgement(staff, referentials):
    # IDCC 1090 belongs to another OPCO: OPCO_RATTACHEMENT is a warning.
    data = changed({**base(), "recu_le": "2025-09-02"}, {"employeur.idcc": "1090"})
    contract = contract_deposit(actor=staff, data=data).contract
    workflow.contract_transition(actor=staff, contract_id=contract.pk, action_code="instruct")
    with pytest.raises(TransitionRefused, match="OPCO_RATTACHEMENT"):
        contract_accept(actor=staff, contract_id=contract.pk)
    assert not Commitment.objects.exists()
    contract_accept(actor=staff, contract_id=contract.pk, warnings_acknowledged=True)
    assert ApprenticeshipContract.objects.get(pk=contract.pk).status == S.ACCEPTED


def test_an_opposition_blocks_the_acceptance(staff, referentials):
    EmployerOpposition.objects.create(siret="00123456600014", kind="opposition", starts_on=date(2025, 1, 1), recorded_by=staff)
    contract = contract_deposit(actor=staff, data={**base(), "recu_le": "2025-09-02"}).contract
    workflow.contract_transition(actor=staff, contract_id=contract.pk, action_code="instruct")
    with pytest.raises(TransitionRefused, match="EMPLOYEUR_OPPOSITION"):
        contract_accept(actor=staff, contract_id=contract.pk)


def test_rupture_keeps_the_paid_advance_and_adds_the_closing_line(staff, referentials):
    contract = accepted(staff)
    advance = contract.commitment.instalments.get(year=1, kind="advance")
    Instalment.objects.filter(pk=advance.pk).update(status=ScheduleStatus.PAID)
    contract_rupture(actor=staff, contract_id=contract.pk, rupture_date=date(2025, 10, 5), cause="accord_commun")
    contract.refresh_from_db()
    advance.refresh_from_db()
    assert (advance.status, advance.gross) == (ScheduleStatus.PAID, Decimal("2188.00"))  # 5470 × 40 %, untouched
    # R2025: 35 days → 5470 × 35 / 365 = 524.52; closing line 524.52 − 2188.00, the day after the rupture.
    assert live_lines(contract) == [
        (1, "advance", date(2025, 9, 1), Decimal("2188.00"), ZERO, Decimal("2188.00")),
        (1, "balance", date(2025, 10, 6), Decimal("-1663.48"), ZERO, Decimal("-1663.48")),
    ]
    assert contract.status == S.BROKEN
    superseded = contract.commitment.instalments.filter(status=ScheduleStatus.SUPERSEDED).count()
    assert superseded == 7  # every open line of the two planned years
    engine = simulation_run({**simulation_payload(contract), "rupture_date": "2025-10-05"})[0]
    assert live_lines(contract) == engine_lines(engine)


def test_rupture_after_paid_lines_of_the_first_year(staff, referentials):
    contract = accepted(staff)
    for kind in ("advance", "month7", "month10"):
        Instalment.objects.filter(commitment__contract=contract, year=1, kind=kind).update(status=ScheduleStatus.PAID)
    contract_rupture(actor=staff, contract_id=contract.pk, rupture_date=date(2026, 8, 31), cause="accord_commun")
    contract.refresh_from_db()
    # The rupture on the year's last day: the year is complete (5 470), its balance 547 stays due on 1 September.
    lines = live_lines(contract)
    assert [line[1] for line in lines] == ["advance", "month7", "month10", "balance"]
    assert sum(line[5] for line in lines) == Decimal("5470.00")


def test_an_amendment_extending_the_contract_adds_lines_and_keeps_paid_ones(staff, referentials):
    one_year = [{"date_debut": "2025-09-01", "date_fin": "2026-08-31", "taux": 43}]
    contract = accepted(
        staff, **{"contrat.date_fin": "2026-08-31", "formation.date_fin": "2026-06-30", "contrat.remunerations": one_year}
    )
    paid = contract.commitment.instalments.get(year=1, kind="advance")
    Instalment.objects.filter(pk=paid.pk).update(status=ScheduleStatus.PAID)
    contract_amend(
        actor=staff,
        contract_id=contract.pk,
        amendment_type="33",
        effective_on=date(2026, 6, 1),
        changes={"end_date": "2027-08-31"},
    )
    contract.refresh_from_db()
    assert contract.end_date == date(2027, 8, 31) and contract.amendments.get().amendment_type == "33"
    engine = simulation_run(simulation_payload(contract))[0]
    assert live_lines(contract) == engine_lines(engine)
    paid.refresh_from_db()
    assert paid.status == ScheduleStatus.PAID


def test_an_amendment_changing_paid_amounts_becomes_a_regularisation(staff, referentials, load_certifications):
    load_certifications("RNCP37566", "RNCP38381")
    contract = accepted(staff)
    for kind in ("advance", "month7"):
        Instalment.objects.filter(commitment__contract=contract, year=1, kind=kind).update(status=ScheduleStatus.PAID)
    # Level 5 (BTS): amorçage 6 000 instead of 5 470 for the same dates.
    contract_amend(
        actor=staff,
        contract_id=contract.pk,
        amendment_type="35",
        effective_on=date(2026, 4, 1),
        changes={"rncp": "RNCP38381", "level": 5},
    )
    contract.refresh_from_db()
    lines = live_lines(contract)
    year1 = [line for line in lines if line[0] == 1]
    # Paid: 2 188 + 1 641 (5 470 × 70 %); the new year 1 is 6 000: 2 400 + 1 800 + 1 200 + 600.
    assert (1, "regularisation", date(2026, 4, 2), Decimal("371.00"), ZERO, Decimal("371.00")) in year1
    assert sum(line[5] for line in year1) == Decimal("6000.00")
    assert sum(line[5] for line in lines) == Decimal("12000.00")


def test_amendment_refusals_change_nothing(staff, referentials):
    contract = accepted(staff)
    with pytest.raises(ValidationError, match="non modifiables"):
        contract_amend(
            actor=staff,
            contract_id=contract.pk,
            amendment_type="36",
            effective_on=date(2026, 1, 1),
            changes={"apprentice_nir": "x"},
        )
    assert ApprenticeshipContract.objects.get(pk=contract.pk).end_date == date(2027, 8, 31)
    assert not contract.amendments.exists()


def test_npec_regularisation_once_a_level_is_published(staff, referentials):
    contract = accepted(staff)
    assert contracts_awaiting_npec_regularisation() == []  # financed at amorçage, nothing published yet
    with pytest.raises(TransitionRefused):
        commitment_regularise_npec(actor=staff, contract_id=contract.pk)  # nothing published yet
    Instalment.objects.filter(commitment__contract=contract, year=1, kind="advance").update(status=ScheduleStatus.PAID)
    cpne = Cpne.objects.create(code="77", name="CPNE de la boulangerie-pâtisserie")
    CpneIdcc.objects.create(
        publication=NpecPublication.objects.create(file_name="r.xlsx", checksum="b" * 64), cpne=cpne, idcc_code="0843"
    )
    npec_decision_record(actor=staff, rncp="RNCP37566", cpne_code="77", amount=Decimal("7000"), applicable_from=date(2025, 1, 1))
    assert contracts_awaiting_npec_regularisation() == [(contract, Decimal("7000.00"))]
    commitment = commitment_regularise_npec(actor=staff, contract_id=contract.pk)
    assert (commitment.npec, commitment.npec_source, commitment.annual_amount) == (
        Decimal("7000.00"),
        "referentiel",
        Decimal("7000.00"),
    )
    lines = live_lines(contract)
    assert sum(line[5] for line in lines) == Decimal("14000.00")
    assert (1, "advance", date(2025, 9, 1), Decimal("2188.00"), ZERO, Decimal("2188.00")) in lines  # paid, untouched
    assert any(line[1] == "regularisation" and line[5] == Decimal("612.00") for line in lines)  # 2 800 − 2 188
    assert contracts_awaiting_npec_regularisation() == []


def test_reminders_are_sent_once_however_often_the_job_runs(staff, referentials, settings):
    import time_machine

    contract = contract_deposit(actor=staff, data={**base(), "recu_le": "2025-09-02"}).contract
    ApprenticeshipContract.objects.filter(pk=contract.pk).update(assigned_to=staff)
    with time_machine.travel(date(2025, 9, 18), tick=False):
        assert send_reminders() == 1
        assert send_reminders() == 0
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [staff.email]
    assert Reminder.objects.get().kind == "deadline_near"


def test_the_regularisation_screen_lists_what_can_be_regularised(client, staff, referentials, make_user):
    from django.urls import reverse

    contract = accepted(staff)
    client.force_login(staff)
    assert list(client.get(reverse("contracts:regularisations")).context["rows"]) == []
    cpne = Cpne.objects.create(code="77", name="CPNE de la boulangerie-pâtisserie")
    CpneIdcc.objects.create(
        publication=NpecPublication.objects.create(file_name="r.xlsx", checksum="c" * 64), cpne=cpne, idcc_code="0843"
    )
    npec_decision_record(actor=staff, rncp="RNCP37566", cpne_code="77", amount=Decimal("7000"), applicable_from=date(2025, 1, 1))
    assert client.get(reverse("contracts:regularisations")).context["rows"] == [(contract, Decimal("7000.00"))]
    client.force_login(make_user(kind="advisor"))
    assert client.get(reverse("contracts:regularisations")).status_code == 403


def test_a_later_npec_changes_the_money_only_through_a_regularisation(staff, referentials):
    """A rupture or an amendment recomputes with the committed NPEC, not a level published since."""
    contract = accepted(staff)  # amorçage 5 470: 10 940 over two years
    cpne = Cpne.objects.create(code="77", name="CPNE de la boulangerie-pâtisserie")
    CpneIdcc.objects.create(
        publication=NpecPublication.objects.create(file_name="r.xlsx", checksum="d" * 64), cpne=cpne, idcc_code="0843"
    )
    npec_decision_record(actor=staff, rncp="RNCP37566", cpne_code="77", amount=Decimal("7000"), applicable_from=date(2025, 1, 1))
    contract_amend(
        actor=staff, contract_id=contract.pk, amendment_type="36", effective_on=date(2026, 1, 1), changes={"training_hours": 900}
    )
    contract.refresh_from_db()
    assert sum(line[5] for line in live_lines(contract)) == Decimal("10940.00")
    contract_rupture(actor=staff, contract_id=contract.pk, rupture_date=date(2026, 8, 31), cause="accord_commun")
    contract.refresh_from_db()
    assert sum(line[5] for line in live_lines(contract)) == Decimal("5470.00")  # year 1 complete, at the committed level
    assert (contract.commitment.npec, contract.commitment.npec_source) == (Decimal("5470.00"), "amorcage")


def test_an_amendment_of_the_certification_moves_the_commitment_with_it(staff, referentials, load_certifications):
    load_certifications("RNCP37566", "RNCP38381")
    contract = accepted(staff)
    contract_amend(
        actor=staff,
        contract_id=contract.pk,
        amendment_type="35",
        effective_on=date(2025, 10, 1),
        changes={"rncp": "RNCP38381", "level": 5},
    )
    commitment = Commitment.objects.get(contract=contract)
    assert (commitment.npec, commitment.annual_amount, commitment.npec_source) == (
        Decimal("6000.00"),
        Decimal("6000.00"),
        "amorcage",
    )
    assert sum(line[5] for line in live_lines(contract)) == Decimal("12000.00")


def test_the_implicit_refusal_rechecks_the_deadline_under_the_lock(staff, referentials):
    from contracts.alternance.decisions import contract_refuse

    contract = contract_deposit(actor=staff, data={**base(), "recu_le": "2025-09-02"}).contract  # due 22 September
    workflow.contract_request_documents(actor=staff, contract_id=contract.pk, message="Convention de formation")
    with pytest.raises(TransitionRefused):
        contract_refuse(actor=None, contract_id=contract.pk, codes=[], text="", implicit=True, today=date(2025, 9, 30))
    contract.refresh_from_db()
    assert (contract.status, contract.implicit_refusal) == (S.INCOMPLETE, False)
    workflow.contract_documents_received(actor=staff, contract_id=contract.pk, on=date(2025, 9, 25))  # due 15 October
    with pytest.raises(TransitionRefused):
        contract_refuse(actor=None, contract_id=contract.pk, codes=[], text="", implicit=True, today=date(2025, 10, 15))
    contract_refuse(actor=None, contract_id=contract.pk, codes=[], text="", implicit=True, today=date(2025, 10, 16))
    assert ApprenticeshipContract.objects.get(pk=contract.pk).implicit_refusal is True
