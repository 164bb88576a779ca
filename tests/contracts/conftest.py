"""Fixtures of the contracts tests: a frozen clock; accepted apprenticeship contracts whose CFA has a bank
account (the payments tests use them too); for the reconversion tests, a branch for IDCC 1486 and one
for IDCC 0843, a training provider with a bank account, periods deposited or accepted. Staff users are
gestionnaires, finance users are in the finance group."""

import itertools
from datetime import date, datetime

import pytest

from contracts.alternance import workflow
from contracts.alternance.decisions import contract_accept
from contracts.alternance.deposit import contract_deposit
from contracts.enums import ContractStatus
from contracts.models import ApprenticeshipContract
from contracts.reconversion.services import reconversion_accept, reconversion_deposit, reconversion_instruct
from referentials.models import TrainingProvider
from tests.branches.factories import BranchFactory
from tests.contracts.factories import (
    APPRENTICES,
    CFA_IBAN,
    CFA_SIRET,
    MASTERS,
    PARIS,
    PROVIDER_IBAN,
    PROVIDER_SIRET,
    base,
    changed,
    period_data,
)


@pytest.fixture
def clock(time_machine):
    """clock(day): the back-office's today is `day` (noon in Paris), frozen; 5 March 2026 until moved."""

    def move(day: date) -> None:
        time_machine.move_to(datetime(day.year, day.month, day.day, 12, tzinfo=PARIS), tick=False)

    move(date(2026, 3, 5))
    return move


@pytest.fixture
def staff(make_user):
    return make_user(kind="staff", groups=["gestionnaire"])


@pytest.fixture
def finance(make_user):
    return make_user(kind="staff", groups=["finance"], email="finance-reco@example.org")


# --- Apprenticeship contracts --------------------------------------------------------------------------
@pytest.fixture
def cfa(db):
    return TrainingProvider.objects.update_or_create(
        siret=CFA_SIRET,
        defaults={
            "name": "CFA des Métiers de Bouche",
            "uai": "0142321X",
            "address": "12 rue des Boulangers",
            "postal_code": "14000",
            "city": "Caen",
            "iban": CFA_IBAN,
            "bic": "BREDFRPP",
        },
    )[0]


@pytest.fixture
def referentials(load, load_certifications, cfa):
    load("idcc", "branches", "holidays", "legal_parameters")
    load_certifications("RNCP37566")


@pytest.fixture
def accept(staff, referentials):
    """accept({"contrat.date_debut": …}) → an accepted contract (the base payload of tests/contracts,
    R2025, level 3, 2025-09-08 → 2027-06-30, its CFA with a bank account)."""

    def make(changes: dict | None = None, received_on: date = date(2025, 9, 2)) -> ApprenticeshipContract:
        data = changed({**base(), "recu_le": received_on.isoformat()}, changes or {})
        contract = contract_deposit(actor=staff, data=data).contract
        workflow.contract_transition(actor=staff, contract_id=contract.pk, action_code="instruct")
        contract_accept(actor=staff, contract_id=contract.pk)
        return ApprenticeshipContract.objects.select_related("commitment", "cfa").get(pk=contract.pk)

    return make


@pytest.fixture
def contract(accept, clock):
    """contract(changes, today=…, received_on=…): an accepted contract, deposited and accepted on
    `today`; by default the base contract of tests/contracts (R2025, level 3, 2025-09-01 → 2027-08-31,
    5 470 € a year)."""
    numbers = itertools.count()

    def make(changes: dict | None = None, *, today: date = date(2025, 9, 15), received_on: date = date(2025, 9, 2)):
        clock(today)
        n = next(numbers)
        names = {"apprenti.nom": APPRENTICES[n], "maitres_apprentissage.0.nom": MASTERS[n]}
        made = accept({**names, **(changes or {})}, received_on=received_on)
        assert made.status == ContractStatus.ACCEPTED
        return made

    return make


# --- Périodes de reconversion ----------------------------------------------------------------------------
@pytest.fixture
def branches(db):
    """IDCC 1486 → branch « Bureaux d'études », IDCC 0843 → branch « Boulangerie »; no decision yet."""
    made = {}
    for code, name in (("1486", "Bureaux d'études"), ("0843", "Boulangerie")):
        made[code] = BranchFactory(code=f"IDCC-{code}", name=name, idccs=[code], idccs__title=name)
    return made


@pytest.fixture
def provider(db):
    return TrainingProvider.objects.update_or_create(
        siret=PROVIDER_SIRET,
        defaults={
            "name": "Institut de la Reconversion",
            "address": "12 rue des Boulangers",
            "postal_code": "14000",
            "city": "Caen",
            "iban": PROVIDER_IBAN,
            "bic": "BREDFRPP",
        },
    )[0]


@pytest.fixture
def deposit(staff, branches, provider):
    def make(received_on: date = date(2026, 3, 2), **changes):
        return reconversion_deposit(actor=staff, data=period_data(**changes), received_on=received_on)

    return make


@pytest.fixture
def accepted(staff, deposit, clock):
    """accepted(on=…, **changes): a period deposited, instructed and accepted on `on`."""

    def make(on: date = date(2026, 3, 5), received_on: date = date(2026, 3, 2), **changes):
        clock(on)
        period = deposit(received_on=received_on, **changes)
        reconversion_instruct(actor=staff, period_id=period.pk)
        return reconversion_accept(actor=staff, period_id=period.pk)

    return make
