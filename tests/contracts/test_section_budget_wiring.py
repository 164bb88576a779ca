"""Contracts draw on the section's dotation (L6332-3, R6332-15): an acceptance commits its schedule
month by month, is refused past the dotation (nothing changes) unless a manager acknowledges the
overrun, silence (D6325-2) commits knowingly, a rupture gives back the difference; and simultaneous
acceptances on PostgreSQL never pass the dotation unseen."""

from collections import defaultdict
from datetime import date
from decimal import Decimal

import pytest
from django.db.models import Sum

from contracts.alternance import workflow
from contracts.alternance.decisions import contract_accept, contract_rupture
from contracts.alternance.deposit import contract_deposit
from contracts.enums import ContractStatus
from contracts.models import ApprenticeshipContract
from payments.budgets import BudgetExceeded, budget_net_by_month
from payments.enums import FinancialSection, ScheduleStatus
from payments.models import BudgetMovement, SectionBudget
from tests.concurrency import run_together
from tests.conftest import need_postgres
from tests.contracts.factories import base, changed

ALTERNANCE = FinancialSection.ALTERNANCE


def schedule_by_month(contract) -> dict[date, Decimal]:
    months: dict[date, Decimal] = defaultdict(lambda: Decimal("0.00"))
    for instalment in contract.commitment.instalments.exclude(status__in=(ScheduleStatus.SUPERSEDED, ScheduleStatus.NOT_DUE)):
        months[instalment.due_date.replace(day=1)] += instalment.net
    return {month: amount for month, amount in months.items() if amount}


def ledger(contract) -> dict[date, Decimal]:
    return {month: amount for (section, month), amount in budget_net_by_month(contract.commitment).items()}


def committed(year: int) -> Decimal:
    total = BudgetMovement.objects.filter(budget__year=year, budget__section=ALTERNANCE).aggregate(total=Sum("amount"))["total"]
    return total or Decimal("0.00")


def deposited(staff, changes: dict | None = None) -> ApprenticeshipContract:
    contract = contract_deposit(actor=staff, data=changed({**base(), "recu_le": "2025-09-02"}, changes or {})).contract
    workflow.contract_transition(actor=staff, contract_id=contract.pk, action_code="instruct")
    return contract


@pytest.mark.django_db
def test_an_acceptance_commits_its_schedule_month_by_month(accept):
    contract = accept()
    assert ledger(contract) == schedule_by_month(contract)
    assert sum(ledger(contract).values()) == sum(
        i.net for i in contract.commitment.instalments.exclude(status=ScheduleStatus.SUPERSEDED)
    )


@pytest.mark.django_db
def test_past_the_dotation_the_acceptance_is_refused_and_nothing_changes(staff, referentials):
    SectionBudget.objects.create(year=2025, section=ALTERNANCE, amount=Decimal("100.00"))
    contract = deposited(staff)
    with pytest.raises(BudgetExceeded, match="Engagement refusé"):
        contract_accept(actor=staff, contract_id=contract.pk)
    contract.refresh_from_db()
    assert contract.status == ContractStatus.UNDER_INSTRUCTION and not hasattr(contract, "commitment")
    assert not BudgetMovement.objects.exists()


@pytest.mark.django_db
def test_a_manager_may_accept_past_the_dotation_and_the_overrun_is_recorded(staff, referentials, make_user):
    SectionBudget.objects.create(year=2025, section=ALTERNANCE, amount=Decimal("100.00"))
    contract = deposited(staff)
    manager = make_user(kind="staff", groups=["responsable"])  # who may go past is the service's rule (payments.budgets)
    contract_accept(actor=manager, contract_id=contract.pk, budget_overrun_acknowledged=True)
    assert BudgetMovement.objects.filter(budget__year=2025, overrun=True).exists()
    assert committed(2025) > Decimal("100.00")


@pytest.mark.django_db
def test_a_rupture_gives_back_what_is_no_longer_due(accept, staff):
    contract = accept()
    before = sum(ledger(contract).values())
    contract_rupture(actor=staff, contract_id=contract.pk, rupture_date=date(2026, 1, 31), cause="accord_commun")
    contract.refresh_from_db()
    assert ledger(contract) == schedule_by_month(contract)
    assert sum(ledger(contract).values()) < before
    assert BudgetMovement.objects.filter(amount__lt=0).exists()


@pytest.mark.django_db(transaction=True)
def test_simultaneous_acceptances_never_pass_the_dotation_unseen(make_user, load, load_certifications, cfa):
    need_postgres()
    load("idcc", "branches", "holidays", "legal_parameters")
    load_certifications("RNCP37566")
    staff = make_user(kind="staff", groups=["gestionnaire"])
    contracts = [deposited(staff, {"apprenti.nom": name}) for name in ("Durand", "Petit", "Moreau", "Roux")]
    first = contracts[0]
    # Room in 2025 for the 2025 lines of exactly two of the four contracts (they are the same schedule).
    per_contract_2025 = sum(
        amount
        for month, amount in _schedule_of_one(staff).items()
        if month.year == 2025  # computed on a throw-away acceptance, rolled back
    )
    SectionBudget.objects.create(year=2025, section=ALTERNANCE, amount=per_contract_2025 * 2)

    def accepting(contract):
        return lambda: contract_accept(actor=staff, contract_id=contract.pk)

    results = run_together(*(accepting(contract) for contract in contracts))
    refused = [r for r in results if isinstance(r, BaseException)]
    assert all(isinstance(r, BudgetExceeded) for r in refused), refused
    assert len(refused) == 2
    assert committed(2025) == per_contract_2025 * 2
    assert ApprenticeshipContract.objects.filter(status=ContractStatus.ACCEPTED).count() == 2
    assert first.pk  # the four were deposited


def _schedule_of_one(staff) -> dict[date, Decimal]:
    from django.db import transaction

    class Rollback(Exception):
        pass

    found: dict[date, Decimal] = {}
    try:
        with transaction.atomic():
            contract = deposited(staff, {"apprenti.nom": "Essai"})
            contract_accept(actor=staff, contract_id=contract.pk)
            contract.refresh_from_db()
            found = schedule_by_month(contract)
            raise Rollback
    except Rollback:
        pass
    return found
