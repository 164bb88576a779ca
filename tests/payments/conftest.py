"""Fixtures of the payments tests: accepted contracts whose CFA has a bank account, finance users."""

from datetime import date

import pytest

from contracts.alternance import workflow
from contracts.alternance.decisions import contract_accept
from contracts.alternance.deposit import contract_deposit
from contracts.models import ApprenticeshipContract
from referentials.models import TrainingProvider
from tests.contracts.test_payload import base, changed

CFA_SIRET = "44492238900036"
CFA_IBAN = "FR7610107001011234567890129"


@pytest.fixture
def staff(make_user):
    return make_user(kind="staff", groups=["gestionnaire"])


@pytest.fixture
def finance(make_user):
    return make_user(kind="staff", groups=["finance"], email="finance1@example.org")


@pytest.fixture
def finance2(make_user):
    return make_user(kind="staff", groups=["finance"], email="finance2@example.org")


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
    load("idcc", "branches", "holidays")
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


@pytest.fixture(autouse=True)
def media_root(tmp_path, settings):
    """SEPA files and uploads of a test go to its own directory, never to var/media."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT
